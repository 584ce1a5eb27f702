"""Billing: invoices, credit notes and their PDF."""
