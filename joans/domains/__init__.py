"""Domains: the names we register for customers, and the check whether a name is free."""
