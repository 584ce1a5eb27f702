"""Staff accounts, their server-side sessions and their two-factor recovery codes."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joans.extensions import db
from joans.models.personal_data import Basis, Category, Purpose, not_personal, personal_data
from joans.models.types import UTCDateTime, utcnow

ROLES = ("staff", "admin")

# Staff accounts are kept while the person works here and are deactivated, never deleted, so the
# audit trail keeps pointing at an account; a while after deactivation the account is anonymised.
_ACCOUNT = personal_data(
    Category.ACCOUNT, Purpose.SECURITY, Basis.LEGITIMATE_INTEREST, retention="staff_account"
)
# Sessions are deleted once they can no longer be used.
_SESSION = personal_data(
    Category.ACCOUNT, Purpose.SECURITY, Basis.LEGITIMATE_INTEREST, retention="staff_session"
)


class StaffUser(UserMixin, db.Model):
    """A person who logs in to the back office, with the role ``staff`` or ``admin``."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint("role IN ('staff', 'admin')", name="role"),
        CheckConstraint("language IN ('sv', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the login and the uniqueness check ignore case.
    email: Mapped[str] = mapped_column(String(254), unique=True, info=_ACCOUNT)
    name: Mapped[str] = mapped_column(String(100), info=_ACCOUNT)
    role: Mapped[str] = mapped_column(String(16), default="staff", info=not_personal())
    language: Mapped[str] = mapped_column(String(2), default="sv", info=not_personal())
    # None until the invited person chooses a password through the link in the invitation.
    password_hash: Mapped[str | None] = mapped_column(String(255), info=_ACCOUNT)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(32), info=_ACCOUNT)
    # The last 30-second time step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses deactivated accounts."""
        return self.active

    @property
    def is_admin(self) -> bool:
        """Admins manage staff accounts, read the audit log and export."""
        return self.role == "admin"

    @property
    def totp_enabled(self) -> bool:
        """Whether logging in asks for a code from an authenticator app."""
        return self.totp_secret is not None


class StaffSession(db.Model):
    """One login: the cookie holds a random token whose hash is stored here.

    Keeping sessions on the server is what lets logout, deactivation and the timeouts end a
    session for good, even if someone kept a copy of the cookie.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=_SESSION)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the password was last entered in this session (login or re-authentication).
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that replaces a TOTP code when the phone is lost; stored hashed."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), info=_ACCOUNT)

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")
