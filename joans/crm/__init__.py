"""The customer register: companies, contacts, notes, search and export."""
