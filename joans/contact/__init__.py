"""Call-back requests: the contact form where visitors ask to be called back, and staff's inbox."""
