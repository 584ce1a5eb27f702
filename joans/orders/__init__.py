"""Ordering: the public order form and its confirmation, and the terms of purchase."""
