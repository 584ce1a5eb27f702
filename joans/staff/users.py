"""Staff accounts: creation, invitations, passwords, roles, languages and deactivation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from joans.audit import record_event, record_view
from joans.extensions import db
from joans.mail import send_email
from joans.models.staff import StaffSession, StaffUser
from joans.models.types import utcnow
from joans.staff import passwords, two_factor

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"  # noqa: S105 - a token purpose, not a password


class AccountExists(ValueError):
    """An account with this e-mail address exists already."""


def normalise_email(email: str) -> str:
    """Addresses are compared without case and surrounding spaces."""
    return email.strip().lower()


def find_by_email(email: str) -> StaffUser | None:
    """The account with this address, active or not."""
    return db.session.scalar(db.select(StaffUser).filter_by(email=normalise_email(email)))


def create_staff_user(
    email: str,
    *,
    name: str,
    role: str = "staff",
    language: str = "sv",
    password: str | None = None,
    actor_id: int | None = None,
) -> StaffUser:
    """Create an account; without a password it can only be used through an invitation link."""
    if find_by_email(email):
        raise AccountExists(email)
    user = StaffUser(email=normalise_email(email), name=name.strip(), role=role, language=language)
    if password is not None:
        passwords.check_password_policy(password)
        user.password_hash = passwords.hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    record_event(
        "staff.created", actor_id=actor_id, subject_type="staff_user", subject_id=user.id, role=role
    )
    db.session.commit()
    return user


def invite_staff_user(
    email: str,
    *,
    name: str,
    role: str,
    language: str,
    actor_id: int,
    link_for: Callable[[str], str],
) -> StaffUser:
    """Create an account without a password and e-mail its owner a link to choose one."""
    user = create_staff_user(email, name=name, role=role, language=language, actor_id=actor_id)
    send_password_link(user, INVITATION, link_for)
    record_event("staff.invited", actor_id=actor_id, subject_type="staff_user", subject_id=user.id)
    db.session.commit()
    return user


def request_password_reset(email: str, *, link_for: Callable[[str], str]) -> None:
    """Mail a reset link if an active account has this address; do nothing visible otherwise."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    send_password_link(user, PASSWORD_RESET, link_for)
    record_event("staff.password_reset_requested", subject_type="staff_user", subject_id=user.id)
    db.session.commit()


def send_password_link(user: StaffUser, purpose: str, link_for: Callable[[str], str]) -> None:
    """E-mail ``user`` a signed link to set a password, in their language."""
    hours = max_age(purpose) // 3600
    subjects = {
        INVITATION: _l("Your account at %(company)s", company=current_app.config["COMPANY_NAME"]),
        PASSWORD_RESET: _l("Choose a new password"),
    }
    send_email(
        to=user.email,
        subject=subjects[purpose],
        template=f"staff_{purpose.replace('-', '_')}",
        language=user.language,
        name=user.name,
        link=link_for(password_token(user, purpose)),
        hours=hours,
    )


def max_age(purpose: str) -> int:
    """How many seconds a link for ``purpose`` stays valid."""
    key = "STAFF_INVITATION_MAX_AGE" if purpose == INVITATION else "STAFF_PASSWORD_RESET_MAX_AGE"
    return current_app.config[key]


def password_token(user: StaffUser, purpose: str) -> str:
    """A signed token naming the account and its current password.

    Setting a password changes the fingerprint, so each link works once.
    """
    return _serializer(purpose).dumps([user.id, _fingerprint(user)])


def user_for_password_token(token: str, purpose: str) -> StaffUser | None:
    """The active account a valid, unexpired and unused token names, else None."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(token, max_age=max_age(purpose))
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(StaffUser, user_id)
    if user is None or not user.active or fingerprint != _fingerprint(user):
        return None
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"staff-{purpose}")


def _fingerprint(user: StaffUser) -> str:
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def set_password(user: StaffUser, password: str, *, actor_id: int | None = None) -> None:
    """Give ``user`` a new password and end every session that used the old one."""
    passwords.check_password_policy(password)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)
    record_event(
        "staff.password_set",
        actor_id=actor_id if actor_id is not None else user.id,
        subject_type="staff_user",
        subject_id=user.id,
    )
    db.session.commit()


def update_preferences(user: StaffUser, *, name: str, language: str) -> None:
    """Change the name shown to colleagues and the language of the back office."""
    changed = [
        field
        for field, value in (("name", name.strip()), ("language", language))
        if getattr(user, field) != value
    ]
    user.name, user.language = name.strip(), language
    if changed:
        record_event(
            "staff.updated",
            actor_id=user.id,
            subject_type="staff_user",
            subject_id=user.id,
            fields=changed,
        )
    db.session.commit()


def change_role(user: StaffUser, role: str, *, actor_id: int) -> None:
    """Make ``user`` an admin or a staff member; an admin needs TOTP from the next request on."""
    if user.role != role:
        user.role = role
        record_event(
            "staff.role_changed",
            actor_id=actor_id,
            subject_type="staff_user",
            subject_id=user.id,
            role=role,
        )
        db.session.commit()


def deactivate(user: StaffUser, *, actor_id: int) -> None:
    """Stop ``user`` from logging in and end their sessions; the account stays for the audit log.

    The second factor goes at once: a deactivated account has no use for its credentials, and
    an admin reactivated later enrols again.
    """
    user.active = False
    user.deactivated_at = utcnow()
    user.totp_secret = None
    user.recovery_codes.clear()
    end_all_sessions(user)
    record_event(
        "staff.deactivated", actor_id=actor_id, subject_type="staff_user", subject_id=user.id
    )
    db.session.commit()


def reactivate(user: StaffUser, *, actor_id: int) -> None:
    """Let a deactivated account log in again."""
    user.active = True
    user.deactivated_at = None
    record_event(
        "staff.reactivated", actor_id=actor_id, subject_type="staff_user", subject_id=user.id
    )
    db.session.commit()


def enable_two_factor(user: StaffUser, secret: str, code: str) -> list[str] | None:
    """Turn TOTP on once ``code`` proves the app has ``secret``; return the new recovery codes."""
    if not two_factor.accept_totp(user, code, secret=secret):
        return None
    user.totp_secret = secret
    codes = two_factor.new_recovery_codes(user)
    record_event(
        "staff.two_factor_enabled", actor_id=user.id, subject_type="staff_user", subject_id=user.id
    )
    db.session.commit()
    return codes


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Replace the recovery codes (the old ones stop working) and return the new ones."""
    codes = two_factor.new_recovery_codes(user)
    record_event(
        "staff.recovery_codes_renewed",
        actor_id=user.id,
        subject_type="staff_user",
        subject_id=user.id,
    )
    db.session.commit()
    return codes


def reset_two_factor(user: StaffUser, *, actor_id: int) -> None:
    """Remove TOTP from an account whose phone is lost; its owner enrols again at next login."""
    user.totp_secret = None
    user.totp_last_step = None
    user.recovery_codes = []
    end_all_sessions(user)
    record_event(
        "staff.two_factor_reset", actor_id=actor_id, subject_type="staff_user", subject_id=user.id
    )
    db.session.commit()


def end_all_sessions(user: StaffUser) -> None:
    """End every open session of ``user`` (the caller commits)."""
    db.session.execute(
        db.update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def view_account(user_id: int, *, actor_id: int) -> StaffUser | None:
    """Open a colleague's account page; the audit log notes who looked at it."""
    user = db.session.get(StaffUser, user_id)
    return record_view(user, "staff.viewed", "staff_user", actor_id=actor_id)


def list_staff() -> list[StaffUser]:
    """Every account, active ones first, by name."""
    return list(
        db.session.scalars(
            db.select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.id)
        )
    )
