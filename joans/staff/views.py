"""The back-office views, one module per resource, all on the ``staff`` blueprint."""

from joans.staff import (  # noqa: F401 - importing a module registers its views
    account,
    accounts,
    audit,
    auth,
    callbacks,
    companies,
    contacts,
    customership,
    dashboard,
    data_requests,
    domains,
    exports,
    invoices,
    newsletters,
    orders,
    privacy_record,
    products,
    search,
    statistics,
)
from joans.staff.blueprint import bp

__all__ = ["bp"]
