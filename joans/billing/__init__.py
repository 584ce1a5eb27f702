"""Billing: invoices, credit notes, their PDF, payments, and the files for bank and accountant."""
