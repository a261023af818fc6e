"""Reading on after a connection lost mid-read, exactly after the last row delivered.

In: a table's unique key as the database declares it (``unique_key``: the primary key,
else a unique constraint or index over NOT NULL columns), the report's ORDER BY keys
(``order.OrderKey``) and the columns read. Out: a ``Keyset`` — the keys that make the
read's order total (the report's, then the unique key), where each key's value is in a
row (a column read, or a column selected for it after those), and ``after(row)``, the
condition that selects exactly the rows that come after ``row`` in that order.

Why a unique key: rows with equal report keys have no order of their own, so a read
that starts again "after (region = 'N')" would lose or double the rest of the 'N' rows.
With the unique key last, no two rows are equal and the condition is exact. Without
one (a query, a view, a table with no such key) a lost read cannot resume and fails.

Nulls: the engine's order (hence the ORDER BY's) puts null last in both directions, so
after a null value nothing of that key follows but other nulls, and after a value
``v`` come the values past ``v`` and then the nulls. Each key is compared in the form it
is sorted in (text by code point), so the database's comparison is its sort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reportdsl.sources.sql.order import OrderKey, code_point_text

RESUMABLE = {"postgresql", "mysql", "mariadb"}  # servers whose connection can be lost mid-read


@dataclass(frozen=True)
class Keyset:
    keys: tuple[OrderKey, ...]
    positions: tuple[int, ...]  # where each key's value is in a row
    extra: tuple[str, ...]  # ``expr AS name`` selected after the columns read
    extra_names: tuple[str, ...]

    def after(self, row: Sequence[Any], prefix: str) -> tuple[str, dict[str, Any]]:
        """The condition ``rows after row`` and its bound values (named ``prefix0``…)."""
        binds: dict[str, Any] = {}
        equal: list[str] = []
        later: list[str] = []
        for i, (key, pos) in enumerate(zip(self.keys, self.positions, strict=True)):
            x, value, name = f"({key.expr})", row[pos], f":{prefix}{i}"
            if value is None:  # nothing but nulls follows a null
                equal.append(f"{x} IS NULL")
                continue
            binds[f"{prefix}{i}"] = value
            past = f"{x} {'<' if key.desc else '>'} {name}"
            if key.nullable:
                past = f"({past} OR {x} IS NULL)"
            later.append(" AND ".join([*equal, past]))
            equal.append(f"{x} = {name}")
        return ("(" + " OR ".join(f"({c})" for c in later) + ")" if later else "1 = 0"), binds


def keyset(keys: Sequence[OrderKey], columns: Sequence[str], quote: Callable[[str], str]) -> Keyset:
    """Where each key's value will be: a column read as it is, or one more column."""
    found = {quote(c): i for i, c in enumerate(columns)}
    extra: list[str] = []
    names: list[str] = []
    prefix = "_rdsl_k"
    while any(c.startswith(prefix) for c in columns):
        prefix = "_" + prefix
    positions = []
    for key in keys:
        if key.expr not in found:
            name = f"{prefix}{len(extra)}"
            found[key.expr] = len(columns) + len(extra)
            extra.append(f"{key.expr} AS {quote(name)}")
            names.append(name)
        positions.append(found[key.expr])
    return Keyset(tuple(keys), tuple(positions), tuple(extra), tuple(names))


def unique_key(conn: Any, table: str, dialect: str, quote: Callable[[str], str]) -> list[OrderKey] | None:
    """The table's primary key, else a unique constraint or index over NOT NULL
    columns, as ORDER BY keys (text by code point); ``None`` if it has none."""
    import sqlalchemy as sa

    schema, _, name = table.rpartition(".")
    inspector = sa.inspect(conn)
    try:
        columns = {c["name"]: c for c in inspector.get_columns(name, schema=schema or None)}
    except sa.exc.NoSuchTableError:
        return None
    candidates = [inspector.get_pk_constraint(name, schema=schema or None).get("constrained_columns") or []]
    if not candidates[0]:
        candidates += [u["column_names"] for u in inspector.get_unique_constraints(name, schema=schema or None)]
        candidates += [i["column_names"] for i in inspector.get_indexes(name, schema=schema or None)
                       if i.get("unique") and not i.get("expressions")]
    for names in candidates:
        if names and all(n in columns and not columns[n].get("nullable", True) for n in names):
            return [OrderKey(code_point_text(quote(n), dialect) if isinstance(columns[n]["type"], sa.String)
                             else quote(n), nullable=False) for n in names]
    return None
