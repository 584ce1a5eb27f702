"""Confirming an order hands its domain names to the registrar in the same service call."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joans.extensions import db
from joans.models.domains import Disclosure, Domain, DomainStatus
from joans.models.orders import OrderStatus
from joans.orders import services as order_service
from tests.orders import make_order, order

DESK = "desk@ilait.example"
NAMES = ("räksmörgås.se", "exempel-bygg.se")


@pytest.fixture
def app_config(smtp_server):
    """Mail to a real SMTP server, the registrar's partner desk included."""
    return {**smtp_server.app_config, "REGISTRAR_EMAIL": DESK}


def desk_subjects(smtp_server) -> list[str]:
    return sorted(m["Subject"] for m in smtp_server.messages if m["To"] == DESK)


def test_confirming_an_order_hands_off_each_of_its_domains(app, smtp_server):
    """The order is confirmed; the desk gets one request per name, each disclosed."""
    order_id = make_order(app, domains=NAMES)
    with app.app_context():
        confirmation = order_service.confirm_order(order_id, actor_id=None)
        assert (confirmation.domains_sent, confirmation.domains_not_sent) == (2, 0)
        assert order(app, order_id).status == OrderStatus.CONFIRMED
        handed_off = db.session.scalars(select(Domain.handed_off_at)).all()
        assert len(handed_off) == 2 and all(handed_off)
        assert len(db.session.scalars(select(Disclosure)).all()) == 2
    assert len(desk_subjects(smtp_server)) == 2


def test_a_hand_off_that_fails_leaves_the_order_confirmed_and_counts_it(app, smtp_server):
    """The desk refuses: the order is still confirmed, the names wait, nothing is disclosed."""
    order_id = make_order(app, domains=NAMES)
    smtp_server.refuse[DESK] = "550 No such user"
    with app.app_context():
        confirmation = order_service.confirm_order(order_id, actor_id=None)
        assert (confirmation.domains_sent, confirmation.domains_not_sent) == (0, 2)
        assert order(app, order_id).status == OrderStatus.CONFIRMED
        statuses = db.session.scalars(select(Domain.status)).all()
        assert statuses == [DomainStatus.REQUESTED, DomainStatus.REQUESTED]
        assert db.session.scalars(select(Disclosure)).all() == []


def test_an_order_confirmed_already_is_not_confirmed_again(app, smtp_server):
    """A second confirmation changes nothing and sends nothing more."""
    order_id = make_order(app, domains=NAMES[:1])
    with app.app_context():
        assert order_service.confirm_order(order_id, actor_id=None) is not None
        assert order_service.confirm_order(order_id, actor_id=None) is None
    assert len(desk_subjects(smtp_server)) == 1
