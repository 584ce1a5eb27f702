"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent
from joans.models.consent import ConsentRecord

__all__ = ["AuditEvent", "ConsentRecord"]
