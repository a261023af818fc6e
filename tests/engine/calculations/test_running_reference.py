"""Running aggregates in the detail band, checked against SQLite's window functions.

For reports without groups, with one group and with two nested groups (one of them
``desc``), every running aggregate — SUM, COUNT(), COUNT(e), AVG, MIN, MAX, FIRST and
LAST of an integer and of a decimal column, in the band's own scope, ``over`` the
outer group and ``over report`` — is computed a second time by SQLite:
``F(e) OVER (PARTITION BY <the scope's keys> ORDER BY pos ROWS UNBOUNDED PRECEDING)``,
where ``pos`` is the place the engine printed the row at. That the print order itself
is the report's order (group keys, then the sort key; null last both ways; ties in
any order) is checked by SQLite's ORDER BY of the same rows.

FIRST and LAST skip nulls, which SQLite's FIRST_VALUE cannot: the reference takes the
value at the smallest and largest ``pos`` of a non-null value so far. Decimals are
multiples of 0.25 so that SQLite's floats hold them and their sums exactly; they are
compared as ``Decimal(str(value))``, and AVG as the exact sum over the count to 28
digits (what the engine and SQL databases give), besides SQLite's own AVG.

Each report runs over the SQLite file (the database orders the rows: the fused loop)
and over the same rows as dicts (the engine sorts: the sorted loop).
"""

from __future__ import annotations

import math
import random
import sqlite3
from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportdsl.engine import run
from reportdsl.engine.stream.sinks import RecordingSink

COLUMNS = ("id", "g1", "g2", "k", "x", "p")
SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, g1 TEXT, g2 INTEGER, k INTEGER, x INTEGER, p DECIMAL(10,2))"

# name: (group statements, sort key, the key columns and directions of the print order)
SHAPES = {
    "flat": ([], "k", [("k", "")]),
    "one group": ([("g1", "")], "k desc", [("g1", ""), ("k", " DESC")]),
    "nested": ([("g1", ""), ("g2", " desc")], "k", [("g1", ""), ("g2", " DESC"), ("k", "")]),
}
FUNCS = ("SUM", "COUNT", "AVG", "MIN", "MAX", "FIRST", "LAST")


def _scopes(groups: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(``over`` suffix, the partition keys): the band's own scope, each group, report."""
    names = [g for g, _ in groups]
    out = [("", names)]
    out += [(f" over {g}", names[: i + 1]) for i, g in enumerate(names)]
    return out + [(" over report", [])]


def _calls(groups) -> list[tuple[str, str, str, list[str]]]:
    """(report expression, function, argument or '', partition keys) per detail column."""
    calls = []
    for over, keys in _scopes(groups):
        calls.append((f"COUNT(){over}", "COUNT", "", keys))
        for arg in ("x", "p"):
            calls += [(f"{f}({arg}){over}", f, arg, keys) for f in FUNCS]
    return calls


def _report(shape: str) -> str:
    groups, sort, _ = SHAPES[shape]
    lines = ["report r {", '  source sql "sqlite:///t.db" table t', f"  sort by {sort}"]
    lines += [f"  group {g}{d} {{ }}" for g, d in groups]
    lines.append('  detail { column id "Id" = id')
    lines += [f'           column c{i} "C{i}" = {expr}' for i, (expr, *_) in enumerate(_calls(groups))]
    lines += ["  }", "}"]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The compiled reports, one per shape (the schema file only gives the types)."""
    import reportdsl

    folder = tmp_path_factory.mktemp("running_reference")
    con = sqlite3.connect(folder / "t.db")
    con.execute(SCHEMA)
    con.close()
    return {shape: reportdsl.compile(_report(shape), filename=str(folder / f"{shape}.report"),
                                     base_dir=str(folder))
            for shape in SHAPES}


def _write_db(path, rows: list[tuple]) -> None:
    con = sqlite3.connect(path)
    con.execute(SCHEMA)
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                    [r[:5] + (None if r[5] is None else str(r[5]),) for r in rows])
    con.commit()
    con.close()


def _details(report, source) -> list[tuple]:
    sink = RecordingSink()
    run(report.plan, sink, source=source, source_text=report.source)
    return [e[1] for e in sink.events if e[0] == "detail"]


def _window_sql(shape: str) -> str:
    groups, _, _ = SHAPES[shape]
    parts = []
    for _, func, arg, keys in _calls(groups):
        partition = f"PARTITION BY {', '.join(keys)} " if keys else ""
        window = f"OVER ({partition}ORDER BY pos ROWS UNBOUNDED PRECEDING)"
        if func == "COUNT" and not arg:
            parts.append(f"COUNT(*) {window}")
        elif func == "AVG":  # the exact sum, the count, and SQLite's own (float) average
            parts += [f"SUM({arg}) {window}", f"COUNT({arg}) {window}", f"AVG({arg}) {window}"]
        elif func in ("FIRST", "LAST"):  # the place of the first / last non-null value so far
            agg = "MIN" if func == "FIRST" else "MAX"
            parts.append(f"{agg}(CASE WHEN {arg} IS NOT NULL THEN pos END) {window}")
        else:
            parts.append(f"{func}({arg}) {window}")
    return f"SELECT pos, {', '.join(parts)} FROM o JOIN t USING (id) ORDER BY pos"


def _exact(v):
    """A SQLite number as the Decimal it stands for (its floats hold these exactly)."""
    return None if v is None else Decimal(str(v))


def _reference(shape: str, db, printed_ids: list[int]) -> list[tuple]:
    """Each detail row's values as SQLite computes them, in the engine's order."""
    groups, _, order = SHAPES[shape]
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE TEMP TABLE o (pos INTEGER PRIMARY KEY, id INTEGER UNIQUE)")
        con.executemany("INSERT INTO o VALUES (?, ?)", enumerate(printed_ids))
        assert con.execute("SELECT COUNT(*) FROM t").fetchone()[0] == len(printed_ids), "every row printed once"
        # the engine's order is the report's: a stable sort by the keys leaves it as it is
        by_keys = ", ".join(f"{c}{d} NULLS LAST" for c, d in order)
        resorted = [p for (p,) in con.execute(f"SELECT pos FROM o JOIN t USING (id) ORDER BY {by_keys}, pos")]
        assert resorted == list(range(len(printed_ids))), "the detail rows are not in report order"
        values = dict(con.execute("SELECT pos, x FROM o JOIN t USING (id)").fetchall())
        decimals = {pos: _exact(p) for pos, p in con.execute("SELECT pos, p FROM o JOIN t USING (id)")}
        out = []
        for pos, *cells in con.execute(_window_sql(shape)):
            row: list = [printed_ids[pos]]
            it = iter(cells)
            for _, func, arg, _ in _calls(groups):
                v = next(it)
                if func == "AVG":
                    total, count, sqlite_avg = _exact(v), next(it), next(it)
                    avg = None
                    if count:
                        with localcontext() as ctx:
                            ctx.prec = 28
                            avg = total / count
                        assert math.isclose(float(avg), sqlite_avg, rel_tol=1e-12, abs_tol=1e-12)
                    row.append(avg)
                elif func in ("FIRST", "LAST"):
                    row.append(None if v is None else (values if arg == "x" else decimals)[v])
                elif arg == "p" and func != "COUNT":
                    row.append(_exact(v))
                else:
                    row.append(v)
            out.append(tuple(row))
        return out
    finally:
        con.close()


def _assert_exact(got: list[tuple], want: list[tuple]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w, f"row id {w[0]}:\n  engine    {g}\n  reference {w}"
        # equal and of the same kind: counts and integer sums are ints, decimals Decimals
        for a, b in zip(g, w, strict=True):
            assert (a is None) == (b is None) and (isinstance(a, Decimal) == isinstance(b, Decimal)), (a, b)


def check_shape(report, shape: str, folder, rows: list[tuple]) -> None:
    db = folder / f"{shape}.db"
    if db.exists():
        db.unlink()
    _write_db(db, rows)
    from_db = _details(report, f"sqlite:///{db}")
    _assert_exact(from_db, _reference(shape, db, [r[0] for r in from_db]))
    as_dicts = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    from_engine_sort = _details(report, as_dicts)
    _assert_exact(from_engine_sort, _reference(shape, db, [r[0] for r in from_engine_sort]))


# ---- data --------------------------------------------------------------------------

_quarters = st.integers(-40, 40).map(lambda n: (Decimal(n) / 4).quantize(Decimal("0.01")))
_row = st.tuples(
    st.sampled_from([None, "a", "b", "c"]),  # g1
    st.sampled_from([None, 1, 2]),  # g2
    st.sampled_from([None, 0, 1, 2]),  # k: ties and nulls in the sort key
    st.one_of(st.none(), st.integers(-5, 5)),  # x: ties, zero, negatives
    st.one_of(st.none(), _quarters),  # p
)


def _numbered(rows) -> list[tuple]:
    return [(i + 1, *r) for i, r in enumerate(rows)]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_running_aggregates_match_sqlite_windows(reports, tmp_path, shape):
    rng = random.Random(11)
    rows = _numbered(
        (rng.choice([None, "a", "b", "c"]), rng.choice([None, 1, 2]), rng.choice([None, 0, 1, 2]),
         rng.choice([None, None, *range(-5, 6)]),
         rng.choice([None, *(Decimal(n).scaleb(-2) for n in range(-1000, 1001, 25))]))
        for _ in range(300))
    rng.shuffle(rows)  # ids not in report order either
    check_shape(reports[shape], shape, tmp_path, rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(_row, max_size=25), shape=st.sampled_from(list(SHAPES)))
def test_running_aggregates_match_sqlite_windows_on_generated_rows(reports, tmp_path, data, shape):
    check_shape(reports[shape], shape, tmp_path, _numbered(data))
