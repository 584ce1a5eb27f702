"""Logging that never writes personal data.

Exception messages can quote the data that caused them (a database error names the row, a
validation error the value), so logged exceptions keep their type and stack, not their message.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask


class WithholdExceptionMessages(logging.Filter):
    """Pre-format a record's exception as type and stack frames only.

    Every ``logging.Formatter`` reuses ``record.exc_text`` when it is set, so this holds for
    whatever handlers the operator attaches, here or on the root logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}"
                f"{exc_type.__module__}.{exc_type.__qualname__} (message withheld)"
            )
        return True


_withhold = WithholdExceptionMessages()


def init_app(app: Flask) -> None:
    """Attach the filter to the app's logger and log at INFO outside tests."""
    app.logger.addFilter(_withhold)  # one shared instance: adding it again is a no-op
    if app.config["ENV"] != "testing":
        app.logger.setLevel(logging.INFO)
