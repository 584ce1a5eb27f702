"""Logging in and out: password, second factor, server-side sessions and their timeouts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app

from joans.audit import record_event
from joans.extensions import db
from joans.models.staff import StaffSession, StaffUser
from joans.models.types import utcnow
from joans.staff import passwords, two_factor
from joans.staff.users import find_by_email

# last_seen_at is written at most this often, so a page view rarely costs a write.
TOUCH_INTERVAL = timedelta(seconds=15)


def check_password(email: str, password: str) -> StaffUser | None:
    """The active account whose password this is, else None (and a "login_failed" event)."""
    user = find_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        record_event(
            "staff.login_failed",
            subject_type="staff_user" if user else None,
            subject_id=user.id if user else None,
            step="password",
        )
        db.session.commit()
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def check_second_factor(user: StaffUser, code: str) -> bool:
    """Accept a TOTP code or, failing that, one of the recovery codes; record a failure."""
    used = None
    if two_factor.accept_totp(user, code):
        used = "totp"
    elif two_factor.use_recovery_code(user, code):
        used = "recovery_code"
        record_event(
            "staff.recovery_code_used",
            actor_id=user.id,
            subject_type="staff_user",
            subject_id=user.id,
        )
    else:
        record_event(
            "staff.login_failed",
            subject_type="staff_user",
            subject_id=user.id,
            step="second_factor",
        )
    db.session.commit()
    return used is not None


def open_session(user: StaffUser) -> str:
    """Start a new session for ``user`` and return the token for their cookie (never stored)."""
    now = utcnow()
    _forget_finished_sessions(user)
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=now,
            last_seen_at=now,
            authenticated_at=now,
        )
    )
    user.last_login_at = now
    record_event("staff.login", actor_id=user.id, subject_type="staff_user", subject_id=user.id)
    db.session.commit()
    return token


def resume_session(token: str | None) -> StaffSession | None:
    """The live session for ``token``, or None when it has ended, idled out or grown too old."""
    if not token:
        return None
    session = db.session.scalar(db.select(StaffSession).filter_by(token_hash=_hash(token)))
    if session is None or session.ended_at is not None:
        return None
    now = utcnow()
    config = current_app.config
    idle = now - session.last_seen_at > timedelta(seconds=config["STAFF_IDLE_TIMEOUT"])
    too_old = now - session.created_at > timedelta(seconds=config["STAFF_ABSOLUTE_TIMEOUT"])
    if idle or too_old or not session.user.active:
        session.ended_at = now
        record_event(
            "staff.session_expired",
            actor_id=session.user_id,
            subject_type="staff_user",
            subject_id=session.user_id,
            reason="idle" if idle else "absolute" if too_old else "deactivated",
        )
        db.session.commit()
        return None
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        session.last_seen_at = now
        db.session.commit()
    return session


def end_session(token: str | None) -> None:
    """Log out: the session's token stops working on every copy of the cookie."""
    session = resume_session(token)
    if session is None:
        return
    session.ended_at = utcnow()
    record_event(
        "staff.logout",
        actor_id=session.user_id,
        subject_type="staff_user",
        subject_id=session.user_id,
    )
    db.session.commit()


def is_recently_authenticated(session: StaffSession) -> bool:
    """Whether the password was entered in this session within the re-authentication window."""
    window = timedelta(seconds=current_app.config["STAFF_REAUTHENTICATE_AFTER"])
    return utcnow() - session.authenticated_at <= window


def reauthenticate(session: StaffSession, password: str) -> bool:
    """Confirm the password again before a sensitive action (ASVS 3.7.1)."""
    user = session.user
    if not passwords.verify_password(user.password_hash, password):
        record_event(
            "staff.reauthentication_failed",
            actor_id=user.id,
            subject_type="staff_user",
            subject_id=user.id,
        )
        db.session.commit()
        return False
    session.authenticated_at = utcnow()
    record_event(
        "staff.reauthenticated", actor_id=user.id, subject_type="staff_user", subject_id=user.id
    )
    db.session.commit()
    return True


def _forget_finished_sessions(user: StaffUser) -> None:
    # Housekeeping at each login keeps the table to the sessions that can still be used.
    horizon = utcnow() - timedelta(seconds=current_app.config["STAFF_ABSOLUTE_TIMEOUT"])
    db.session.execute(
        db.delete(StaffSession).where(
            StaffSession.user_id == user.id,
            (StaffSession.ended_at.is_not(None)) | (StaffSession.created_at < horizon),
        )
    )


def _hash(token: str) -> str:
    # The table holds hashes: a copy of the database does not hand out live sessions.
    return hashlib.sha256(token.encode()).hexdigest()
