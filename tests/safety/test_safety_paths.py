"""A report cannot make a build read files outside its folder (issue 20): `image` and
`template` paths that leave it — absolute, `..`, a symbolic link — are refused by
`check` and `build` at the statement, naming the path and where it leads and never
quoting the file, unless the user opts in (`--allow-outside-paths`,
`allow_outside_paths=True`). Names no file system takes are a clear error too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import reportdsl
import reportdsl.api
from reportdsl.errors import ReportCheckError, ReportError
from reportdsl.paths import builtin_template_dir

from ..conftest import FIXTURES

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'
SECRET = "root:x:0:0:secret-content-never-shown"


@pytest.fixture
def layout(tmp_path):
    """tmp/report/ (the report's folder, with data and an SVG), tmp/outside/ (not)."""
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "sales.csv").write_bytes((FIXTURES / "data" / "sales.csv").read_bytes())
    (folder / "inside.svg").write_text(SVG, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "logo.svg").write_text(SVG, encoding="utf-8")
    (outside / "secret.typ.j2").write_text(SECRET + " {{ broken", encoding="utf-8")
    (outside / "passwd").write_text(SECRET + "\n", encoding="utf-8")
    return folder, outside


def report_text(*lines: str) -> str:
    body = "\n".join(f"  {line}" for line in lines)
    return f'report r {{\n  source csv "sales.csv"\n{body}\n  detail {{ column product "Product" = product }}\n}}\n'


def write(folder: Path, *lines: str) -> Path:
    path = folder / "r.report"
    path.write_text(report_text(*lines), encoding="utf-8")
    return path


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def refused(folder: Path, outside: Path, statement: str) -> list[tuple[str, str]]:
    """(what `check` said, what `build` said) for a report with ``statement``."""
    path = write(folder, statement)
    check = cli("check", path, cwd=folder)
    build = cli("build", path, "-o", folder / "out.pdf", cwd=folder)
    assert check.returncode == 1 and build.returncode == 1
    assert not (folder / "out.pdf").exists()
    for proc in (check, build):
        assert "Traceback" not in proc.stderr and SECRET not in proc.stderr and "secret-content" not in proc.stderr
    return [(check.stderr, build.stderr)]


@pytest.mark.parametrize("statement, shown, where", [
    ('title { image "../outside/logo.svg" }', "image '../outside/logo.svg'", "leads to"),
    ('title { image "ABS/logo.svg" }', "image 'ABS/logo.svg'", "an absolute path"),
    ('title { image "link.svg" }', "image 'link.svg'", "through a symbolic link"),
    ('template "ABS/passwd"', "template 'ABS/passwd'", "an absolute path"),
    ('template "/etc/passwd"', "template '/etc/passwd'", "an absolute path"),
    ('template "../outside/secret.typ.j2"', "template '../outside/secret.typ.j2'", "leads to"),
    ('template "link.typ.j2"', "template 'link.typ.j2'", "through a symbolic link"),
])
def test_a_path_out_of_the_folder_is_refused_by_check_and_build(layout, statement, shown, where):
    folder, outside = layout
    (folder / "link.svg").symlink_to(outside / "logo.svg")
    (folder / "link.typ.j2").symlink_to(outside / "secret.typ.j2")
    statement = statement.replace("ABS", str(outside))
    shown = shown.replace("ABS", str(outside))
    [(check, build)] = refused(folder, outside, statement)
    line = 3  # the statement's line in report_text
    col = 3 + (statement.index("image") if "image" in statement else statement.index('"'))
    for err in (check, build):
        assert err.startswith(f"{folder / 'r.report'}:{line}:{col}: error: {shown} is outside the report's folder")
        assert where in err and "--allow-outside-paths" in err
        assert f"   {line} |   {statement}" in err  # the source line and a caret
        assert "^" in err.splitlines()[2]


def test_the_api_refuses_too_and_says_where(layout):
    folder, outside = layout
    text = report_text(f'title {{ image "{outside / "logo.svg"}" }}')
    with pytest.raises(ReportCheckError) as caught:
        reportdsl.compile(text, filename=str(folder / "r.report"))
    err = caught.value
    assert (err.line, err.column) == (3, 11) and "outside the report's folder" in err.message
    with pytest.raises(ReportCheckError):
        reportdsl.api.check(text, filename=str(folder / "r.report"))


def test_opting_in_embeds_the_outside_image(layout):
    folder, outside = layout
    path = write(folder, f'title {{ image "{outside / "logo.svg"}" }}', 'page_header { image "../outside/logo.svg" }')
    assert cli("check", "--allow-outside-paths", path, cwd=folder).returncode == 0
    proc = cli("build", "--allow-outside-paths", path, "-o", folder / "out.typ", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "assets/" in (folder / "out.typ").read_text(encoding="utf-8")
    report = reportdsl.compile_file(path, allow_outside_paths=True)
    assert report.render(format="pdf").startswith(b"%PDF")


def test_opting_in_through_the_api(layout):
    folder, outside = layout
    text = report_text(f'title {{ image "{outside / "logo.svg"}" }}')
    report = reportdsl.compile(text, filename=str(folder / "r.report"), allow_outside_paths=True)
    assert report.render(format="typ").count(b"assets/") == 1


def test_paths_inside_the_folder_and_the_shipped_templates_need_no_opt_in(layout):
    folder, outside = layout
    (folder / "sub").mkdir()
    (folder / "sub" / "t.typ.j2").write_text('{% extends "builtin/report.typ.j2" %}\n', encoding="utf-8")
    shipped = builtin_template_dir() / "report.typ.j2"
    for statement in ('title { image "inside.svg" }', 'title { image "sub/../inside.svg" }',
                      'template "sub/t.typ.j2"', f'template "{shipped}"', 'template "report"'):
        path = write(folder, statement)
        assert reportdsl.compile_file(path).render(format="pdf").startswith(b"%PDF"), statement


def test_a_template_that_includes_a_file_through_a_link_out_is_refused(layout):
    folder, outside = layout
    (folder / "part.typ.j2").symlink_to(outside / "passwd")
    (folder / "mine.typ.j2").write_text('{% extends "builtin/report.typ.j2" %}\n'
                                        '{% block settings %}{{ super() }}{% include "part.typ.j2" %}{% endblock %}\n',
                                        encoding="utf-8")
    path = write(folder, 'template "mine.typ.j2"')
    proc = cli("build", path, "-o", folder / "out.pdf", cwd=folder)
    assert proc.returncode == 1
    assert "part.typ.j2" in proc.stderr and "outside the report's folder" in proc.stderr
    assert SECRET not in proc.stderr and "Traceback" not in proc.stderr
    assert not (folder / "out.pdf").exists()
    proc = cli("build", "--allow-outside-paths", path, "-o", folder / "out.typ", cwd=folder)
    assert proc.returncode == 0 and SECRET in (folder / "out.typ").read_text(encoding="utf-8")


def test_the_renderer_refuses_a_plan_that_did_not_come_through_check(layout):
    from reportdsl.api import Report

    folder, outside = layout
    report = reportdsl.compile(report_text('title { image "inside.svg" }'), filename=str(folder / "r.report"))
    title = report.plan.title_band
    assert title is not None
    image = title.elements[0].model_copy(update={"path": "../outside/logo.svg"})
    moved = title.model_copy(update={"elements": [image]})
    plan = report.plan.model_copy(update={"title_band": moved})
    with pytest.raises(ReportError, match="image '../outside/logo.svg' is outside the report's folder"):
        Report(plan, report.source).render(format="typ")
    with pytest.raises(ReportError, match="template '/etc/passwd' is outside the report's folder"):
        Report(plan.model_copy(update={"template": "/etc/passwd", "title_band": title}), report.source).render()


@pytest.mark.parametrize("statement", [
    'title { image "NAME.svg" }', 'template "NAME.typ.j2"', 'title { image "sub/NAME/x.svg" }',
])
def test_a_name_too_long_for_a_file_system_is_a_clear_error(layout, statement):
    folder, _ = layout
    path = write(folder, statement.replace("NAME", "n" * 300))
    for command in ("check", "build"):
        proc = cli(command, path, cwd=folder)
        assert proc.returncode == 1
        assert "too long" in proc.stderr and "255" in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stderr.startswith(f"{path}:3:")


@pytest.mark.parametrize("statement, message", [
    ('template "missing.typ.j2"', "template 'missing.typ.j2' not found"),
    ('template "fancy"', "unknown template 'fancy'; built-in templates: business, business-striped, report"),
    ('template "busines"', "unknown template 'busines' (did you mean 'business'?); built-in templates: "),
    ('title { image "missing.svg" }', "image 'missing.svg' not found"),
])
def test_a_missing_template_or_image_is_a_check_error_at_its_statement(layout, statement, message):
    folder, _ = layout
    path = write(folder, statement)
    proc = cli("check", path, cwd=folder)
    assert proc.returncode == 1
    col = 3 + (statement.index("image") if "image" in statement else statement.index('"'))
    assert proc.stderr.startswith(f"{path}:3:{col}: error: {message}")
    assert "\n   3 |   " + statement in proc.stderr
