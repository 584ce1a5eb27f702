"""Due dates of data-subject requests (CHECKLISTS.md D1)."""

from __future__ import annotations

from datetime import date

import pytest

from joans.privacy.requests import due_date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),  # the same date next month
        (date(2026, 1, 31), date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2028, 1, 29), date(2028, 2, 29)),
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),  # over the turn of the year
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2026, 2, 28), date(2026, 3, 28)),
    ],
)
def test_the_answer_is_due_one_month_after_receipt(received, due):
    """GDPR art. 12(3) with Regulation 1182/71: a month ends on the same date, or the last day."""
    assert due_date(received) == due
