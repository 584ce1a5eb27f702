"""Database models, one module per domain; importing this package registers them all."""

from joans.models.audit import AuditEvent
from joans.models.callbacks import CallbackRequest
from joans.models.catalogue import Product
from joans.models.consent import ConsentRecord
from joans.models.crm import Company, Contact, Note, SearchTerm
from joans.models.data_requests import DataSubjectRequest
from joans.models.domains import Disclosure, Domain
from joans.models.invoices import Invoice, InvoiceLine, InvoiceNumberSequence
from joans.models.newsletter import (
    Newsletter,
    NewsletterSubscription,
    OutboxMessage,
    Suppression,
)
from joans.models.orders import Order, OrderLine
from joans.models.staff import RecoveryCode, StaffSession, StaffUser

__all__ = [
    "AuditEvent",
    "CallbackRequest",
    "Company",
    "ConsentRecord",
    "Contact",
    "DataSubjectRequest",
    "Disclosure",
    "Domain",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumberSequence",
    "Newsletter",
    "NewsletterSubscription",
    "Note",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "Product",
    "RecoveryCode",
    "SearchTerm",
    "StaffSession",
    "StaffUser",
    "Suppression",
]
