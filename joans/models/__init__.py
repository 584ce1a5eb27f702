"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent
from joans.models.consent import ConsentRecord
from joans.models.crm import Company, Contact, Note, SearchTerm
from joans.models.data_requests import DataSubjectRequest
from joans.models.leads import CallbackRequest
from joans.models.staff import RecoveryCode, StaffSession, StaffUser

__all__ = [
    "AuditEvent",
    "CallbackRequest",
    "Company",
    "ConsentRecord",
    "Contact",
    "DataSubjectRequest",
    "Note",
    "RecoveryCode",
    "SearchTerm",
    "StaffSession",
    "StaffUser",
]
