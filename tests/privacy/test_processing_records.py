"""The privacy page's table and the record of processing come from the declarations."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import Column, Integer, MetaData, String, Table

from joans.models.personal_data import Basis, Category, Purpose, personal_data
from joans.privacy.records import PURPOSE_LABELS, processing_activities, public_activities
from joans.privacy.retention import RULES


def test_every_declared_purpose_appears_with_its_data_bases_and_rules(app):
    """Each purpose a column declares is listed once, with what the columns say."""
    with app.app_context():
        activities = {item.purpose: item for item in processing_activities()}
    callback = activities[Purpose.CALLBACK]
    assert "callback_request.phone" in callback.columns
    assert Category.CONTACT in callback.categories
    assert callback.rules == (RULES["callback"],)
    assert Basis.LEGITIMATE_INTEREST in activities[Purpose.CRM].bases
    assert set(activities) <= set(PURPOSE_LABELS)


def test_a_new_declared_column_shows_up_without_touching_any_page():
    """A throwaway table declaring a newsletter column yields a newsletter activity."""
    metadata = MetaData()
    declaration = personal_data(
        Category.CONTACT, Purpose.NEWSLETTER, Basis.LEGITIMATE_INTEREST, retention="customer"
    )
    Table(
        "throwaway",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("email", String, info=declaration),
    )
    (activity,) = processing_activities(metadata)
    assert (activity.purpose, activity.columns) == (Purpose.NEWSLETTER, ("throwaway.email",))


def test_staff_accounts_stay_off_the_public_table(app):
    """The privacy page speaks to visitors and customers; staff accounts are internal."""
    with app.app_context():
        purposes = {item.purpose for item in public_activities()}
    assert Purpose.SECURITY not in purposes
    assert Purpose.CALLBACK in purposes


def test_the_audit_log_and_expired_invitations_have_their_periods_in_the_record(app):
    """The audit rule is named by the column that says who acted; the invitation rule removes
    staff accounts, so it is listed with them though no column names it."""
    with app.app_context():
        activities = {item.purpose: item for item in processing_activities()}
        security = activities[Purpose.SECURITY]
        with force_locale("en"):
            periods = [rule.period() for rule in security.rules]
    assert "audit_event.actor_id" in security.columns
    assert RULES["audit"] in security.rules
    assert RULES["staff_invitation"] in security.rules
    assert "The audit log: 3 years after each event" in periods
