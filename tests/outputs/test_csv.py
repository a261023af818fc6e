"""CSV output: the detail table, raw values that read back exactly, RFC 4180 quoting,
UTF-8 with an optional BOM; read back with the csv module and compared with the run's
detail rows and JSON result."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from reportdsl.errors import ReportDataError, ReportError
from reportdsl.outputs import write_csv
from tests.outputs.support import build, compile_text, read_csv

REPORT = r'''report t {
  title "CSV test"
  group g {
    header { text "Group {g}" }
    footer { row { v: SUM(n) } }
  }
  detail {
    column v     "Value, raw" = v | currency
    column n     "N"          = n | number(2)
    column label "Label \"quoted\"" = s | upper
  }
  summary { row { v: SUM(n) } }
}'''

VALUES = [0.1 + 0.2, 1 / 3, 1e-300, 1.7976931348623157e308, -0.0, 5e-324, float("nan"), float("inf"),
          float("-inf"), 2**70 + 1, -7, Decimal("1.50"), Decimal("1E+3"), Decimal("0E-7"),
          Decimal("123456789012345678901234567890.123456789"), Decimal("-0.000001"), True, False, None,
          dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.datetime(2024, 5, 6, 7, 8, 9, 123456),
          dt.datetime(2024, 5, 6, 7, 8, tzinfo=dt.timezone(dt.timedelta(hours=2))),
          "plain", "comma, inside", 'quote " inside', "line\nbreak", "cr\r\nlf", "=1+1", "  spaced  ",
          "ünïcödé 東京", ""]


def _report():
    return compile_text(REPORT)


def test_values_read_back_exactly(tmp_path):
    data = [{"g": "a", "v": v, "n": i, "s": f"s{i}"} for i, v in enumerate(VALUES)]
    built = build(_report(), tmp_path / "v.csv", source=data)
    rows = read_csv(built.path)
    assert rows[0] == ["Value, raw", "N", 'Label "quoted"']
    got = [r[0] for r in rows[1:]]
    assert len(got) == len(VALUES) == built.result["row_count"]
    for text, value in zip(got, VALUES, strict=True):
        if isinstance(value, bool):
            assert text == ("true" if value else "false")
        elif isinstance(value, float):
            back = float(text)
            assert (back != back and value != value) or (back == value and str(back) == str(value)), text
        elif isinstance(value, Decimal):
            assert Decimal(text) == value and "E" not in text
        elif isinstance(value, (dt.date, dt.datetime)):
            assert text == value.isoformat()
            assert type(value).fromisoformat(text) == value
        elif value is None:
            assert text == ""
        else:
            assert text == str(value)
    assert got[6:9] == ["NaN", "Infinity", "-Infinity"]
    assert got[11:14] == ["1.50", "1000", "0.0000000"]
    # raw values: no format applied (upper, number(2), currency)
    assert [r[1] for r in rows[1:4]] == ["0", "1", "2"] and rows[1][2] == "s0"


def test_detail_rows_only_and_rfc4180(tmp_path):
    data = [{"g": g, "v": v, "n": 1, "s": "x"} for g, v in (("a", "x,y"), ("b", 'q"q'), ("b", "n\nl"))]
    built = build(_report(), tmp_path / "d.csv", source=data)
    raw = built.path.read_bytes()
    assert raw.startswith(b"\"Value, raw\",N,\"Label \"\"quoted\"\"\"\r\n")  # no BOM, CRLF, quoting
    assert raw.endswith(b"\r\n") and raw.count(b"\r\n") == 4  # header + 3 rows, no group or summary lines
    assert b'"q""q"' in raw and b'"n\nl"' in raw
    assert [r[0] for r in read_csv(built.path)[1:]] == ["x,y", 'q"q', "n\nl"]
    assert [list(e[1]) for e in built.events if e[0] == "detail"] == [
        ["x,y", 1, "x"], ['q"q', 1, "x"], ["n\nl", 1, "x"]]


def test_bom_on_request(tmp_path):
    report = _report()
    data = [{"g": "a", "v": "ä", "n": 1, "s": "x"}]
    build(report, tmp_path / "bom.csv", source=data, bom=True)
    raw = (tmp_path / "bom.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\"Value, raw\"")
    assert raw.decode("utf-8-sig").splitlines()[1] == "ä,1,x"


def test_report_without_detail_is_an_error(tmp_path):
    report = compile_text("""report t {
  summary { text "{COUNT()}" }
}""")
    with pytest.raises(ReportError, match="no table") as err:
        write_csv(report.plan, None, [{"x": 1}], tmp_path / "x.csv", source_text=report.source)
    assert str(err.value).startswith(
        "test.report: error: report 't' has no table to write as CSV: it has no `detail` band and no `columns` block")
    assert not (tmp_path / "x.csv").exists()


def test_streams(tmp_path):
    report = _report()
    data = [{"g": "a", "v": 1.5, "n": 2, "s": "x"}]
    out = io.BytesIO()
    write_csv(report.plan, None, data, out, source_text=report.source)
    assert out.getvalue() == b"\"Value, raw\",N,\"Label \"\"quoted\"\"\"\r\n1.5,2,x\r\n"
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8")  # like sys.stdout: written through its buffer
    write_csv(report.plan, None, data, text, source_text=report.source)
    assert not text.closed and buffer.getvalue().endswith(b"1.5,2,x\r\n")


def test_failed_build_leaves_the_previous_file(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("previous", encoding="utf-8")
    report = compile_text("""report t {
  field bad = s * 2
  detail { column v "V" = bad }
}""")
    with pytest.raises(ReportDataError):
        write_csv(report.plan, None, [{"s": 1}] * 5 + [{"s": "abc"}], out, source_text=report.source)
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
