"""The site's areas by URL: the public site, with English under ``/en``, and the back office."""

from __future__ import annotations

STAFF_PREFIX = "/staff"


def is_staff_path(path: str) -> bool:
    """Whether ``path`` is in the back office."""
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")
