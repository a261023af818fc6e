"""§9 and §12 against DuckDB window functions: `running` values in group bands, `whole`
values in detail, groups ordered by a total with `limit` and `others`, and what `limit`
leaves out — over random tables, on every source; and the same for the runs that go
ahead of the printing run (``runs_ahead``).

The reference maps each row to its printed first-level group (rank by SUM(d) desc,
nulls last, ties by key; the first two, then Others) in SQL, then computes totals with
GROUP BY and running and whole values with window functions in print order. The engine
must give the same JSON result and the same detail rows, to the last digit.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from reportdsl import compile as compile_report
from reportdsl.engine.runner import run
from reportdsl.engine.stream.result import ResultSink
from reportdsl.engine.stream.sinks import RecordingSink, TeeSink

from .cases import Table, has_wide_decimals, tables
from .reference import connect, same
from .runs_ahead import check_runs_ahead
from .sources import LOCAL, NARROW_DECIMALS, load
from .test_differential import _SETTINGS, DEEP, differences

OTHERS = "~others"

ORDERED = """report diff {{
  {source}
  group k1 {ordering} {{
    footer {{ text "{{SUM(n)}} {{COUNT()}} {{SUM(d) running}} {{COUNT(n) running}}" }}
  }}
  group k2 {{
    footer {{ text "{{SUM(n) over k1 running}} {{SUM(d) over report running}} {{MAX(n)}}" }}
  }}
  detail {{
    column n "n" = n
    column w "w" = SUM(d) over k1 whole
    column c "c" = COUNT() whole
    column t "t" = SUM(n) over report whole
    column r "r" = SUM(n)
  }}
  summary {{ text "{{SUM(n)}} {{COUNT()}} {{COUNT_DISTINCT(k1)}}" }}
}}
"""

LIMITED = """report diff {{
  {source}
  group k2 limit 2 {{
    footer {{ text "{{SUM(n)}}" }}
  }}
  group k1 order by COUNT() desc limit 1 {{
    footer {{ text "{{SUM(d)}} {{COUNT()}}" }}
  }}
  summary {{ text "{{SUM(n)}}" }}
}}
"""

ORDERING = f'order by SUM(d) desc limit 2 others "{OTHERS}"'

# Each row's printed first-level group: rank 0 and 1 keep their key, the rest are Others;
# without the ordering, every group by key (the engine reads the source twice then).
_IN_KEY_ORDER = "SELECT t.*, dense_rank() OVER (ORDER BY k1 NULLS LAST) AS r1, k1 AS mk1 FROM t"
_MAPPED = f"""
WITH g AS (SELECT k1, SUM(d) AS s FROM t GROUP BY k1),
ranked AS (SELECT k1, row_number() OVER (ORDER BY s DESC NULLS LAST, k1 ASC NULLS LAST) - 1 AS r FROM g)
SELECT t.*, least(r, 2) AS r1, CASE WHEN r < 2 THEN t.k1 ELSE '{OTHERS}' END AS mk1
FROM t JOIN ranked ON t.k1 IS NOT DISTINCT FROM ranked.k1
"""


def expected_ordered(table: Table, ordering: str) -> tuple[dict, list[tuple]]:
    con = connect(table)
    con.execute(f"CREATE VIEW m AS {_MAPPED if ordering else _IN_KEY_ORDER}")
    # COUNT_DISTINCT(k1) counts the column's values, not the printed keys: Others is a
    # group's key, never a value of the column
    report = con.execute("SELECT SUM(n), COUNT(*), COUNT(DISTINCT k1) FROM m").fetchone()
    want: dict = {"row_count": report[1], "groups": [],
                  "totals": {"SUM(n)": report[0], "COUNT()": report[1], "COUNT_DISTINCT(k1)": report[2]}}
    outer = con.execute("""
        SELECT r1, mk1, SUM(n), COUNT(*),
               SUM(SUM(d)) OVER (ORDER BY r1 ROWS UNBOUNDED PRECEDING),
               SUM(COUNT(n)) OVER (ORDER BY r1 ROWS UNBOUNDED PRECEDING)
        FROM m GROUP BY r1, mk1 ORDER BY r1""").fetchall()
    inner = con.execute("""
        SELECT r1, k2, SUM(n), COUNT(*), MAX(n),
               SUM(SUM(n)) OVER (PARTITION BY r1 ORDER BY k2 NULLS LAST ROWS UNBOUNDED PRECEDING),
               SUM(SUM(d)) OVER (ORDER BY r1, k2 NULLS LAST ROWS UNBOUNDED PRECEDING)
        FROM m GROUP BY r1, k2 ORDER BY r1, k2 NULLS LAST""").fetchall()
    for r1, key, sum_n, count, running_d, running_count in outer:
        node = {"group": "k1", "key": key, "row_count": count, "groups": [], "totals": {
            "SUM(n)": sum_n, "COUNT()": count, "SUM(d)running": running_d, "COUNT(n)running": int(running_count)}}
        for g_r1, k2, _, n_rows, max_n, over_k1, over_report in inner:
            if g_r1 == r1:
                node["groups"].append({"group": "k2", "key": k2, "row_count": n_rows, "totals": {
                    "SUM(n)overk1running": over_k1, "SUM(d)overreportrunning": over_report, "MAX(n)": max_n}})
        want["groups"].append(node)
    rows = con.execute("""
        SELECT n, SUM(d) OVER (PARTITION BY r1), COUNT(*) OVER (PARTITION BY r1, k2), SUM(n) OVER (),
               SUM(n) OVER (PARTITION BY r1, k2 ORDER BY rid ROWS UNBOUNDED PRECEDING)
        FROM m ORDER BY r1, k2 NULLS LAST, rid""").fetchall()
    return want, rows


def expected_limited(table: Table) -> dict:
    """Rows of left-out groups leave every total, also those of the enclosing scopes (§12)."""
    con = connect(table)
    keys = [k for (k,) in con.execute("SELECT DISTINCT k2 FROM t ORDER BY k2 NULLS LAST").fetchall()]
    kept, dropped = keys[:2], keys[2:]
    all_rows = con.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    in_kept = " OR ".join(f"k2 IS NOT DISTINCT FROM {'NULL' if k is None else k}" for k in kept) or "false"
    kept_rows = con.execute(f"SELECT COUNT(*) FROM t WHERE {in_kept}").fetchone()[0]
    want: dict = {"groups": [], "omitted": {"groups": len(dropped), "rows": all_rows - kept_rows}}
    survivors = []
    for k2 in kept:
        cond = f"k2 IS NOT DISTINCT FROM {'NULL' if k2 is None else k2}"
        inner = con.execute(f"""SELECT k1, SUM(d), COUNT(*), SUM(n) FROM t WHERE {cond} GROUP BY k1
                                ORDER BY COUNT(*) DESC, k1 NULLS LAST""").fetchall()
        k1, sum_d, count, sum_n = inner[0]
        survivors.append((sum_n, count))
        want["groups"].append({
            "group": "k2", "key": k2, "row_count": count, "totals": {"SUM(n)": sum_n},
            "groups": [{"group": "k1", "key": k1, "row_count": count, "totals": {"SUM(d)": sum_d, "COUNT()": count}}],
            "omitted": {"groups": len(inner) - 1, "rows": sum(r[2] for r in inner[1:])}})
    sums = [s for s, _ in survivors if s is not None]
    want["row_count"] = sum(c for _, c in survivors)
    want["totals"] = {"SUM(n)": sum(sums) if sums else None}
    return want


def run_report(template: str, kind: str, table: Table, folder, server=None,
               ordering: str = "") -> tuple[dict, list[tuple], str]:
    source, kwargs = load(kind, table, folder, server, ordered=True)
    text = template.format(source=source, ordering=ordering)
    report = compile_report(text, filename=str(folder / "diff.report"), base_dir=str(folder))
    result, rows = ResultSink(report.plan), RecordingSink()
    run(report.plan, TeeSink(result, rows), source=kwargs.get("source"))
    assert result.result is not None
    return result.result.to_dict(), [e[1] for e in rows.events if e[0] == "detail"], text


def omitted_differences(got: dict, want: dict, where: str = "report") -> list[str]:
    out = []
    if got.get("omitted") != want.get("omitted"):
        out.append(f"{where}: omitted {got.get('omitted')} != {want.get('omitted')}")
    for g, w in zip(got.get("groups", []), want.get("groups", []), strict=False):
        if "groups" in w:
            out += omitted_differences(g, w, f"{where} > {w['key']!r}")
    return out


def check(kinds, table: Table, folder, server=None) -> None:
    check_runs_ahead(kinds, table, folder, server)
    wanted = {ordering: expected_ordered(table, ordering) for ordering in (ORDERING, "")}
    limited = expected_limited(table)
    for kind in kinds:
        if kind == "jsonl" and not table.rows:
            continue
        if kind in NARROW_DECIMALS and has_wide_decimals(table):
            continue
        found, texts = [], ""
        for ordering, (want, want_rows) in wanted.items():
            got, rows, text = run_report(ORDERED, kind, table, folder, server, ordering)
            texts += text
            found += differences(got, want)
            found += [f"detail row {i}: {g!r} != {w!r}" for i, (g, w) in enumerate(zip(rows, want_rows, strict=False))
                      if not all(same(a, b) for a, b in zip(g, w, strict=True))]
            if len(rows) != len(want_rows):
                found.append(f"{len(rows)} detail rows, SQL gives {len(want_rows)}")
        got_l, _, text_l = run_report(LIMITED, kind, table, folder, server)
        found += differences(got_l, limited) + omitted_differences(got_l, limited)
        assert not found, (f"{kind} disagrees with DuckDB:\n  " + "\n  ".join(found[:10])
                           + f"\nreports:\n{texts}{text_l}table rows: {table.rows!r}")


@settings(max_examples=25, **_SETTINGS)
@given(table=tables(max_rows=25))
def test_modes_and_ordered_groups_agree_with_sql(tmp_path, table):
    check(LOCAL, table, tmp_path)


@settings(max_examples=8, **_SETTINGS)
@given(table=tables(max_rows=12, special_floats=False))  # MariaDB stores no NaN
def test_modes_and_ordered_groups_on_servers(request, tmp_path, table):
    check(["postgresql"], table, tmp_path, request.getfixturevalue("pg_schema"))
    check(["mariadb"], table, tmp_path, request.getfixturevalue("mariadb_prefix"))


@pytest.mark.deep
@settings(max_examples=DEEP, **_SETTINGS)
@given(table=tables(max_rows=60, special_floats=False))
def test_deep_modes_and_ordered_groups(request, tmp_path, table):
    check(LOCAL, table, tmp_path)
    check(["postgresql"], table, tmp_path, request.getfixturevalue("pg_schema"))
    check(["mariadb"], table, tmp_path, request.getfixturevalue("mariadb_prefix"))
