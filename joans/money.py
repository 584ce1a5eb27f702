"""Amounts of money: stored as whole öre, shown the way each language writes kronor."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal

from joans.i18n import current_language


def format_money(ore: int, language: str | None = None) -> str:
    """``123450`` öre as "1 234,50 kr" in Swedish and "SEK 1,234.50" in English."""
    language = language or current_language()
    amount = format_decimal(Decimal(ore) / 100, format="#,##0.00", locale=language)
    return f"SEK\u00a0{amount}" if language == "en" else f"{amount}\u00a0kr"


def parse_money(text: str) -> int:
    """Kronor as typed ("1 234,50", "1234.5", "199") in whole öre; ValueError if not money."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if cleaned.lower().endswith("kr"):
        cleaned = cleaned[:-2]
    # Up to a million kronor with öre: far above any price, far below the integer column's limit.
    if not re.fullmatch(r"\d{1,7}(\.\d{1,2})?", cleaned):
        raise ValueError(text)
    return int(Decimal(cleaned) * 100)
