"""Right of access (GDPR art. 15): everything held about a subject, as JSON and CSV in a zip,
with a cover letter in the requester's language giving the information art. 15(1) lists."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime

from flask import render_template
from flask_babel import force_locale

from joans.models.data_requests import DataSubjectRequest, RequestKind
from joans.models.personal_data import Category
from joans.newsletter.subscriptions import is_suppressed
from joans.privacy.identity import ensure_answerable
from joans.privacy.records import public_activities
from joans.privacy.subjects import LINKS, email_addresses, rows_for, subject_of

# Staff credentials and session secrets never leave the system, whatever a link returns.
WITHHELD_CATEGORIES = {Category.ACCOUNT}


def export_rows(request: DataSubjectRequest) -> dict[str, list[dict]]:
    """Every linked row as plain values, per table, without withheld columns; and for each
    e-mail address, whether it is on the list that is never sent marketing."""
    subject = subject_of(request)
    found = rows_for(subject)
    tables = {link.name: [_values(row) for row in found[link.name]] for link in LINKS}
    tables["newsletter_suppression"] = [
        {"email": address, "never_sent_newsletters": is_suppressed(address)}
        for address in email_addresses(subject)
    ]
    return tables


def build_export(request: DataSubjectRequest) -> bytes:
    """The zip: cover letter, ``data.json`` and one CSV per table that holds anything.

    Only for an open access request whose requester's identity is confirmed.
    """
    ensure_answerable(request, RequestKind.ACCESS)
    tables = export_rows(request)
    with force_locale(request.language):
        cover = render_template(
            "email/data_export_cover.txt",
            request=request,
            activities=public_activities(),
            tables={name: len(rows) for name, rows in tables.items() if rows},
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cover.txt", cover)
        archive.writestr("data.json", json.dumps(tables, ensure_ascii=False, indent=2))
        for name, rows in tables.items():
            if rows:
                archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _values(row) -> dict:
    table = row.__table__
    return {
        column.key: _plain(getattr(row, column.key))
        for column in table.columns
        if _category(column) not in WITHHELD_CATEGORIES
    }


def _category(column) -> Category | None:
    declaration = column.info.get("personal_data")
    return declaration.category if declaration else None


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv(rows: list[dict]) -> str:
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue()
