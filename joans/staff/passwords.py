"""Staff passwords: the length rule and argon2 hashes (OWASP ASVS 4.0.3 2.1 and 2.4)."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified when the e-mail address is unknown, so a failed login takes as long either way.
_DUMMY_HASH = _hasher.hash("a password nobody has, for constant-time refusals")


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
    return _hasher.hash(normalise_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password never matches."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, normalise_password(password)) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
