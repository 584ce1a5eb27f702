"""A minimal SIE 4 reader for the tests, written apart from joans.billing.sie on purpose.

No SIE reader on PyPI holds up (pysie-accounting 0.0.2 reads UTF-8 rather than code page 437,
needs pandas and a translation table, and only matches #VER lines with quoted numbers and a
registration date), so the tests read the export back with this one, built from the format
description (SIE filformat 4B) rather than from the writer: it splits each line into fields by
the spec's rules and never imports the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Row:
    account: str
    objects: str
    amount: Decimal
    fields: list[str]


@dataclass
class Entry:
    series: str
    number: str
    date: str
    text: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class SieFile:
    labels: list[tuple[str, list[str]]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def first(self, label: str) -> list[str]:
        return next(fields for name, fields in self.labels if name == label)

    def all(self, label: str) -> list[list[str]]:
        return [fields for name, fields in self.labels if name == label]


def fields(line: str) -> list[str]:
    """Split a record into fields: spaces separate, quotes group, \\" is a quote, {} a list."""
    result, index = [], 0
    while index < len(line):
        character = line[index]
        if character in " \t":
            index += 1
        elif character == '"':
            value, index = [], index + 1
            while line[index] != '"':
                if line[index] == "\\" and line[index + 1] == '"':
                    index += 1
                value.append(line[index])
                index += 1
            result.append("".join(value))
            index += 1
        elif character == "{":
            end = line.index("}", index)
            result.append(line[index : end + 1])
            index = end + 1
        else:
            end = index
            while end < len(line) and line[end] not in " \t":
                end += 1
            result.append(line[index:end])
            index = end
    return result


def read(data: bytes) -> SieFile:
    """Every labelled record and every verification with its rows."""
    text = data.decode("cp437")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "lines end in CR LF"
    parsed, entry = SieFile(), None
    for line in text.split("\r\n")[:-1]:
        stripped = line.strip()
        parts = fields(stripped) if stripped not in "{}" else [stripped]
        if parts == ["{"]:
            assert entry is not None
        elif parts == ["}"]:
            parsed.entries.append(entry)
            entry = None
        elif parts[0] == "#VER":
            series, number, day, label = (parts[1:] + [""] * 4)[:4]
            entry = Entry(series, number, day, label)
        elif parts[0] == "#TRANS":
            assert entry is not None, "#TRANS outside a verification"
            entry.rows.append(Row(parts[1], parts[2], Decimal(parts[3]), parts[4:]))
        else:
            parsed.labels.append((parts[0], parts[1:]))
    return parsed
