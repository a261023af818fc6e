"""Differential tests: random reports over random tables, run on every source, must
give what DuckDB SQL computes (reference.py) — to the last digit, null and order.

The normal run checks a bounded sample (well under a minute); the deep profile, run by
hand, checks thousands: ``REPORTDSL_DEEP_EXAMPLES=5000 python -m pytest -m deep
tests/differential``. A disagreement prints the report, the source and the table.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

import reportdsl

from .cases import Case, Table, cases, has_special_floats, has_wide_decimals, tables
from .reference import expected, same
from .sources import DIFFERENT_TYPES, LOCAL, NARROW_DECIMALS, NO_SPECIAL_FLOATS, SERVERS, load

DEEP = int(os.environ.get("REPORTDSL_DEEP_EXAMPLES", "2000"))
_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow, HealthCheck.data_too_large]}


# The sources whose summary reports are pushed down where exact: each case runs there
# both ways, streamed and pushed (``auto``), and both must give the reference's values.
PUSHABLE = ("sqlite", "duckdb", "parquet", "postgresql", "mariadb")


def run_case(kind: str, table: Table, case: Case, folder, server=None,
             pushdown: str = "auto") -> tuple[dict, str]:
    ordered = bool(case.sort) or any(c.func in ("first", "last") for c in case.calls)
    source, kwargs = load(kind, table, folder, server, ordered=ordered)
    text = case.report(source)
    report = reportdsl.compile(text, filename=str(folder / "diff.report"), base_dir=str(folder))
    return report.run(pushdown=pushdown, **kwargs).to_dict(), text


def differences(got: dict, want: dict, where: str = "report") -> list[str]:
    out = []
    if got.get("row_count") != want["row_count"]:
        out.append(f"{where}: row_count {got.get('row_count')} != {want['row_count']}")
    for key, value in want["totals"].items():
        if not same(got["totals"].get(key, "<missing>"), value):
            out.append(f"{where}: {key} = {got['totals'].get(key, '<missing>')!r}, SQL gives {value!r}")
    if "groups" in want:
        mine, theirs = got.get("groups", []), want["groups"]
        got_keys, want_keys = [g["key"] for g in mine], [g["key"] for g in theirs]
        if len(mine) != len(theirs) or not all(same(a, b) for a, b in zip(got_keys, want_keys, strict=False)):
            return [*out, f"{where}: groups {got_keys!r}, SQL gives {want_keys!r}"]
        for g, w in zip(mine, theirs, strict=True):
            out += differences(g, w, f"{where} > {w['group']} {w['key']!r}")
    return out


def check(kinds, table: Table, case: Case, folder, server=None) -> None:
    want = expected(table, case)
    for kind in kinds:
        if kind == "jsonl" and not table.rows:
            continue  # a JSONL file without records has no columns to check names against
        if case.columns() & DIFFERENT_TYPES.get(kind, set()):
            continue
        if kind in NO_SPECIAL_FLOATS and has_special_floats(table):
            continue
        if kind in NARROW_DECIMALS and has_wide_decimals(table):
            continue
        for mode in ("off", "auto") if kind in PUSHABLE else ("auto",):
            got, text = run_case(kind, table, case, folder, server, mode)
            found = differences(got, want)
            assert not found, (f"{kind} (pushdown {mode}) disagrees with DuckDB:\n  " + "\n  ".join(found[:10])
                               + f"\nreport:\n{text}table rows: {table.rows!r}")


@settings(max_examples=60, **_SETTINGS)
@given(table=tables(), case=cases())
def test_local_sources_agree_with_sql(tmp_path, table, case):
    check(LOCAL, table, case, tmp_path)


@pytest.mark.parametrize("kind", SERVERS)
@settings(max_examples=15, **_SETTINGS)
@given(table=tables(max_rows=12), case=cases())
def test_database_servers_agree_with_sql(request, tmp_path, kind, table, case):
    fixture = "pg_schema" if kind == "postgresql" else "mariadb_prefix"
    check([kind], table, case, tmp_path, request.getfixturevalue(fixture))


@pytest.mark.deep
@settings(max_examples=DEEP, **_SETTINGS)
@given(table=tables(max_rows=60), case=cases())
def test_deep_every_source_agrees_with_sql(request, tmp_path, table, case):
    check(LOCAL, table, case, tmp_path)
    for kind, fixture in (("postgresql", "pg_schema"), ("mariadb", "mariadb_prefix")):
        check([kind], table, case, tmp_path, request.getfixturevalue(fixture))
