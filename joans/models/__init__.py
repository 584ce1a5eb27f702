"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent
from joans.models.consent import ConsentRecord
from joans.models.leads import CallbackRequest

__all__ = ["AuditEvent", "CallbackRequest", "ConsentRecord"]
