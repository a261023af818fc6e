"""A small seeded table with what trips aggregation up, loadable into any database.

In: a SQLAlchemy engine (or a SQLite file path) and a table name. Out: the table
``(id, g1, g2, q, p, f, d)`` with nulls in measures and in both group keys,
negatives, zeros, ties, empty groups after filtering, unicode and look-alike text
keys ('', 'a', 'a ', 'A', 'Äpfel', '東京'), and the same rows as Python tuples
(``ROWS``) for computing expectations independently of the engine.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

G1 = ["Äpfel", "apple", "Apple", "Zebra", "東京", "", "a", "a ", "zz", None]
G2 = [1, 2, 3, -1, 0, None]


def _rows(n: int = 400) -> list[tuple]:
    rng = random.Random(7)
    out = []
    for i in range(1, n + 1):
        q = rng.choice([None, 0, 1, 2, 3, -2, 10, 7, 7, 5])
        p = rng.choice([None, Decimal("0.00"), Decimal("1.10"), Decimal("2.35"), Decimal("-4.50"),
                        Decimal("199.99"), Decimal("0.01"), Decimal("12.30")])
        f = rng.choice([None, 0.1, 0.2, -0.3, 1e10, 1.5, 0.0])
        d = rng.choice([None, dt.date(2024, 1, 31), dt.date(2023, 12, 1), dt.date(2024, 2, 29)])
        out.append((i, rng.choice(G1), rng.choice(G2), q, p, f, d))
    return out


ROWS = _rows()
COLUMNS = ("id", "g1", "g2", "q", "p", "f", "d")


def table(metadata, name: str, schema: str | None = None):
    import sqlalchemy as sa

    return sa.Table(
        name, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("g1", sa.String(20)),
        sa.Column("g2", sa.Integer),
        sa.Column("q", sa.Integer),
        sa.Column("p", sa.Numeric(10, 2)),
        sa.Column("f", sa.Float),
        sa.Column("d", sa.Date),
        schema=schema,
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_general_ci",  # case-insensitive: the engine must not care
    )


def load(engine, name: str, schema: str | None = None, rows=None):
    import sqlalchemy as sa

    md = sa.MetaData()
    t = table(md, name, schema)
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), [dict(zip(COLUMNS, r, strict=True)) for r in (ROWS if rows is None else rows)])
    return t


def sqlite_file(path) -> str:
    """Write the rows to a SQLite file; returns its path."""
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g1 TEXT, g2 INTEGER, q INTEGER, "
                "p DECIMAL(10,2), f REAL, d DATE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (i, g1, g2, q, None if p is None else float(p), f, None if d is None else d.isoformat())
        for i, g1, g2, q, p, f, d in ROWS
    ])
    con.commit()
    con.close()
    return str(path)


def key_order(value):
    """The engine's group order: ascending, null last."""
    return (value is None, value if value is not None else 0)


def rename_column(path, table: str, old: str, new: str) -> None:
    """Rename a column of a SQLite file's table: a report compiled before now reads a
    column that is gone."""
    import sqlite3

    con = sqlite3.connect(path)
    con.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")
    con.commit()
    con.close()
