"""Long and deep expressions, and names that look internal (issue 20): a 400-term `or`
or a 300-term sum builds (on files and pushed into SQLite's WHERE), an expression too
deep for Python's own limits is a compiler-style error at its position, and a parameter
named like the values the report binds itself keeps its value."""

from __future__ import annotations

import sqlite3

import reportdsl

from .test_safety_errors import DATA, assert_compiler_error, cli

QUANTITIES = [int(line.split(",")[5]) for line in DATA.read_text(encoding="utf-8").splitlines()[1:]]


def _db(tmp_path):
    path = tmp_path / "t.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (n INTEGER, s TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" if i % 2 else "y") for i in range(1000)])
    con.commit()
    con.close()
    return path


def test_a_400_term_or_runs_in_the_engine_and_in_sqlite(tmp_path):
    wanted = set(range(0, 800, 2))
    chain = " or ".join(f"n == {i}" for i in sorted(wanted))
    for source in (f'source sql "sqlite:///{_db(tmp_path)}" table t', ):
        report = reportdsl.compile(f'report r {{\n  {source}\n  where {chain}\n  summary {{ text "{{COUNT()}}" }}\n}}',
                                   filename=str(tmp_path / "r.report"))
        assert report.run().totals == {"COUNT()": len(wanted)}
    rows = [{"n": i} for i in range(1000)]
    report = reportdsl.compile(f'report r {{\n  where {chain} or n < 0\n  summary {{ text "{{COUNT()}}" }}\n}}')
    assert report.run(source=rows).totals == {"COUNT()": len(wanted)}


def test_a_300_term_sum_and_a_long_text_join_build(tmp_path):
    total = " + ".join("quantity" for _ in range(300))
    text = " + ".join('"a"' for _ in range(250))
    report = reportdsl.compile(
        f'report r {{\n  source csv "{DATA}" {{ quantity: int }}\n  field t = {total}\n  field j = {text} + product\n'
        f'  summary {{ text "{{SUM(t)}} {{MAX(len(j))}}" }}\n}}', filename=str(tmp_path / "r.report"))
    assert report.run().totals == {"SUM(t)": 300 * sum(QUANTITIES), "MAX(len(j))": 250 + 6}


def test_an_expression_too_deep_for_python_is_an_error_at_its_position(tmp_path):
    deep = "abs(" * 150 + "quantity" + ")" * 150
    path = tmp_path / "deep.report"
    path.write_text(f'report r {{\n  source csv "{DATA}"\n  field t = {deep}\n  summary {{ text "{{SUM(t)}}" }}\n}}\n')
    # check says what build would: check must catch what every build rejects
    for command in (("check", path.name), ("build", path.name, "--format", "json", "-o", "-")):
        done = cli(*command, cwd=tmp_path)
        assert done.returncode == 1, command
        lines = assert_compiler_error(done.stderr, path.name, 3, 13, f"  field t = {deep}")
        assert "nested too deeply (151 levels)" in lines[0]


def test_a_parameter_named_like_an_internal_bind_keeps_its_value(tmp_path):
    db = _db(tmp_path)
    report = reportdsl.compile(
        f'report r {{\n  param _rdsl_w0: int = 990\n'
        f'  source sql "sqlite:///{db}" query "SELECT * FROM t WHERE n >= :_rdsl_w0"\n'
        f'  where s == "y"\n  summary {{ text "{{COUNT()}} {{MIN(n)}}" }}\n}}', filename=str(tmp_path / "r.report"))
    # rows 990..999 of which the even ones have s == "y"
    assert report.run().totals == {"COUNT()": 5, "MIN(n)": 990}


def test_decimals_with_huge_exponents_neither_crash_nor_print_a_million_digits(tmp_path):
    import csv
    import io

    import openpyxl

    (tmp_path / "big.csv").write_text("a,b\n1,12e999999\n2,3\n", encoding="utf-8")
    path = tmp_path / "big.report"
    path.write_text('report b {\n  source csv "big.csv" { b: decimal }\n  param p: decimal = 1\n'
                    '  detail {\n    column b "B" = b | number(2)\n    column c "C" = b * 2\n  }\n'
                    '  summary { text "{SUM(b) | number} {p} {12e999999 + 1}" }\n}\n', encoding="utf-8")
    done = cli("build", path.name, "--format", "json", "-o", "-", "--param", "p=12e999999", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"p": 1.2E+1000000' in done.stdout and '"SUM(b)": 1.2000' in done.stdout
    typ = cli("build", path.name, "--format", "typ", "-o", "-", cwd=tmp_path)
    assert typ.returncode == 0 and "E+1000000" in typ.stdout and len(typ.stdout) < 100_000
    rows = list(csv.reader(io.StringIO(cli("build", path.name, "--format", "csv", "-o", "-", cwd=tmp_path).stdout)))
    assert rows == [["B", "C"], ["1.2E+1000000", "2.4E+1000000"], ["3", "6"]]
    assert cli("build", path.name, "-o", "big.xlsx", cwd=tmp_path).returncode == 0
    sheet = openpyxl.load_workbook(tmp_path / "big.xlsx").active
    assert [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))] == ["1.2E+1000000", "2.4E+1000000"]


def test_a_csv_truncated_while_it_is_read_fails_instead_of_giving_part_of_its_rows(tmp_path):
    from reportdsl.errors import ReportDataError
    from reportdsl.sources.file_streams import CsvRows

    path = tmp_path / "big.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(200_000)), encoding="utf-8")
    rows = CsvRows(str(path), "big.csv")
    chunks = rows.chunks()
    first = next(chunks)
    with open(path, "r+b") as f:  # another program cuts the file short
        f.truncate(path.stat().st_size // 2)
    try:
        read = len(first) + sum(len(c) for c in chunks)
    except ReportDataError as err:
        assert "shrank" in str(err) and "big.csv" in str(err)
    else:
        raise AssertionError(f"read {read} rows of a truncated file without an error")


def test_a_skipped_rows_error_does_not_read_like_a_position_in_the_data(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,c\n1,x,2024-01-01\n2,3,oops\n", encoding="utf-8")
    report = reportdsl.compile('report b {\n  // a comment\n  source csv "bad.csv" { b: int, c: string }\n'
                               '  on_error skip\n  field d = date(c)\n  summary { text "{SUM(b)} {COUNT(d)}" }\n}',
                               filename=str(tmp_path / "b.report"))
    # the data's fault names the value; an expression's fault names its place in the report
    assert [e["message"] for e in report.run().to_dict()["errors"]] == [
        "column 'b' holds 'x', which is not an integer",
        "'oops' is not a date (YYYY-MM-DD) (report line 5, column 13)"]


def test_limits_a_report_of_over_a_million_characters_and_a_row_of_over_100k(tmp_path):
    from reportdsl.errors import ReportDataError, ReportSyntaxError

    huge = "report h {\n" + "".join(f"  field f{i} = {i}\n" for i in range(70_000)) + "}\n"
    try:
        reportdsl.compile(huge, filename="h.report")
    except ReportSyntaxError as err:
        assert "a report may have at most 1,000,000" in str(err) and err.line == 1
    else:
        raise AssertionError("a report of over a million characters compiled")
    (tmp_path / "long.csv").write_text("a,b\n1," + "x" * 120_000 + "\n2,y\n", encoding="utf-8")
    report = reportdsl.compile('report l {\n  source csv "long.csv"\n  detail { column b "B" = b }\n}',
                               filename=str(tmp_path / "l.report"))
    try:
        report.render(format="pdf")
    except ReportDataError as err:
        assert "detail row 1 has 120,0" in str(err) and "at most 100,000" in str(err)
    else:
        raise AssertionError("a 120,000-character cell was laid out")
    fine = reportdsl.compile('report l {\n  source csv "long.csv"\n  detail { column b "B" = left(b, 1000) }\n}',
                             filename=str(tmp_path / "l.report"))
    assert fine.render(format="pdf").startswith(b"%PDF")


def test_a_string_literal_of_over_100k_characters_is_an_error_at_its_quote(tmp_path):
    """A literal may be as long as a printed value, no longer: a 900,000-character text
    used to check (5 s, 160 MB) and then take Typst 10 s to lay out."""
    import time

    from reportdsl.errors import ReportSyntaxError

    for size, ok in ((100_000, True), (900_000, False)):
        text = f'report l {{\n  summary {{ text "{"a" * size}" }}\n}}\n'
        started = time.perf_counter()
        try:
            reportdsl.compile(text, filename="l.report")
        except ReportSyntaxError as err:
            assert not ok and (err.line, err.column) == (2, 18)
            assert f"this string has {size:,} characters; a string may have at most 100,000" in err.message
            assert time.perf_counter() - started < 2
        else:
            assert ok, f"a literal of {size:,} characters was accepted"


def test_an_int_parameter_given_a_huge_exponent_is_refused_at_once(tmp_path):
    # found by the fuzzer: int(Decimal("12e999999")) builds a million-digit int for minutes
    from reportdsl.engine.conversions import coerce_int
    from reportdsl.errors import ReportCheckError

    try:
        reportdsl.compile('report p {\n  param x: int = 12e999999\n}', filename="p.report")
    except ReportCheckError as err:
        assert err.line == 2 and "default of parameter 'x'" in str(err)
    else:
        raise AssertionError("an int default of 12e999999 was accepted")
    from decimal import Decimal

    import pytest

    with pytest.raises(ValueError):
        coerce_int(Decimal("12e999999"))
    assert coerce_int(Decimal("12e3")) == 12000


def test_text_past_excels_cell_limit_is_cut_visibly(tmp_path):
    import openpyxl

    (tmp_path / "l.csv").write_text("a,b\n1," + "x" * 40_000 + "\n2,short\n", encoding="utf-8")
    (tmp_path / "l.report").write_text('report l {\n  source csv "l.csv"\n  detail { column b "B" = b }\n}\n',
                                       encoding="utf-8")
    assert cli("build", "l.report", "-o", "l.xlsx", cwd=tmp_path).returncode == 0
    cells = [c.value for c in openpyxl.load_workbook(tmp_path / "l.xlsx").active["A"]]
    assert len(cells[1]) == 32_767 and cells[1].endswith("x\u2026")  # Excel's limit, and a sign of the cut
    assert cells[2] == "short"
