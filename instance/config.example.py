# Copy to instance/config.py (never committed) and adjust. Every setting can also be given as an
# environment variable with the JOANS_ prefix, which wins over this file.

# ENV = "production"
# SECRET_KEY = "a long random string: python -c 'import secrets; print(secrets.token_hex(32))'"
# DATABASE_URL = "postgresql+psycopg://joans@db.internal/joans"
# SITE_URL = "https://joans.se"

# COMPANY_PHONE = "08-123 456 78"
# COMPANY_ADDRESS = "Storgatan 1, 111 22 Stockholm"

# MAIL_SERVER = "smtp.joans.se"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USERNAME = "website@joans.se"
# MAIL_PASSWORD = "..."

# Newsletters: a secret of its own, never changed (it keeps unsubscribed addresses suppressed and
# old unsubscribe links working), and the sender, apart from transactional mail.
# NEWSLETTER_SECRET_KEY = "another long random string"
# NEWSLETTER_SENDER = "Joans nyhetsbrev <nyhetsbrev@joans.se>"
# NEWSLETTER_SEND_RATE = 10

# CALLBACK_NOTIFY_EMAILS = ["anna@joans.se", "bo@joans.se"]
# CALLBACK_NOTIFY_LANGUAGE = "sv"

# Statistics: without a measurement id there is no cookie banner and no Google Analytics.
# GA_MEASUREMENT_ID = "G-XXXXXXXXXX"
# COOKIE_DOMAIN = "joans.se"
# CONSENT_REVISION = 1  # raise when the use of cookies changes, to ask everyone again

# RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
# PROXY_FIX_X_FOR = 1
# PROXY_FIX_X_PROTO = 1
