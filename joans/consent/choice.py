"""The consent cookie: the visitor's choice, written and signed by the server.

The value is ``{"id", "choice", "revision", "time"}`` signed with itsdangerous under a salt of
its own, so a visitor cannot forge an acceptance or stretch its age, and no other signed value
of the site can pass for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeSerializer

from joans.consent.cookies import is_analytics_cookie

SALT = "joans.consent-cookie"
ACCEPTED, DECLINED = "accepted", "declined"
# Several app servers sign cookies; a choice stamped a little ahead of this server's clock is
# still ours, but a time far in the future would stretch the consent's lifetime.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class StoredChoice:
    """What the consent cookie says: who (a random id), what, under which revision, when."""

    consent_id: str
    accepted: bool
    revision: int
    made_at: datetime

    def expires_at(self) -> datetime:
        """When the choice stops being honoured and the banner asks again."""
        config = current_app.config
        days = config["CONSENT_ACCEPTED_DAYS"] if self.accepted else config["CONSENT_DECLINED_DAYS"]
        return self.made_at + timedelta(days=days)

    def is_honoured(self, now: datetime) -> bool:
        """Made under the current revision, not in the future, and not yet expired."""
        return (
            self.revision == current_app.config["CONSENT_REVISION"]
            and self.made_at <= now + CLOCK_SKEW
            and now < self.expires_at()
        )


def _serializer() -> URLSafeSerializer:
    # itsdangerous tries every key and signs with the last, so SECRET_KEY_FALLBACKS keep
    # choices valid while a secret key is rotated.
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or []), current_app.secret_key]
    return URLSafeSerializer(keys, salt=SALT)


def read_choice(value: str | None) -> StoredChoice | None:
    """The choice in a consent cookie's value, or None when it is missing, forged or malformed."""
    if not value:
        return None
    try:
        data = _serializer().loads(value)
        choice = StoredChoice(
            consent_id=data["id"],
            accepted={ACCEPTED: True, DECLINED: False}[data["choice"]],
            revision=data["revision"],
            made_at=datetime.fromtimestamp(data["time"], UTC),
        )
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None
    if not isinstance(choice.consent_id, str) or type(choice.revision) is not int:
        return None
    return choice


def store_choice(response: Response, choice: StoredChoice) -> None:
    """Set the consent cookie on ``response`` for as long as the choice is honoured."""
    config = current_app.config
    value = _serializer().dumps(
        {
            "id": choice.consent_id,
            "choice": ACCEPTED if choice.accepted else DECLINED,
            "revision": choice.revision,
            "time": int(choice.made_at.timestamp()),
        }
    )
    response.set_cookie(
        config["CONSENT_COOKIE_NAME"],
        value,
        max_age=choice.expires_at() - choice.made_at,
        path="/",
        secure=config["CONSENT_COOKIE_SECURE"],
        httponly=True,  # only the server reads it
        samesite="Lax",
    )


def expire_analytics_cookies(response: Response, cookie_names) -> None:
    """Expire every ``_ga``/``_ga_*`` cookie named, host-only and on ``COOKIE_DOMAIN``, path /.

    A browser keeps a host-only cookie and a domain cookie of the same name side by side and
    sends both, so each must be expired with exactly the attributes it was set with.
    """
    domain = current_app.config["COOKIE_DOMAIN"]
    for name in sorted({name for name in cookie_names if is_analytics_cookie(name)}):
        response.delete_cookie(name, path="/", samesite="Lax")
        if domain:
            response.delete_cookie(name, path="/", domain=domain, samesite="Lax")
