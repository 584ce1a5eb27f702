"""What the order form has collected so far, carried between steps in a signed hidden field.

The public site sets no cookie, so there is no session to keep it in. The value is signed with
the app's secret key and its own salt (itsdangerous), and expires after ``ORDERS_FORM_MAX_AGE``:
a visitor can read what they typed, but cannot change a validated step without redoing it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from joans.orders.services import Buyer, Selection, new_submission_key

STATE_SALT = "joans.orders.form-state"
CONFIRMATION_SALT = "joans.orders.confirmation"
STEPS = ("products", "buyer", "review")
# What a visitor may have typed on the buyer step before going back: kept, unvalidated, so
# nothing is lost, and cut to a sane length.
DRAFT_FIELD_LENGTH = 300


@dataclass
class OrderState:
    """The steps done so far."""

    key: str = field(default_factory=new_submission_key)
    step: str = "products"
    quantities: list[list[int]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    buyer: dict | None = None
    draft: dict = field(default_factory=dict)
    newsletter_objection: bool = False
    prices_with_vat: bool = False
    fingerprint: str | None = None

    @property
    def selection(self) -> Selection:
        """The products and domains chosen."""
        return Selection(
            quantities=tuple((pid, qty) for pid, qty in self.quantities),
            domains=tuple(self.domains),
        )

    @property
    def buyer_details(self) -> Buyer:
        """The validated buyer."""
        return Buyer(**self.buyer)

    def keep_draft(self, formdata) -> None:
        """Remember what was typed on the buyer step, valid or not."""
        self.draft = {
            name: str(value)[:DRAFT_FIELD_LENGTH]
            for name, value in formdata.items()
            if name in Buyer.__dataclass_fields__ or name == "newsletter_objection"
        }

    def dumps(self) -> str:
        """The signed value for the hidden field."""
        return _serializer(STATE_SALT).dumps(asdict(self))

    @classmethod
    def loads(cls, value: str) -> OrderState | None:
        """The state in a hidden field, or None if it was changed, is too old or is not ours."""
        max_age = current_app.config["ORDERS_FORM_MAX_AGE"]
        try:
            data = _serializer(STATE_SALT).loads(value, max_age=max_age)
            state = cls(**data)
        except (BadData, TypeError):
            return None
        return state if state.step in STEPS else None


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def confirmation_token(order_id: int) -> str:
    """A signed token for the confirmation page's URL: the order id, nothing personal."""
    return _serializer(CONFIRMATION_SALT).dumps(order_id)


def order_id_from_token(token: str) -> int | None:
    """The order id in a confirmation token no older than a week, else None."""
    try:
        order_id = _serializer(CONFIRMATION_SALT).loads(token, max_age=7 * 24 * 3600)
    except BadData:
        return None
    return order_id if isinstance(order_id, int) else None
