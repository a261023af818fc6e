"""Pushdown's second mode (``reportdsl/pushdown/totals.py``): reports that print detail
rows and need totals before them (§9 ``whole`` in detail, §12 ``order by``, ``limit``,
``others``) give the same JSON result — every value to the last digit, every null, the
order of every group and row, ``omitted`` — with the totals from one pushed GROUP BY as
with the engine's two passes (``--pushdown off``), on SQLite, PostgreSQL, MariaDB and
DuckDB, over data with null keys, text a collation would merge or order otherwise
(``data``), tied totals and groups whose totals are null."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import reportdsl
from reportdsl.engine import run

from . import data
from .conftest import DATABASES
from .test_events_and_outputs import Recorder, _cli

WHOLE = """
report whole {{
  source {source}
  {where}
  group g1 {{
    header {{ text "{{g1}}: {{COUNT()}} rows, {{SUM(q)}}" }}
    footer {{ text "{{SUM(q)}} {{MAX(g2)}}" }}
  }}
  group g2 desc {{
    footer {{ text "{{COUNT(q)}} {{SUM(q) over g1}}" }}
  }}
  detail {{
    column id "Id" = id
    column share "Share" = q / SUM(q) over g1 whole
    column inner "Inner" = SUM(q) over g2 whole
    column all "All" = COUNT(q) over report whole
    column top "Top" = MAX(g1) over report whole
    column running "Running" = SUM(q)
  }}
  summary {{ text "{{SUM(q)}} {{COUNT()}}" }}
}}
"""

ORDERED = """
report ordered {{
  source {source}
  {where}
  group g1 order by SUM(q) desc limit 4 others "Others" {{
    header {{ text "{{g1}}: {{SUM(q)}}" }}
    footer {{ text "{{COUNT()}} {{SUM(q)}} {{MIN(q)}} {{COUNT_DISTINCT(g2)}}" }}
  }}
  detail {{
    column id "Id" = id
    column q "Q" = q
    column share "Share" = q / SUM(q) over report whole
  }}
  summary {{ text "{{SUM(q)}}" }}
}}
"""

# ranks at two levels, the inner one limited without Others (``omitted``), ordered
# by a value that divides two totals and by a count (ties broken by key)
NESTED = """
report nested {{
  source {source}
  group g2 order by COUNT() limit 3 {{
    footer {{ text "{{COUNT()}}" }}
  }}
  group g1 order by SUM(q) / SUM(q) over report desc limit 2 {{
    footer {{ text "{{SUM(q)}}" }}
  }}
  detail {{
    column id "Id" = id
    column q "Q" = q
  }}
}}
"""

DECIMALS = """
report decimals {{
  source {source}
  where q > 0 or p < 0
  group g2 order by SUM(p) limit 3 others "Rest" {{
    footer {{ text "{{SUM(p)}} {{AVG(p)}}" }}
  }}
  detail {{
    column id "Id" = id
    column p "P" = p
    column share "Share" = p / SUM(p) over report whole
    column average "Average" = AVG(p) over report whole
  }}
}}
"""


def _run(text: str, folder: Path, pushdown: str) -> tuple[dict, str]:
    report = reportdsl.compile(text, filename=str(folder / "d.report"), base_dir=str(folder))
    result = report.run(pushdown=pushdown)
    return json.loads(result.to_json()), result.stats["pushdown"]


def _events(text: str, folder: Path, pushdown: str) -> tuple[str, str]:
    """Every event the engine sends, detail rows included, as text: ``repr`` tells
    ``Decimal('0.5')`` from ``Decimal('0.50')``, ``1`` from ``1.0``, ``-0.0`` from ``0.0``."""
    report = reportdsl.compile(text, filename=str(folder / "d.report"), base_dir=str(folder))
    sink = Recorder()
    stats = run(report.plan, sink, source_text=report.source, pushdown=pushdown)
    return repr(sink.events), stats.pushdown


def _check(source: str, report: str, tmp_path: Path, *, where: str = "", pushed: bool = True) -> dict:
    text = report.format(source=source, where=where)
    two_passes, how = _run(text, tmp_path, "off")
    assert how == "off"
    mode = "force" if pushed else "auto"  # auto on SQLite leaves ordered groups to the engine
    got, how = _run(text, tmp_path, mode)
    assert got == two_passes, (json.dumps(got, indent=1), json.dumps(two_passes, indent=1))
    assert (how == "pushed: group totals") == pushed, how
    events_off, _ = _events(text, tmp_path, "off")
    events_pushed, how = _events(text, tmp_path, mode)
    assert events_pushed == events_off
    assert "'detail'" in events_off or got["row_count"] == 0 or "detail {{" not in report
    return got


def _tied_rows(n: int = 120) -> list[tuple]:
    """Groups whose totals tie (each g1 gets the same q values), null keys, all-null q."""
    rng = random.Random(5)
    out = []
    for i in range(1, n + 1):
        g1 = data.G1[i % len(data.G1)]
        q = None if g1 == "zz" else (i // len(data.G1)) % 4
        out.append((i, g1, rng.choice(data.G2), q, None, 0.5, None))
    return out


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_whole_values_in_detail(database, tmp_path):
    got = _check(database(data.rows(n=200, big=False)), WHOLE, tmp_path)
    assert any(g["key"] is None for g in got["groups"])  # a null key is a group too


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_whole_values_with_where_and_no_rows(database, tmp_path):
    source = database(data.rows(n=150, big=False))
    _check(source, WHOLE, tmp_path, where="where q > 1 or g2 == 1")
    got = _check(source, WHOLE, tmp_path, where="where q > 1000")
    assert got["groups"] == []


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_ordered_limit_others(database, tmp_path):
    source = database(_tied_rows())
    got = _check(source, ORDERED, tmp_path)
    assert [g["key"] for g in got["groups"]][-1] == "Others"
    _, how = _run(ORDERED.format(source=source, where=""), tmp_path, "auto")
    if database.kind == "sqlite":  # the engine's rank pass is cheaper than SQLite's GROUP BY
        assert how == "streamed: on sqlite the engine ranks the groups faster than a GROUP BY"
    else:
        assert how == "pushed: group totals"


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_ordered_with_where_over_collated_text(database, tmp_path):
    source = database(data.rows(n=250, big=False))
    _check(source, ORDERED, tmp_path, where="where g2 != 0")
    _check(source, NESTED, tmp_path)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_nested_ranks_and_omitted(database, tmp_path):
    got = _check(database(_tied_rows()), NESTED, tmp_path)
    assert "omitted" in json.dumps(got)


# no detail rows, but groups in the order of a total: the first mode does not push it,
# the second takes the ranks from the database and the engine totals the groups itself
SUMMARY_ORDERED = """
report summary_ordered {{
  source {source}
  group g1 order by SUM(q) limit 3 others "Others" {{
    footer {{ text "{{COUNT()}} {{SUM(q)}} {{AVG(f)}} {{MIN(q)}}" }}
  }}
  group g2 desc order by COUNT(q) desc {{
    footer {{ text "{{COUNT(q)}} {{SUM(q) over g1}}" }}
  }}
  summary {{ text "{{SUM(q)}}" }}
}}
"""


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_summary_ordered_by_a_total(database, tmp_path):
    source = database(_tied_rows())
    # an ordered level inside an Others level would need the merged groups' totals
    text = SUMMARY_ORDERED.format(source=source)
    _, how = _run(text, tmp_path, "auto")
    assert how.startswith("streamed: ") and "others" in how
    _check(source, SUMMARY_ORDERED.replace('limit 3 others "Others" ', "desc "), tmp_path)


@pytest.mark.parametrize("database", DATABASES, indirect=True)
def test_decimals(database, tmp_path):
    # SQLite keeps decimals as floats: the two passes run there
    _check(database(data.rows(n=200, big=False)), DECIMALS, tmp_path, pushed=database.kind != "sqlite")


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_what_stays_two_passes(database, tmp_path):
    source = database(data.rows(n=80, big=False))
    cases = {
        # a float sum could differ in its last digit
        WHOLE.replace("q / SUM(q) over g1", "f / SUM(f) over g1"): "adds floats",
        # the groups Others merges would need totals of their own
        ORDERED.replace("over report whole", "over g1 whole"): "others",
        # limit leaves rows out of the report's whole value
        ORDERED.replace(' others "Others"', ""): "limit",
        WHOLE.replace("report whole {{", "report whole {{\n  on_error skip"): "on_error",
    }
    for report, reason in cases.items():
        text = report.format(source=source, where="")
        two_passes, _ = _run(text, tmp_path, "off")
        got, how = _run(text, tmp_path, "auto")
        assert got == two_passes and how.startswith("streamed: ") and reason in how, how
        with pytest.raises(reportdsl.ReportError, match=reason):
            _run(text, tmp_path, "force")


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_command_line(database, tmp_path):
    path = tmp_path / "o.report"
    path.write_text(ORDERED.format(source=database(_tied_rows()), where=""), encoding="utf-8")
    sql = _cli("plan", "--sql", str(path), cwd=tmp_path).stdout
    assert sql.startswith("-- group totals pushed down to sqlite; the detail rows stream")
    assert "GROUP BY" in sql and "UNION ALL" in sql
    out = _cli("build", str(path), "-o", str(tmp_path / "o.json"), "--stats", "--quiet", "--pushdown", "force",
               cwd=tmp_path)
    assert out.returncode == 0 and '"pushdown": "pushed: group totals"' in out.stdout, out.stderr
    path.write_text(path.read_text().replace("SUM(q) desc", "SUM(f) desc"), encoding="utf-8")
    out = _cli("build", str(path), "-o", str(tmp_path / "o.json"), "--pushdown", "force", cwd=tmp_path)
    assert out.returncode == 1 and "o.report:" in out.stderr and "adds floats" in out.stderr
    assert "Traceback" not in out.stderr


SQLITE_DECIMALS = """
report sqlite_decimals {{
  source sql "sqlite:///{path}" table m
  group g order by SUM(q * p) desc limit 2 others "Rest" {{
    footer {{ text "{{SUM(q * p)}} {{AVG(p)}} {{COUNT(p)}}" }}
  }}
  detail {{
    column p "P" = p
    column share "Share" = q * p / SUM(q * p) over report whole
    column mean "Mean" = AVG(p + q) over report whole
  }}
  summary {{ text "{{SUM(p)}} {{AVG(p)}}" }}
}}
"""


def _sqlite_money(path: Path, values: list) -> Path:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE m (g TEXT, q INTEGER, p DECIMAL(10,2))")
    con.executemany("INSERT INTO m VALUES (?, ?, ?)",
                    [("abcd"[i % 4] if i % 9 else None, i % 5 - 1, v) for i, v in enumerate(values)])
    con.commit()
    con.close()
    return path


def test_sqlite_decimals_as_scaled_integers(tmp_path):
    # 2-place values stored as floats, whole numbers stored as integers (NUMERIC affinity),
    # negatives and nulls: SQLite sums them exactly as integers of cents
    values = [0.1, 0.2, 19.99, 5, -3.5, None, 1234567.89, 0.07, 100, -0.01, 0.29, 33.3] * 7
    path = _sqlite_money(tmp_path / "m.db", values)
    text = SQLITE_DECIMALS.format(path=path)
    two_passes, _ = _run(text, tmp_path, "off")
    got, how = _run(text, tmp_path, "force")
    assert how == "pushed: group totals" and got == two_passes
    events_off, _ = _events(text, tmp_path, "off")
    events_pushed, _ = _events(text, tmp_path, "force")
    assert events_pushed == events_off and "Decimal('" in events_off


@pytest.mark.parametrize(("value", "reason"), [
    (0.125, "a column holds a value"),  # more places than declared: the engine keeps them
    (1e14, "a column holds a value"),  # too large for a float to tell cents apart
    (9e12, "overflowed"),  # q * p in cents passes 64 bits: SQLite makes it a float
])
def test_sqlite_decimals_that_stay_two_passes(tmp_path, value, reason):
    path = _sqlite_money(tmp_path / "m.db", [1.5, value, 2.25] * 4 if reason != "overflowed" else [value] * 12)
    # whole values alone: auto pushes them on SQLite too
    text = SQLITE_DECIMALS.format(path=path).replace('order by SUM(q * p) desc limit 2 others "Rest" ', "")
    if reason == "overflowed":
        text = text.replace("q * p", "q * p * 1000000")
    two_passes, _ = _run(text, tmp_path, "off")
    got, how = _run(text, tmp_path, "auto")
    assert got == two_passes and how.startswith("streamed: ") and reason in how, how
    with pytest.raises(reportdsl.ReportError, match=reason):
        _run(text, tmp_path, "force")


def test_sqlite_decimals_in_the_first_mode(tmp_path):
    # a report without detail rows: its SUM/AVG/COUNT of DECIMAL(10,2) pushed whole
    path = _sqlite_money(tmp_path / "m.db", [0.1, 0.2, 19.99, 5, -3.5, None, 1234567.89, 0.07, -0.01, 0.29] * 5)
    text = f"""
report money {{
  source sql "sqlite:///{path}" table m
  group g {{ footer {{ text "{{SUM(p)}} {{AVG(p)}} {{COUNT(p)}} {{SUM(q * p - p)}} {{AVG(-p * p)}}" }} }}
  summary {{ text "{{SUM(p)}} {{AVG(q + p)}}" }}
}}
"""
    streamed, _ = _run(text, tmp_path, "off")
    got, how = _run(text, tmp_path, "force")
    assert how == "pushed" and got == streamed
    assert repr(_events(text, tmp_path, "force")[0]) == repr(_events(text, tmp_path, "off")[0])
