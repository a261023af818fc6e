"""Differential checks of the runs that go ahead of the printing run (``engine/pass_runs.py``):
groups' whole values from one read (§9), and a level ranked inside its parent (§12) —
the source's rows reordered as they come where the database orders them, records
otherwise — against DuckDB's window functions. ``test_modes_vs_duckdb`` runs them over
its random tables, on every source."""

from __future__ import annotations

from reportdsl import compile as compile_report
from reportdsl.engine import run
from reportdsl.engine.stream.result import ResultSink
from reportdsl.engine.stream.sinks import RecordingSink, TeeSink

from .cases import Table, has_wide_decimals
from .reference import connect, same
from .sources import NARROW_DECIMALS, load
from .test_differential import differences

OTHERS = "~others"
_SQL = ("sqlite", "duckdb", "postgresql", "mariadb")  # sources that are SQL tables when not ordered

WHOLE_IN_GROUPS = """report diff {{
  {source}
  group k1 {{ footer {{ text "{{SUM(n)}}" }} }}
  group k2 {{ footer {{ text "{{COUNT()}}" }} }}
  detail {{
    column n "n" = n
    column w "w" = SUM(d) over k1 whole
    column c "c" = COUNT() whole
    column r "r" = SUM(n)
  }}
}}
"""

RANKED_IN_PARENT = f"""report diff {{{{
  {{source}}
  group k1 {{{{ footer {{{{ text "{{{{SUM(n)}}}} {{{{COUNT()}}}}" }}}} }}}}
  group k2 order by SUM(d) desc limit 2 others "{OTHERS}" {{{{
    footer {{{{ text "{{{{SUM(n)}}}} {{{{COUNT()}}}} {{{{SUM(d) over k1 running}}}} {{{{MAX(n)}}}}" }}}}
  }}}}
  detail {{{{ column n "n" = n }}}}
  summary {{{{ text "{{{{SUM(n)}}}} {{{{COUNT()}}}}" }}}}
}}}}
"""


# §12 on the top level (``engine/top_order.py``): ranked among the whole report, Others
# merging the nested level's groups of the groups it holds (a text key: SQLite gives it as
# read, so a table's rows are kept and merged, not records); and limited without Others
TOP_RANKED = """report diff {{
  {source}
  group k1 order by SUM(d) desc limit 2 others "OTHERS" {{
    footer {{ text "{{SUM(n)}} {{COUNT()}} {{SUM(d) running}}" }}
  }}
  group s {{ footer {{ text "{{SUM(n) over k1 running}} {{MAX(n)}}" }} }}
  detail {{ column n "n" = n
            column r "r" = SUM(n) }}
  summary {{ text "{{SUM(n)}} {{COUNT()}}" }}
}}
""".replace("OTHERS", OTHERS)

TOP_LIMITED = """report diff {{
  {source}
  group k1 order by COUNT() desc limit 1 {{ footer {{ text "{{SUM(d)}} {{COUNT()}}" }} }}
  detail {{ column n "n" = n }}
  summary {{ text "{{SUM(n)}}" }}
}}
"""


def expected_top(table: Table) -> tuple[dict, list[tuple], dict]:
    """(TOP_RANKED's JSON result, its detail rows in print order, TOP_LIMITED's result)."""
    con = connect(table)
    con.execute(f"""CREATE VIEW m AS
        WITH g AS (SELECT k1, SUM(d) AS s FROM t GROUP BY k1),
        ranked AS (SELECT k1, row_number() OVER (ORDER BY s DESC NULLS LAST, k1 ASC NULLS LAST) - 1 AS r FROM g)
        SELECT t.*, least(r, 2) AS r1, CASE WHEN r < 2 THEN t.k1 ELSE '{OTHERS}' END AS mk1
        FROM t JOIN ranked ON t.k1 IS NOT DISTINCT FROM ranked.k1""")
    total = con.execute("SELECT SUM(n), COUNT(*) FROM t").fetchone()
    want: dict = {"row_count": total[1], "totals": {"SUM(n)": total[0], "COUNT()": total[1]}, "groups": []}
    outer = con.execute("""SELECT r1, mk1, SUM(n), COUNT(*), SUM(SUM(d)) OVER (ORDER BY r1 ROWS UNBOUNDED PRECEDING)
                           FROM m GROUP BY r1, mk1 ORDER BY r1""").fetchall()
    inner = con.execute("""
        SELECT r1, s, COUNT(*), MAX(n),
               SUM(SUM(n)) OVER (PARTITION BY r1 ORDER BY s NULLS LAST ROWS UNBOUNDED PRECEDING)
        FROM m GROUP BY r1, s ORDER BY r1, s NULLS LAST""").fetchall()
    for r1, key, sum_n, count, running_d in outer:
        want["groups"].append({
            "group": "k1", "key": key, "row_count": count,
            "totals": {"SUM(n)": sum_n, "COUNT()": count, "SUM(d)running": running_d},
            "groups": [{"group": "s", "key": key_s, "row_count": n_rows,
                        "totals": {"SUM(n)overk1running": over_k1, "MAX(n)": max_n}}
                       for g_r1, key_s, n_rows, max_n, over_k1 in inner if g_r1 == r1]})
    rows = con.execute("""SELECT n, SUM(n) OVER (PARTITION BY r1, s ORDER BY rid ROWS UNBOUNDED PRECEDING)
                          FROM m ORDER BY r1, s NULLS LAST, rid""").fetchall()
    first = con.execute("""SELECT k1, SUM(d), COUNT(*), SUM(n) FROM t GROUP BY k1
                           ORDER BY COUNT(*) DESC, k1 NULLS LAST LIMIT 1""").fetchone()
    groups = con.execute("SELECT COUNT(DISTINCT coalesce(k1, chr(0))) FROM t").fetchone()[0]
    limited: dict = {"row_count": 0, "totals": {"SUM(n)": None}, "groups": [], "omitted": {"groups": 0, "rows": 0}}
    if first is not None:
        k1, sum_d, count, sum_n = first
        limited = {"row_count": count, "totals": {"SUM(n)": sum_n},
                   "groups": [{"group": "k1", "key": k1, "row_count": count,
                               "totals": {"SUM(d)": sum_d, "COUNT()": count}}],
                   "omitted": {"groups": groups - 1, "rows": total[1] - count}}
    return want, rows, limited


def check_top(kind: str, table: Table, folder, server=None) -> list[str]:
    """TOP_RANKED and TOP_LIMITED over ``kind``: in source order (the engine sorts: records),
    and for a SQL source also as a table the database orders (its rows kept and reordered:
    ties of the merged groups then in the order read, which a table does not define)."""
    want, want_rows, limited = expected_top(table)
    found = []
    for ordered in (True, False) if kind in _SQL else (True,):
        got, events, _ = run_report(TOP_RANKED, kind, table, folder, server, ordered=ordered)
        found += differences(got, want)
        rows = [e[1] for e in events if e[0] == "detail"]
        if ordered:
            found += [f"top: detail row {i}: {g!r} != {w!r}" for i, (g, w) in enumerate(zip(rows, want_rows,
                                                                                             strict=False))
                      if not all(same(a, b) for a, b in zip(g, w, strict=True))]
        by_group = lambda rs: sorted((r[0] for r in rs), key=_order)  # noqa: E731
        if len(rows) != len(want_rows) or by_group(rows) != by_group(want_rows):
            found.append(f"top: detail rows {rows!r}, SQL gives {want_rows!r}")
        got, _, _ = run_report(TOP_LIMITED, kind, table, folder, server, ordered=ordered)
        found += differences(got, limited)
        if got.get("omitted") != limited["omitted"]:
            found.append(f"top limited: omitted {got.get('omitted')} != {limited['omitted']}")
    return found


def expected_whole(table: Table) -> list[tuple]:
    con = connect(table)
    return con.execute("""
        SELECT n, SUM(d) OVER (PARTITION BY k1), COUNT(*) OVER (PARTITION BY k1, k2),
               SUM(n) OVER (PARTITION BY k1, k2 ORDER BY rid ROWS UNBOUNDED PRECEDING)
        FROM t ORDER BY k1 NULLS LAST, k2 NULLS LAST, rid""").fetchall()


def expected_ranked(table: Table) -> tuple[dict, dict]:
    """(the JSON result's groups and totals, each printed group's rows as a sorted list)."""
    con = connect(table)
    con.execute(f"""CREATE VIEW m AS
        WITH g AS (SELECT k1, k2, SUM(d) AS s FROM t GROUP BY k1, k2),
        ranked AS (SELECT k1, k2, row_number() OVER (PARTITION BY k1 ORDER BY s DESC NULLS LAST,
                   k2 ASC NULLS LAST) - 1 AS r FROM g)
        SELECT t.*, least(r, 2) AS r2, CASE WHEN r < 2 THEN CAST(t.k2 AS VARCHAR) ELSE '{OTHERS}' END AS mk2
        FROM t JOIN ranked ON t.k1 IS NOT DISTINCT FROM ranked.k1 AND t.k2 IS NOT DISTINCT FROM ranked.k2""")
    total = con.execute("SELECT SUM(n), COUNT(*) FROM t").fetchone()
    want: dict = {"row_count": total[1], "totals": {"SUM(n)": total[0], "COUNT()": total[1]}, "groups": []}
    outer = con.execute("SELECT k1, SUM(n), COUNT(*) FROM t GROUP BY k1 ORDER BY k1 NULLS LAST").fetchall()
    inner = con.execute("""
        SELECT k1, r2, mk2, SUM(n), COUNT(*), MAX(n),
               SUM(SUM(d)) OVER (PARTITION BY k1 ORDER BY r2 ROWS UNBOUNDED PRECEDING)
        FROM m GROUP BY k1, r2, mk2 ORDER BY k1 NULLS LAST, r2""").fetchall()
    rows: dict = {}
    for k1, r2, n in con.execute("SELECT k1, r2, n FROM m").fetchall():
        rows.setdefault((k1, r2), []).append(n)
    for k1, sum_n, count in outer:
        node = {"group": "k1", "key": k1, "row_count": count, "totals": {"SUM(n)": sum_n, "COUNT()": count},
                "groups": []}
        for g_k1, _, mk2, g_sum, g_count, max_n, running in inner:
            if same(g_k1, k1):
                node["groups"].append({"group": "k2", "key": mk2 if mk2 == OTHERS else _int(mk2), "row_count": g_count,
                                       "totals": {"SUM(n)": g_sum, "COUNT()": g_count, "SUM(d)overk1running": running,
                                                  "MAX(n)": max_n}})
        want["groups"].append(node)
    return want, {key: sorted(ns, key=_order) for key, ns in rows.items()}


def _int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _order(n: int | None) -> tuple:
    return (n is None, n or 0)


def run_report(template: str, kind: str, table: Table, folder, server=None,
               ordered: bool = True) -> tuple[dict, list[tuple], str]:
    """(the JSON result, the detail and group start events, the report's text)."""
    source, kwargs = load(kind, table, folder, server, ordered=ordered)
    text = template.format(source=source)
    report = compile_report(text, filename=str(folder / "diff.report"), base_dir=str(folder))
    result, recording = ResultSink(report.plan), RecordingSink()
    run(report.plan, TeeSink(result, recording), source=kwargs.get("source"))
    assert result.result is not None
    return result.result.to_dict(), [e for e in recording.events if e[0] in ("detail", "group_start")], text


def printed_rows(events: list) -> dict:
    """Each printed inner group's detail rows' n, by (k1 key, rank), as a sorted list."""
    out: dict = {}
    k1, rank = None, -1
    for e in events:
        if e[0] == "detail":
            out.setdefault((k1, rank), []).append(e[1][0])
        elif e[1] == 0:
            k1, rank = e[2], -1
        else:
            rank += 1
    return {key: sorted(ns, key=_order) for key, ns in out.items()}


def check_runs_ahead(kinds, table: Table, folder, server=None) -> None:
    whole_rows = expected_whole(table)
    ranked, ranked_rows = expected_ranked(table)
    for kind in kinds:
        if kind == "jsonl" and not table.rows:
            continue
        if kind in NARROW_DECIMALS and has_wide_decimals(table):
            continue
        found = []
        _, events, text = run_report(WHOLE_IN_GROUPS, kind, table, folder, server)
        rows = [e[1] for e in events if e[0] == "detail"]
        found += [f"whole, detail row {i}: {g!r} != {w!r}"
                  for i, (g, w) in enumerate(zip(rows, whole_rows, strict=False))
                  if not all(same(a, b) for a, b in zip(g, w, strict=True))]
        if len(rows) != len(whole_rows):
            found.append(f"whole: {len(rows)} detail rows, SQL gives {len(whole_rows)}")
        got, events, text_r = run_report(RANKED_IN_PARENT, kind, table, folder, server)
        found += differences(got, ranked)
        got_rows = printed_rows(events)
        if got_rows.keys() != ranked_rows.keys() or not all(
                len(g) == len(w) and all(same(a, b) for a, b in zip(g, w, strict=True))
                for g, w in ((got_rows[k], ranked_rows[k]) for k in ranked_rows)):
            found.append(f"ranked: rows by printed group {got_rows!r}, SQL gives {ranked_rows!r}")
        found += check_top(kind, table, folder, server)
        assert not found, (f"{kind} disagrees with DuckDB:\n  " + "\n  ".join(found[:10])
                           + f"\nreports:\n{text}{text_r}table rows: {table.rows!r}")
