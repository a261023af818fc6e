"""Babel's locale data kept between processes (``reportdsl/render/locale_cache.py``):
the second process loads the merged data instead of Babel's files, prints the same
texts, and anything amiss is a miss."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Each run is a fresh process: Babel's own cache lives as long as the process does.
PROGRAM = """
import sys, tempfile
tempfile.tempdir = sys.argv[1]
from decimal import Decimal
from babel import localedata
from reportdsl.plan.models import Format
from reportdsl.render.formatting.formats import ValueFormatter
formatter = ValueFormatter(sys.argv[2], "EUR")
amount = formatter.formatter(Format.model_construct(name="currency", args=[]))
day = formatter.formatter(Format.model_construct(name="date", args=["long"]))
import datetime
print(amount(Decimal("-1234567.891")), "|", day(datetime.date(2024, 3, 5)), "|", sorted(localedata._cache))
"""


def run(tmp_path, locale: str = "de_DE", **env: str) -> tuple[str, list[str]]:
    environment = {k: v for k, v in os.environ.items() if k != "REPORTDSL_NO_LOCALE_CACHE"} | env
    out = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path), locale], capture_output=True, text=True,
                         env=environment)
    assert out.returncode == 0, out.stderr
    amount, day, loaded = out.stdout.rsplit("|", 2)
    return f"{amount.strip()} | {day.strip()}", eval(loaded)  # noqa: S307 - our own list literal


def cached_files(tmp_path):
    return list((tmp_path / f"reportdsl-cache-{os.getuid()}").glob("locale-*.pickle"))


def test_the_second_build_loads_the_merged_data_and_prints_the_same(tmp_path):
    first, loaded_first = run(tmp_path)
    assert first == "-1.234.567,89\xa0€ | 5. März 2024"
    assert {"root", "de", "de_DE"} <= set(loaded_first)  # Babel merged its files
    assert len(cached_files(tmp_path)) == 1
    second, loaded_second = run(tmp_path)
    assert second == first
    assert "root" not in loaded_second and "de_DE" in loaded_second  # one file, no merging


def test_a_broken_file_is_a_miss(tmp_path):
    run(tmp_path)
    (entry,) = cached_files(tmp_path)
    entry.write_bytes(b"not a pickle")
    text, loaded = run(tmp_path)
    assert text == "-1.234.567,89\xa0€ | 5. März 2024" and "root" in loaded


def test_each_locale_has_its_own_file_and_the_cache_can_be_turned_off(tmp_path):
    assert run(tmp_path, "en_US")[0] == "-€1,234,567.89 | March 5, 2024"
    run(tmp_path, "de_DE")
    assert len(cached_files(tmp_path)) == 2
    off = tmp_path / "off"
    off.mkdir()
    assert run(off, "fr_FR", REPORTDSL_NO_LOCALE_CACHE="1")[0] == "-1\u202f234\u202f567,89\xa0€ | 5 mars 2024"
    assert not cached_files(off)


def test_an_unknown_locale_is_still_the_report_error():
    from reportdsl.render.errors import ReportFormatError
    from reportdsl.render.formatting.formats import ValueFormatter

    with pytest.raises(ReportFormatError, match="unknown locale 'xx_YY'"):
        ValueFormatter("xx_YY")
