"""Parquet sources (``source parquet "PATH-OR-GLOB"``, ``--source parquet:…``): the schema
from the files' metadata, the engine's answer the same as over the same data as CSV
or as Python values, only the used columns read, ``where`` and the order pushed into
DuckDB, ties in file order, and errors in the user's words."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from decimal import Decimal

import pytest

import reportdsl
from reportdsl import api
from reportdsl.engine import run
from reportdsl.engine.runner import columns_read
from reportdsl.engine.stream.result import ResultSink
from reportdsl.errors import ReportCheckError, ReportDataError
from reportdsl.sources import opening
from reportdsl.sources.parquet import ParquetRows

duckdb = pytest.importorskip("duckdb")

REGIONS = ["East", "West", "Nörth", "Ünïcode 日本", "ÄÖ", "east", "Zebra", "Émile", "😀 smile"]


def _rows(n: int = 600) -> list[tuple]:
    """id, region (unicode, some null), amount DECIMAL(18,2) (some null), day, price
    (a float), qty (an int with ties), note (text, mostly null)."""
    out = []
    for i in range(n):
        region = None if i % 17 == 0 else REGIONS[(i * 7) % len(REGIONS)]
        amount = None if i % 11 == 0 else Decimal(i * 37 % 1000) / 4 - Decimal("60.25")
        day = dt.date(2024, 1, 1) + dt.timedelta(days=(i * 13) % 90)
        price = None if i % 13 == 0 else (i % 50) / 8
        note = "n" + str(i) if i % 5 == 0 else None
        out.append((i, region, amount, day, price, i % 6, note))
    return out


_SCHEMA = "id BIGINT, region VARCHAR, amount DECIMAL(18,2), day DATE, price DOUBLE, qty INTEGER, note VARCHAR"
_NAMES = ["id", "region", "amount", "day", "price", "qty", "note"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The same rows as three Parquet files (``parts/*.parquet``, in name order), one
    Parquet file, a CSV file and a list of dicts."""
    tmp_path = tmp_path_factory.mktemp("parquet")
    rows = _rows()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({_SCHEMA})")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(_NAMES))})", rows)
    (tmp_path / "parts").mkdir()
    for name, lo, hi in (("p1", 0, 200), ("p2", 200, 450), ("p3", 450, 600)):
        con.execute(f"COPY (SELECT * FROM t WHERE id >= {lo} AND id < {hi} ORDER BY id) "
                    f"TO '{tmp_path / 'parts' / name}.parquet' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM t ORDER BY id) TO '{tmp_path / 'all.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY (SELECT * FROM t ORDER BY id) TO '{tmp_path / 'all.csv'}' (HEADER)")
    con.close()
    return tmp_path, [dict(zip(_NAMES, r, strict=True)) for r in rows]


_CSV_TYPES = "{ id: int, region: string, amount: decimal, day: date, price: float, qty: int, note: string }"

REPORTS = {
    "groups": """
  group region {
    footer { text "{SUM(amount)} {MAX(region)} {AVG(amount)} {FIRST(note)} {LAST(note)}" }
  }
  group qty desc {
    footer { text "{SUM(amount)} {AVG(price)} {COUNT()} {COUNT(note)} {FIRST(id)} {LAST(id)} {MIN(day)}" }
  }
  summary { text "{SUM(amount)} {SUM(price)} {COUNT()}" }""",
    "where and sort": """
  param low: decimal = 10
  where amount >= low and day < date("2024-03-01") and region != "East"
  sort by qty, day desc
  group region { footer { text "{FIRST(id)} {LAST(id)} {SUM(amount)} {MEDIAN(price)}" } }""",
    "text keys": """
  where region >= "E"
  group region { footer { text "{COUNT()} {FIRST(id)}" } }
  summary { text "{MIN(region)} {MAX(region)}" }""",
    "no order": """
  where qty == 3 or price > 5.5
  summary { text "{SUM(amount)} {FIRST(id)} {LAST(id)} {STDDEV(price)} {COUNT_DISTINCT(region)}" }""",
}


def _result(folder, source_line: str, body: str, **kw) -> dict:
    report = reportdsl.compile(f"report r {{\n  {source_line}\n{body}\n}}", filename=str(folder / "r.report"),
                               base_dir=str(folder))
    return report.run(**kw).to_dict()


@pytest.mark.parametrize("name", list(REPORTS))
def test_parquet_gives_what_csv_and_python_values_give(data, name):
    folder, dicts = data
    body = REPORTS[name]
    want = _result(folder, f'source csv "all.csv" {_CSV_TYPES}', body)
    assert _result(folder, 'source parquet "all.parquet"', body) == want
    assert _result(folder, 'source parquet "parts/*.parquet"', body) == want  # the files in name order
    assert _result(folder, f'source csv "all.csv" {_CSV_TYPES}', body, source=dicts) == want
    assert want["row_count"] > 0


def test_schema_comes_from_the_metadata_with_the_report_types(data):
    folder, _ = data
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 1::TINYINT a, 2::UBIGINT b, 3::HUGEINT c, 1.5::FLOAT d, 2.5::DOUBLE e,
        1.25::DECIMAL(38,10) f, 'x' g, DATE '2024-01-02' h, TIMESTAMP '2024-01-02 03:04:05' i,
        TIMESTAMPTZ '2024-01-02 03:04:05+02' j, true k, TIME '10:30:00' l, [1, 2] m, {{'x': 1}} n,
        'ab'::BLOB o) TO '{folder / 'types.parquet'}' (FORMAT parquet)""")
    con.close()
    checked = api.check('report r {\n  source parquet "types.parquet"\n}', base_dir=str(folder))
    assert checked.columns == {  # (DuckDB writes a HUGEINT as a DOUBLE)
        "a": "int", "b": "int", "c": "float", "d": "float", "e": "float",
        "f": "decimal", "g": "string", "h": "date", "i": "datetime", "j": "datetime", "k": "bool",
        "l": "string", "m": "any", "n": "any", "o": "any"}
    # values, exact and typed; a zoned time as its UTC wall time, a TIME as its text
    result = _result(folder, 'source parquet "types.parquet"', """
  summary { text "{SUM(c)} {SUM(f)} {MAX(i)} {MAX(j)} {MAX(l)} {MAX(d)}" }""")
    assert result["totals"] == {"SUM(c)": 3.0, "SUM(f)": Decimal("1.2500000000"), "MAX(i)": "2024-01-02T03:04:05",
                                "MAX(j)": "2024-01-02T01:04:05", "MAX(l)": "10:30:00", "MAX(d)": 1.5}


def test_a_column_of_no_report_type_is_fine_unread_and_named_when_read(data):
    folder, _ = data
    con = duckdb.connect()
    con.execute(f"COPY (SELECT i AS id, [i, i] AS pair FROM range(5) t(i)) TO '{folder / 'l.parquet'}' "
                "(FORMAT parquet)")
    con.close()
    assert _result(folder, 'source parquet "l.parquet"', '  summary { text "{SUM(id)}" }')["totals"] == {
        "SUM(id)": 10}
    with pytest.raises(ReportDataError, match=r"column 'pair' of parquet 'l.parquet' is of type BIGINT\[\], "
                                              "which a report cannot read"):
        _result(folder, 'source parquet "l.parquet"', '  summary { text "{COUNT(pair)}" }')


def _open(folder, body: str, override=None, want_order=True) -> ParquetRows:
    report = reportdsl.compile(f'report r {{\n  source parquet "parts/*.parquet"\n{body}\n}}',
                               filename=str(folder / "r.report"), base_dir=str(folder))
    plan = report.plan
    rows = opening.open_source(plan, override, {"low": Decimal(10)}, columns_read(plan), want_order)
    assert isinstance(rows, ParquetRows)
    return rows


def test_only_the_used_columns_are_read_and_where_and_order_are_pushed(data):
    folder, _ = data
    rows = _open(folder, REPORTS["where and sort"])
    try:
        select_list = rows.sql.split(" FROM ", 1)[0]  # not "note"; a decimal as its text
        assert select_list == 'SELECT CAST("amount" AS VARCHAR), "day", "id", "price", "qty", "region"'
        assert rows.decimal_scales == {"amount": 2}
        assert " WHERE " in rows.sql and "ORDER BY" in rows.sql and rows.ordered
        # ties in the files' order: the source order (§15)
        assert rows.sql.endswith('"_reportdsl_file_index", "_reportdsl_file_row"')
        delivered = [r for chunk in rows.chunks() for r in chunk]
    finally:
        rows.close()
    assert all(Decimal(r[0]) >= 10 and r[1] < dt.date(2024, 3, 1) for r in delivered)
    # group region (a null last: string comparisons stay in the engine), sort by qty, day desc
    keys = [(r[5] is None, r[5] or "", r[4], -r[1].toordinal()) for r in delivered]
    assert keys == sorted(keys)


def test_pushed_where_shows_in_the_rows_read(data):
    folder, _ = data
    report = reportdsl.compile('report r {\n  source parquet "parts/*.parquet"\n  where qty == 2\n'
                               '  group region { footer { text "{COUNT()}" } }\n}',
                               filename=str(folder / "r.report"), base_dir=str(folder))
    sink = ResultSink(report.plan)
    # streamed (pushed down, only the group rows would leave DuckDB: tests/pushdown/)
    stats = run(report.plan, sink, source_text=report.source, pushdown="off")
    assert stats.rows_read == stats.row_count == 100  # the other 500 rows never left DuckDB
    assert stats.ordered_by == "database"
    pushed = run(report.plan, ResultSink(report.plan), source_text=report.source)
    assert pushed.pushdown == "pushed" and pushed.row_count == 100


def test_an_override_of_other_types_is_read_but_not_pushed(data):
    """A report checked against a CSV whose ``amount`` is text: over Parquet's decimals,
    the comparison is the engine's alone."""
    folder, _ = data
    (folder / "text.csv").write_text("amount,qty\nabc,1\n", encoding="utf-8")
    report = reportdsl.compile('report r {\n  source csv "text.csv"\n  where amount >= "5"\n'
                               '  group qty { footer { text "{COUNT()}" } }\n}',
                               filename=str(folder / "r.report"), base_dir=str(folder))
    plan = report.plan
    rows = opening.open_source(plan, f"parquet:{folder / 'all.parquet'}", {}, columns_read(plan), True)
    try:
        assert " WHERE " not in rows.sql and rows.source_types["amount"] == "decimal"
    finally:
        rows.close()


def test_nan_nulls_and_decimals_arrive_exact(tmp_path):
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * FROM (VALUES (1, 'NaN'::DOUBLE, 0.10::DECIMAL(10,2), 'a'),
        (2, 1.5, NULL, 'a'), (3, NULL, 12345678901234567890.123456::DECIMAL(38,6), 'b'),
        (4, 'NaN'::DOUBLE, -0.05, NULL)) v(id, f, d, k)) TO '{tmp_path / 'n.parquet'}' (FORMAT parquet)""")
    con.close()
    result = _result(tmp_path, 'source parquet "n.parquet"', """
  group f { footer { text "{COUNT()}" } }
  summary { text "{SUM(d)} {COUNT(d)} {COUNT(f)} {MAX(f)} {SUM(f)}" }""")
    totals = result["totals"]
    assert totals["SUM(d)"] == Decimal("12345678901234567890.173456") and totals["COUNT(d)"] == 3
    assert totals["COUNT(f)"] == 3 and math.isnan(totals["MAX(f)"]) and math.isnan(totals["SUM(f)"])
    keys = [g["key"] for g in result["groups"]]
    assert keys[0] == 1.5 and math.isnan(keys[1]) and keys[2] is None  # NaN above numbers, null last
    assert [g["row_count"] for g in result["groups"]] == [1, 2, 1]


def test_relative_paths_resolve_against_the_report_folder(data, monkeypatch):
    folder, _ = data
    monkeypatch.chdir("/")
    report = reportdsl.compile_file(_write(folder / "sub" / "r.report",
                                           'source parquet "../parts/p*.parquet"'))
    assert report.run().to_dict()["row_count"] == 600


def _write(path, source_line: str, body: str = '  summary { text "{COUNT()}" }'):
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"report r {{\n  {source_line}\n{body}\n}}\n", encoding="utf-8")
    return path


def test_the_source_can_be_replaced_by_parquet(data):
    folder, _ = data
    report = reportdsl.compile_file(_write(folder / "r.report", f'source csv "all.csv" {_CSV_TYPES}',
                                           '  summary { text "{SUM(amount)}" }'))
    want = report.run().to_dict()
    assert report.run(source=f"parquet:{folder / 'parts' / '*.parquet'}").to_dict() == want
    assert report.run(source=str(folder / "all.parquet")).to_dict() == want


@pytest.mark.parametrize(("location", "message"), [
    ("nothing.parquet", "cannot read parquet 'nothing.parquet': no such file "),
    ("none/*.parquet", "cannot read parquet 'none/\\*.parquet': no file matches "),
    ("bad.parquet", "cannot read parquet 'bad.parquet': "),
])
def test_a_missing_or_unreadable_file_is_an_error_at_the_source(tmp_path, location, message):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is no parquet file at all PAR1")
    with pytest.raises(ReportCheckError, match=message) as err:
        reportdsl.compile(f'report r {{\n  source parquet "{location}"\n}}',
                          filename=str(tmp_path / "r.report"), base_dir=str(tmp_path))
    assert (err.value.line, err.value.column) == (2, 18)


def test_cli_errors_exit_1_without_a_traceback(data):
    folder, _ = data
    (folder / "bad.parquet").write_bytes(b"not parquet")
    path = _write(folder / "r.report", 'source parquet "parts/*.parquet"')
    cli = [sys.executable, "-m", "reportdsl", "build", str(path), "-o", str(folder / "o.json")]
    # a --source is read from the check on: its errors are the report's, naming the option
    for source, message in (("parquet:bad.parquet", "cannot read parquet 'bad.parquet': "),
                            ("parquet:", "'parquet:' needs a path or a glob after it"),
                            ("parquet:gone/*.parquet", "cannot read parquet 'gone/*.parquet': no file")):
        done = subprocess.run([*cli, "--source", source], capture_output=True, text=True, cwd=folder)
        assert done.returncode == 1 and done.stderr.startswith(f"{path}: error: --source: {message}"), done.stderr
        assert "Traceback" not in done.stderr
    done = subprocess.run([*cli, "--source", "parquet:all.parquet", "--quiet"], capture_output=True, text=True,
                          cwd=folder)
    assert done.returncode == 0, done.stderr


def test_without_duckdb_the_error_names_the_extra(data, monkeypatch):
    folder, _ = data
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    with pytest.raises(ReportCheckError, match=r"needs DuckDB, which is not installed "
                                               r"\(pip install 'reportdsl\[parquet\]'\)"):
        reportdsl.compile('report r {\n  source parquet "all.parquet"\n}', filename=str(folder / "r.report"),
                          base_dir=str(folder))


def test_duckdb_spills_to_a_private_folder_removed_after_the_read(data, tmp_path, monkeypatch):
    folder, _ = data
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spill))
    rows = _open(folder, REPORTS["where and sort"])
    try:
        made = [p.name for p in spill.iterdir()]
        assert any(name.startswith("reportdsl-duckdb-") for name in made), made
    finally:
        rows.close()
    assert not any(p.name.startswith("reportdsl-duckdb-") for p in spill.iterdir())


def test_groups_ordered_by_a_total_keep_the_source_order_inside_others(data):
    """The engine sorts such groups itself (merging keys into Others), so the rows must
    come in source order: the order is not pushed."""
    folder, _ = data
    body = """
  group region order by COUNT() desc limit 2 others "Others" {
    footer { text "{COUNT()} {FIRST(id)} {LAST(id)} {FIRST(note)}" }
  }"""
    rows = _open(folder, body)
    try:
        assert "ORDER BY" not in rows.sql and not rows.ordered
    finally:
        rows.close()
    want = _result(folder, f'source csv "all.csv" {_CSV_TYPES}', body)
    assert _result(folder, 'source parquet "parts/*.parquet"', body) == want
    assert want["groups"][-1]["key"] == "Others"
