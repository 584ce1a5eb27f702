"""TOTP second factor (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno

from joans.models.staff import RecoveryCode, StaffUser
from joans.models.types import utcnow

STEP_SECONDS = 30
# One step either side of now: phones whose clock is up to 30 s off still work (RFC 6238 5.2).
ACCEPTED_STEPS = (-1, 0, 1)
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    """A random 160-bit base32 secret, the size RFC 4226 recommends."""
    return pyotp.random_base32(32)


def qr_code_data_uri(secret: str, account: str, issuer: str) -> str:
    """The enrolment QR code as an SVG data URI, drawn here: the secret never leaves the server."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def current_step() -> int:
    """The RFC 6238 time step of now."""
    return int(utcnow().timestamp()) // STEP_SECONDS


def accept_totp(user: StaffUser, code: str, secret: str | None = None) -> bool:
    """Check a six-digit code against ``secret`` (default: the user's) and use it up.

    A code is accepted once: its time step must be later than the last accepted one, so a code
    seen over someone's shoulder cannot be replayed (RFC 6238 5.2).
    """
    secret = secret or user.totp_secret
    code = "".join(code.split())
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = current_step()
    for step in (now + offset for offset in ACCEPTED_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Replace the user's recovery codes with fresh ones and return them, to be shown once."""
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    user.recovery_codes = [RecoveryCode(code_hash=_hash_code(code)) for code in codes]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: StaffUser, code: str) -> bool:
    """Accept one of the user's recovery codes and delete it, so it works only once."""
    wanted = _hash_code(code)
    for stored in user.recovery_codes:
        if hmac.compare_digest(stored.code_hash, wanted):
            user.recovery_codes.remove(stored)
            return True
    return False


def _hash_code(code: str) -> str:
    # 50 random bits per code: a fast hash suffices, unlike for passwords people choose.
    compact = "".join(character for character in code.lower() if character.isalnum())
    return hashlib.sha256(compact.encode()).hexdigest()
