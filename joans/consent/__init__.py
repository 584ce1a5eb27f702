"""Statistics cookies: the banner, the cookie page, the consent cookie and Google Analytics.

Nothing from Google reaches a page until the visitor has accepted: the server renders the
banner or, after consent, the GA snippet, and names Google's hosts in the page's CSP only then.
"""
