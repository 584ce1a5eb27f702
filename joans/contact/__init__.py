"""The contact page, where visitors ask to be called back."""
