"""Every text column says whether it holds personal data (DESIGN.md, "Personal data registry")."""

from sqlalchemy import JSON, String, Text

from joans.extensions import db


def undeclared_columns(metadata) -> list[str]:
    """Text, string and JSON columns whose ``info`` has no personal-data declaration."""
    return [
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text | JSON) and "personal_data" not in column.info
    ]


def test_every_text_column_declares_whether_it_holds_personal_data(app):
    """A new column that could hold a name or an address cannot slip past export and erasure."""
    assert undeclared_columns(db.metadata) == []


def test_an_undeclared_column_is_caught():
    """The check above would notice a column added without a declaration."""
    from sqlalchemy import Column, Integer, MetaData, Table

    metadata = MetaData()
    Table("throwaway", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    assert undeclared_columns(metadata) == ["throwaway.name"]
