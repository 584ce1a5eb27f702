"""The consent settings, checked when the app starts so a typo cannot silently turn GA on."""

from __future__ import annotations

import re

from flask import Flask, current_app

MEASUREMENT_ID = re.compile(r"G-[A-Z0-9]{4,20}")
DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")


def check_settings(app: Flask) -> None:
    """Normalise the consent settings and refuse to start on one that cannot work."""
    config = app.config
    config["GA_MEASUREMENT_ID"] = (config["GA_MEASUREMENT_ID"] or "").strip().upper() or None
    if config["GA_MEASUREMENT_ID"] and not MEASUREMENT_ID.fullmatch(config["GA_MEASUREMENT_ID"]):
        raise RuntimeError("JOANS_GA_MEASUREMENT_ID must look like G-1A2B3C4D5E.")
    config["COOKIE_DOMAIN"] = (config["COOKIE_DOMAIN"] or "").strip().lstrip(".").lower() or None
    if config["COOKIE_DOMAIN"] and not DOMAIN.fullmatch(config["COOKIE_DOMAIN"]):
        raise RuntimeError("JOANS_COOKIE_DOMAIN must be a domain name such as joans.se.")
    # RFC 6265bis cookie name prefixes: browsers drop __Host-/__Secure- cookies without Secure.
    if (
        config["CONSENT_COOKIE_NAME"].startswith(("__Host-", "__Secure-"))
        and not config["CONSENT_COOKIE_SECURE"]
    ):
        raise RuntimeError("A __Host- or __Secure- consent cookie needs CONSENT_COOKIE_SECURE.")
    for name in ("CONSENT_ACCEPTED_DAYS", "CONSENT_DECLINED_DAYS", "CONSENT_LOG_RETENTION_DAYS"):
        if not isinstance(config[name], int) or config[name] < 1:
            raise RuntimeError(f"JOANS_{name} must be a whole number of days, at least 1.")
    # A choice is asked again within 12 months (acceptance) and 6 months (refusal) at most.
    for name, most in (("CONSENT_ACCEPTED_DAYS", 365), ("CONSENT_DECLINED_DAYS", 183)):
        if config[name] > most:
            raise RuntimeError(f"JOANS_{name} can be at most {most} days.")
    if not isinstance(config["CONSENT_REVISION"], int) or config["CONSENT_REVISION"] < 1:
        raise RuntimeError("JOANS_CONSENT_REVISION must be a whole number, at least 1.")


def analytics_configured() -> bool:
    """True when a GA measurement id is set; without one there is no banner and no GA."""
    return bool(current_app.config["GA_MEASUREMENT_ID"])
