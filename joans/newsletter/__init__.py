"""The newsletter's public pages (unsubscribe, one-click, "e-mail me a link") and its worker."""
