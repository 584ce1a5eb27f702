"""Billing: invoices, credit notes and their PDF, payments, and the files for bank and accountant."""
