"""Domains: names ordered, checked, handed to the registrar, renewed, transferred away, ended."""
