"""The public pages and their URLs in Swedish and English.

Every test that walks the public site (headers, cookies, accessibility) reads this table; a test
fails when a page is registered in the app but missing here.
"""

PUBLIC_PAGES = {
    "public.home": ("/", "/en/"),
    "public.services": ("/tjanster", "/en/services"),
    "public.about": ("/om-oss", "/en/about"),
    "public.privacy": ("/integritetspolicy", "/en/privacy"),
    "contact.form": ("/kontakt", "/en/contact"),
    "consent.settings": ("/cookies", "/en/cookies"),
    "orders.order": ("/bestall", "/en/order"),
    "orders.terms": ("/villkor", "/en/terms"),
    "newsletter.request_link": ("/nyhetsbrev/avregistrera", "/en/newsletter/unsubscribe"),
}

PUBLIC_URLS = [url for urls in PUBLIC_PAGES.values() for url in urls]
