"""What find order's text search needs from each database (docs/performance.md, "Find"):
the digits of a phone as an indexable expression, and on SQLite the FTS5 trigram tables that
answer a substring search without reading every row (PostgreSQL has pg_trgm indexes instead,
declared in adapters/orm.py).

Each FTS5 table is an external-content index of its table (`content=`, the rows' own
`rowid`), kept by three triggers; `INSERT INTO <name>(<name>) VALUES ('rebuild')` rebuilds
one from its table (after a `VACUUM`, which may renumber rowids)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column

# The characters a phone number is written with besides its digits.
PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".")
PHONE_SHAPED = re.compile(r"^[0-9 ()+.\-]+$")
# A phone has at least this many digits (shorter digit strings are searched as text).
MIN_PHONE_DIGITS = 7
# A trigram index answers texts of at least 3 characters.
MIN_TRIGRAM_TEXT = 3


def phone_digits(phone: Any, *, in_index: bool = False) -> Any:
    """SQL: the phone without its punctuation, the same expression on both databases (an
    expression index serves it). A query writes the characters as literals, not parameters,
    so that its expression is the index's; the index declares them as plain values (its DDL
    renders them inline, and Alembic compares it so)."""
    expression = phone
    for character in PHONE_PUNCTUATION:
        if in_index:
            expression = func.replace(expression, character, "")
        else:
            expression = func.replace(
                expression, literal_column(f"'{character}'"), literal_column("''")
            )
    return expression


def digits_of_phone(text: str) -> str | None:
    """The digits of `text` when it is written as a phone number, else None."""
    if not PHONE_SHAPED.match(text):
        return None
    digits = "".join(c for c in text if c.isdigit())
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def fts_phrase(text: str) -> str:
    """An FTS5 query matching `text` as a substring (with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class Mirror:
    """An FTS5 trigram index of some text columns of a table (SQLite)."""

    name: str
    table: str
    columns: tuple[str, ...]

    def ddl(self) -> list[str]:
        cols = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        insert = f"INSERT INTO {self.name}(rowid, {cols}) VALUES (new.rowid, {new});"
        remove = (
            f"INSERT INTO {self.name}({self.name}, rowid, {cols})"
            f" VALUES ('delete', old.rowid, {old});"
        )
        return [
            f"CREATE VIRTUAL TABLE {self.name} USING fts5({cols},"
            f" content='{self.table}', tokenize='trigram')",
            f"CREATE TRIGGER {self.name}_ai AFTER INSERT ON {self.table} BEGIN {insert} END",
            f"CREATE TRIGGER {self.name}_ad AFTER DELETE ON {self.table} BEGIN {remove} END",
            f"CREATE TRIGGER {self.name}_au AFTER UPDATE OF {cols} ON {self.table}"
            f" BEGIN {remove} {insert} END",
        ]

    def rebuild(self) -> str:
        return f"INSERT INTO {self.name}({self.name}) VALUES ('rebuild')"

    def drop(self) -> list[str]:
        return [
            *(f"DROP TRIGGER IF EXISTS {self.name}_{t}" for t in ("ai", "ad", "au")),
            f"DROP TABLE IF EXISTS {self.name}",
        ]


ORDER_TEXT = Mirror(
    "customer_orders_text",
    "customer_orders",
    ("sales_order_number", "channel_ref", "customer_name", "customer_account"),
)
CUSTOMER_TEXT = Mirror("customers_text", "customers", ("phone", "email"))
INVOICE_TEXT = Mirror("order_invoices_text", "order_invoices", ("number",))
MIRRORS = (ORDER_TEXT, CUSTOMER_TEXT, INVOICE_TEXT)
