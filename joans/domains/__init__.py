"""Domains: names ordered, handed to the registrar, renewed, transferred away, ended."""
