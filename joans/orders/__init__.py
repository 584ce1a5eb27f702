"""Ordering: the order form, its confirmation, the terms, the catalogue, and orders for staff."""
