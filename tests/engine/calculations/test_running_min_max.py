"""Running MIN and MAX in the detail band, over a SQLite file and a CSV file.

The values go up and down within each group, start with nulls, repeat, and cross
zero, so each detail row's value tells MIN from MAX (and either from the row's own
value): a comparison turned the wrong way in the generated row loop shows at once.
Columns of every kind the engine compares natively (int, decimal, date, text) and one
SQLite column without a declared type, which the engine compares as ``any``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink

# (id, g, x, p, d, s, u): in print order already (group g, then id), but written
# to the files shuffled so that the engine or the database has to order them
ROWS = [
    (1, "a", None, None, None, None, None),
    (2, "a", 5, Decimal("1.50"), dt.date(2024, 3, 1), "m", 5),
    (3, "a", 7, Decimal("-2.25"), dt.date(2024, 1, 9), "q", 7),
    (4, "a", 3, Decimal("9.00"), dt.date(2024, 5, 2), "c", 3),
    (5, "a", None, None, None, None, None),
    (6, "a", 5, Decimal("1.50"), dt.date(2024, 3, 1), "m", 5),
    (7, "a", -4, Decimal("0.10"), dt.date(2023, 12, 31), "zz", -4),
    (8, "a", 9, Decimal("-3.00"), dt.date(2025, 1, 1), "a", 9),
    (9, "b", 2, Decimal("4.00"), dt.date(2024, 6, 1), "k", 2),
    (10, "b", 1, Decimal("5.00"), dt.date(2024, 7, 1), "j", 1),
    (11, "b", 8, Decimal("-1.00"), dt.date(2024, 1, 1), "x", 8),
    (12, "b", 1, Decimal("5.00"), dt.date(2024, 7, 1), "j", 1),
    (13, "b", -8, Decimal("0.00"), dt.date(2024, 4, 4), "b", -8),
    (14, "c", 0, Decimal("0.01"), dt.date(2020, 2, 29), "Ä", 0),
    (15, "c", -1, Decimal("-0.01"), dt.date(2030, 1, 1), "A", -1),
]
FILE_ORDER = [ROWS[i] for i in (6, 13, 0, 9, 3, 11, 1, 14, 8, 5, 2, 12, 10, 7, 4)]
MEASURES = ("x", "p", "d", "s", "u")

REPORT = """report r {{
  source {source}
  sort by id
  group g {{ }}
  detail {{ column id "Id" = id
{columns}
  }}
}}"""


def _columns() -> str:
    lines = []
    for m in MEASURES:
        for func in ("MIN", "MAX"):
            lines.append(f'           column {func.lower()}_{m} "{func}" = {func}({m})')
            lines.append(f'           column {func.lower()}_{m}_all "{func} all" = {func}({m}) over report')
    return "\n".join(lines)


def _expected() -> list[tuple]:
    """Each detail row as the engine should emit it: id, then per measure MIN, MIN over
    report, MAX, MAX over report, of the non-null values so far (None before any)."""
    out = []
    seen_group: dict[int, list] = {}
    seen_all: dict[int, list] = {i: [] for i in range(len(MEASURES))}
    group = None
    for row in ROWS:
        if row[1] != group:
            group = row[1]
            seen_group = {i: [] for i in range(len(MEASURES))}
        values: list = [row[0]]
        for i in range(len(MEASURES)):
            v = row[2 + i]
            if v is not None:
                seen_group[i].append(v)
                seen_all[i].append(v)
            g, a = seen_group[i], seen_all[i]
            values += [min(g) if g else None, min(a) if a else None, max(g) if g else None, max(a) if a else None]
        out.append(tuple(values))
    return out


def _details(report, **kw) -> list[tuple]:
    sink = RecordingSink()
    run(report.plan, sink, source_text=report.source, **kw)
    return [e[1] for e in sink.events if e[0] == "detail"]


def _sqlite(path) -> None:
    con = sqlite3.connect(path)
    # u has no declared type: the engine compares its values as 'any'
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g TEXT, x INTEGER, p DECIMAL(10,2), d DATE, s TEXT, u)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, g, x, None if p is None else str(p), None if d is None else d.isoformat(), s, u)
                     for i, g, x, p, d, s, u in FILE_ORDER])
    con.commit()
    con.close()


def _csv(path) -> None:
    def cell(v):
        return "" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v)

    lines = ["id,g,x,p,d,s,u"] + [",".join(cell(v) for v in row) for row in FILE_ORDER]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_expectations_tell_min_from_max():
    # the data does what the module docstring says: in every measure some row's
    # running MIN differs from its running MAX in the group and over the report
    want = _expected()
    for i in range(len(MEASURES)):
        at = 1 + 4 * i
        assert any(r[at] != r[at + 2] for r in want if r[at] is not None)
        assert any(r[at + 1] != r[at + 3] for r in want if r[at + 1] is not None)


@pytest.mark.parametrize("direct", [True, False], ids=["sqlite3", "sqlalchemy"])
def test_running_min_max_over_sqlite(tmp_path, compile_report, monkeypatch, direct):
    from reportdsl.sources import opening

    monkeypatch.setattr(opening, "SQLITE_DIRECT", direct)
    _sqlite(tmp_path / "t.db")
    report = compile_report(REPORT.format(source='sql "sqlite:///t.db" table t', columns=_columns()))
    assert _details(report) == _expected()


def test_running_min_max_over_csv(tmp_path, compile_report):
    _csv(tmp_path / "t.csv")
    report = compile_report(REPORT.format(source='csv "t.csv" { p: decimal, d: date, s: string }',
                                          columns=_columns()))
    assert _details(report) == _expected()


def test_running_min_max_when_the_database_orders(tmp_path, compile_report):
    # the same rows through SQLite's ORDER BY (fused loop) and through the engine's
    # sort (the sorted loop): both loops update running MIN/MAX alike
    _sqlite(tmp_path / "t.db")
    report = compile_report(REPORT.format(source='sql "sqlite:///t.db" table t', columns=_columns()))
    from_db = _details(report)
    as_dicts = [dict(zip(("id", "g", "x", "p", "d", "s", "u"), row, strict=True)) for row in FILE_ORDER]
    from_engine = _details(report, source=as_dicts)
    assert from_db == from_engine == _expected()
