"""Errors that neither lie nor crash (issue 20): every one is `file:line:col: error: …`,
the source line as written, a caret, exit status 1, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import reportdsl
from reportdsl.errors import ReportCheckError, ReportSyntaxError

from ..conftest import FIXTURES

DATA = FIXTURES / "data" / "sales.csv"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cli(*args, cwd, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")} | (env or {})
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=environment)


def assert_compiler_error(stderr: str, path, line: int, col: int, source_line: str) -> list[str]:
    lines = ANSI.sub("", stderr).splitlines()
    assert lines[0].startswith(f"{path}:{line}:{col}: error: "), stderr
    assert lines[1] == f"   {line} | {source_line}", stderr
    assert lines[2].startswith(f"   {' ' * len(str(line))} | {' ' * (col - 1)}^"), stderr
    assert "Traceback" not in stderr
    return lines


# ---- a byte-order mark ---------------------------------------------------------------------


def test_a_report_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.report"
    path.write_bytes(b"\xef\xbb\xbf" + f'report r {{\n  source csv "{DATA}"\n'
                     '  detail { column product "Product" = product }\n}\n'.encode())
    assert cli("check", path, cwd=tmp_path).returncode == 0
    proc = cli("build", path, "-o", tmp_path / "r.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert reportdsl.compile_file(path).plan.name == "r"
    assert reportdsl.compile("\ufeffreport r {}").plan.name == "r"


def test_columns_on_a_byte_order_marked_first_line_are_not_shifted(tmp_path):
    path = tmp_path / "bom.report"
    path.write_bytes(b"\xef\xbb\xbfreport r { wrong }\n")
    proc = cli("check", path, cwd=tmp_path)
    assert proc.returncode == 1
    assert_compiler_error(proc.stderr, path, 1, 12, "report r { wrong }")


# ---- what rich would make of the text ------------------------------------------------------


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_the_quoted_source_line_is_literal_no_emoji_no_markup(tmp_path, terminal):
    path = tmp_path / "[bold]odd:x:.report"
    line = '  summary { text "{:x:} [red]:thumbs_up:[/red]" }'
    path.write_text(f"report r {{\n{line}\n}}\n", encoding="utf-8")
    proc = cli("check", path.name, cwd=tmp_path, env={"FORCE_COLOR": "1"} if terminal else {})
    assert proc.returncode == 1
    lines = assert_compiler_error(proc.stderr, path.name, 2, 20, line)
    assert "❌" not in proc.stderr and "👍" not in proc.stderr
    assert lines[0].startswith("[bold]odd:x:.report:2:20: error: ")
    if terminal:
        assert "\x1b[" in proc.stderr  # the colour is there, the text unchanged


def test_warnings_are_literal_too(tmp_path):
    from reportdsl.cli import _stderr

    console = _stderr()
    with console.capture() as captured:
        console.print("warning: :x: [bold]x[/bold]")
    assert captured.get() == "warning: :x: [bold]x[/bold]\n"


# ---- escapes inside a text template's {…} ---------------------------------------------------


@pytest.mark.parametrize("template, col, caret", [
    (r'"{upper(\"a\\q\")}"', 29, 3),  # \\ in the file is the hole's \ : '\q' inside the hole
    (r'"x {lower(\"\\z\" + \"b\")} y"', 30, 3),
    ('"""{upper("a\\q")}"""', 30, 2),  # triple quotes: the hole's text is the file's
])
def test_an_escape_error_inside_a_hole_points_at_it(tmp_path, template, col, caret):
    source_line = f"  summary {{ text {template} }}"
    path = tmp_path / "esc.report"
    path.write_text(f"report r {{\n{source_line}\n}}\n", encoding="utf-8")
    proc = cli("check", path, cwd=tmp_path)
    assert proc.returncode == 1
    lines = assert_compiler_error(proc.stderr, path, 2, col, source_line)
    assert "unknown escape" in lines[0]
    assert lines[2].endswith(" " * (col - 1) + "^" * caret)
    with pytest.raises(ReportSyntaxError) as caught:
        reportdsl.compile(path.read_text(encoding="utf-8"))
    assert (caught.value.line, caught.value.column) == (2, col)


# ---- block comments on lines of their own --------------------------------------------------


@pytest.mark.parametrize("text", [
    "\n/* b */\nreport x {}",
    "/* a */\n/* b */\n\nreport x {}\n/* c */\n",
    "report x {\n  /* a */\n  title \"t\" /* b */\n  /* c\n     d */\n  summary { text \"x\" }\n  /* e */ // f\n}",
    "report x {\n  group g {\n    /* a */\n    footer { text \"{COUNT()}\" }\n    /* b */\n  }\n}",
    "report x {\n  detail {\n    /* a */ column a \"A\" = a\n    /* b */\n  }\n}",
])
def test_block_comments_stand_where_white_space_may(text):
    assert reportdsl.api.parse(text).name.name == "x"


def test_lines_after_block_comments_keep_their_numbers(tmp_path):
    path = tmp_path / "c.report"
    path.write_text("report x {\n  /* one\n     two */\n  /* three */\n  max_groups 0\n}\n", encoding="utf-8")
    with pytest.raises(ReportCheckError) as caught:
        reportdsl.compile(path.read_text(encoding="utf-8"))
    assert (caught.value.line, caught.value.column) == (5, 14)


# ---- a bare column or field outside detail -------------------------------------------------


@pytest.mark.parametrize("name, source_line", [
    ("id", '  summary { text "Invoice {id}" }'),
    ("customer_name", '  title { text "{customer_name}" }'),
    ("product", '  page_header { text "{product}" }'),
    ("product", '  group region { footer { text "{region} {product}" } }'),
    ("net", '  summary { text "{net}" }'),
    ("id", '  no_data { text "{id}" }'),
])
def test_a_bare_column_outside_detail_is_a_check_error_not_a_build_failure(tmp_path, name, source_line):
    col = source_line.index("{" + name) + 2
    path = tmp_path / "bare.report"
    path.write_text(f'report r {{\n  source csv "{DATA}"\n  field net = quantity * unit_price\n{source_line}\n'
                    '  detail { column product "Product" = product }\n}\n', encoding="utf-8")
    for command in (("check", path), ("build", path, "-o", tmp_path / "out.pdf")):
        proc = cli(*command, cwd=tmp_path)
        assert proc.returncode == 1
        lines = assert_compiler_error(proc.stderr, path, 4, col, source_line)
        assert "one value a row" in lines[0] and "FIRST(" in lines[0] and "LAST(" in lines[0]
        assert "group by it" in lines[0]
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.parametrize("band", [
    'summary { text "{FIRST(id)} {SUM(quantity * unit_price)} {COUNT(customer_name)} {title}" }',
    'group region { header { text "{region} {LAST(product)}" } }',
    'group region { header { text "{region}" } }\n  group product { footer { text "{region} {product}" } }',
    'group r = upper(region) { header { text "{r}" } }',
    'page_footer { text "{page} of {pages}" }',
])
def test_names_that_have_one_value_there_pass(band):
    text = f'report r {{\n  title "T"\n  source csv "{DATA}"\n  {band}\n  detail {{ column id "Id" = id }}\n}}\n'
    reportdsl.compile(text)


# ---- a name too long, a template that is not there: see test_safety_paths.py --------------


# ---- source locations the OS or SQLAlchemy would refuse with a traceback --------------------


@pytest.mark.parametrize(("location", "message"), [
    ("x\\u0000y.csv", "a source path or URL cannot contain a NUL character"),
    ("postgresql+psycopg://u@localhost:abc/db", "is not a valid database URL: its port is not a number"),
])
def test_a_source_location_that_cannot_be_opened_is_an_error_at_it(tmp_path, location, message):
    kind, form = ("sql", " table t") if "://" in location else ("csv", "")
    text = f'report r {{\n  source {kind} "{location}"{form}\n  summary {{ text "{{COUNT()}}" }}\n}}\n'
    path = tmp_path / "r.report"
    path.write_text(text.replace("\\u0000", "\x00"), encoding="utf-8")
    for command in ("check", "build"):
        done = cli(command, path.name, cwd=tmp_path)
        assert done.returncode == 1
        lines = assert_compiler_error(done.stderr, path.name, 2, 14 + len(kind) - 3,
                                      text.splitlines()[1].replace("\\u0000", "\x00"))
        assert message in lines[0]
