"""Domain operations. Views and commands call these; they never read the request."""
