"""A non-editable install finds its grammar and templates (CONTRACT.md §5).

Built as a wheel into a temporary folder and run from elsewhere, so that neither
the source tree nor an editable install can stand in for the packaged files.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import EXAMPLES, ROOT


def test_wheel_ships_the_grammar_and_checks_from_another_folder(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if build.returncode != 0:  # no hatchling in this environment: build it isolated
        build = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
            capture_output=True, text=True,
        )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("reportdsl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "reportdsl/grammars/report.lark" in names
    assert "reportdsl/templates/report.typ.j2" in names
    assert "reportdsl/preview/static/preview.js" in names  # the page of `reportdsl watch`

    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import reportdsl; "
        "assert reportdsl.__file__.startswith(sys.argv[1]), reportdsl.__file__; "
        "r = reportdsl.compile_file(sys.argv[2]); print(r.plan.name)"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", code, str(target), str(EXAMPLES / "sales_by_region.report")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "sales_by_region"
