"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent

__all__ = ["AuditEvent"]
