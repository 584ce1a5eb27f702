"""Staff passwords: the length rule and argon2 hashes (OWASP ASVS 4.0.3 2.1 and 2.4)."""

from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128


def hasher() -> PasswordHasher:
    """The argon2id hasher with this app's cost (``PASSWORD_HASH_*``)."""
    return _hasher_and_dummy(*_cost())[0]


def _cost() -> tuple[int, int, int]:
    config = current_app.config
    return (
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_MEMORY_COST"],
        config["PASSWORD_HASH_PARALLELISM"],
    )


@cache
def _hasher_and_dummy(time_cost: int, memory_cost: int, parallelism: int):
    argon2 = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    # Verified when the e-mail address is unknown, so a failed login takes as long either way.
    return argon2, argon2.hash("a password nobody has, for constant-time refusals")


def normalise_password(password: str) -> str:
    """The same password typed on different keyboards gives the same characters (NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


def check_password_policy(password: str) -> None:
    """Raise ``ValueError`` unless the password has 12 to 128 characters; nothing else is required.

    ASVS 2.1.1-2.1.9: length only, any Unicode character including spaces, no composition rules.
    """
    length = len(normalise_password(password))
    if length < MIN_LENGTH:
        raise ValueError(_l("Use at least %(count)s characters.", count=MIN_LENGTH))
    if length > MAX_LENGTH:
        raise ValueError(_l("Use at most %(count)s characters.", count=MAX_LENGTH))


def hash_password(password: str) -> str:
    """An argon2id hash of the normalised password."""
    return hasher().hash(normalise_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password never matches."""
    checker, dummy_hash = _hasher_and_dummy(*_cost())
    try:
        return checker.verify(password_hash or dummy_hash, normalise_password(password)) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return hasher().check_needs_rehash(password_hash)
