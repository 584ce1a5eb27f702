"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent
from joans.models.crm import Company, Contact, Note, SearchTerm
from joans.models.staff import RecoveryCode, StaffSession, StaffUser

__all__ = [
    "AuditEvent",
    "Company",
    "Contact",
    "Note",
    "RecoveryCode",
    "SearchTerm",
    "StaffSession",
    "StaffUser",
]
