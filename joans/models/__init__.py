"""Database models, one module per domain; importing this package registers them all."""
