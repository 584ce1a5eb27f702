"""Every back-office view on the one ``staff`` blueprint: the shell's own, then each feature's.

Importing a module registers its views on :data:`joans.backoffice.bp`; importing
:mod:`joans.staff.guard` puts the one guard in front of all of them.
"""

from joans.backoffice import bp
from joans.billing import staff_views as billing_views  # noqa: F401 - registers its views
from joans.consent import staff_views as consent_views  # noqa: F401
from joans.contact import staff_views as contact_views  # noqa: F401
from joans.crm import staff_views as crm_views  # noqa: F401
from joans.domains import staff_views as domains_views  # noqa: F401
from joans.newsletter import staff_views as newsletter_views  # noqa: F401
from joans.orders import staff_views as orders_views  # noqa: F401
from joans.privacy import staff_views as privacy_views  # noqa: F401
from joans.staff import account, accounts, audit, auth, dashboard, guard  # noqa: F401

__all__ = ["bp"]
