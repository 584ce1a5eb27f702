"""Reading a list's page, sort column and direction from the query string."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request


@dataclass(frozen=True)
class ListParams:
    """Which page of a list, sorted how."""

    sort: str
    descending: bool
    page: int
    per_page: int


def list_params(sorts: dict, default: str) -> ListParams:
    """The list parameters of this request; unknown values fall back to the defaults."""
    sort = request.args.get("sort", default)
    return ListParams(
        sort=sort if sort in sorts else default,
        descending=request.args.get("dir") == "desc",
        page=max(request.args.get("page", 1, type=int), 1),
        per_page=current_app.config["STAFF_PAGE_SIZE"],
    )
