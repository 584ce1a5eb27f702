"""Billing: invoices, payments, reminders, and the files exchanged with bank and accountant."""
