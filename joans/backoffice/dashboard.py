"""The dashboard's panels: what needs doing today, in boxes each feature contributes.

A feature adds a panel with ``@dashboard_panel``: a function that returns ``Panel`` (or None when
it has nothing to show), rendered with its own partial template. No panel means no box on the
page, so nothing half-built is ever shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Panel:
    """A box on the dashboard: a title, the partial that draws it and what it needs."""

    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


PANELS: list[Callable[[], Panel | None]] = []


def dashboard_panel(provider: Callable[[], Panel | None]) -> Callable[[], Panel | None]:
    """Register a function that supplies one dashboard panel."""
    PANELS.append(provider)
    return provider
