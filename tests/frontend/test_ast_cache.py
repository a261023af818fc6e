"""The AST cache (``reportdsl/syntax/ast_cache.py``): a text parsed before is loaded,
not parsed — without importing Lark — and anything amiss is a miss, never an error."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reportdsl.syntax import ast_cache, parse

TEXT = """
report cached {
  source csv "data.csv"
  group region { footer { text "{region}: {SUM(amount) | number(2)}" } }
}
"""


@pytest.fixture
def cache_root(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("REPORTDSL_NO_AST_CACHE", raising=False)
    return tmp_path / f"reportdsl-cache-{os.getuid()}"


def test_a_parsed_text_is_loaded_the_next_time(cache_root):
    tree = parse(TEXT, "a.report")
    assert ast_cache.load(TEXT) == tree
    assert ast_cache.load(TEXT.replace("region", "country")) is None
    assert oct(cache_root.stat().st_mode & 0o777) == "0o700"


def test_a_hit_does_not_import_lark(cache_root, tmp_path):
    parse(TEXT, "a.report")
    code = ("import sys, tempfile; tempfile.tempdir = sys.argv[1]\n"
            "from reportdsl.syntax import parse\n"
            f"tree = parse({TEXT!r})\n"
            "print(tree.name.name, 'lark' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["cached", "False"]


def test_a_broken_cache_file_is_parsed_again(cache_root):
    tree = parse(TEXT, "a.report")
    (entry,) = cache_root.glob("ast-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert ast_cache.load(TEXT) is None
    assert parse(TEXT, "a.report") == tree  # and stored again
    assert ast_cache.load(TEXT) == tree


def test_a_folder_others_can_write_is_not_used(cache_root):
    cache_root.mkdir(mode=0o777)
    os.chmod(cache_root, 0o777)
    parse(TEXT, "a.report")
    assert ast_cache.load(TEXT) is None and not list(cache_root.iterdir())


def test_syntax_errors_are_not_cached(cache_root):
    from reportdsl.errors import ReportSyntaxError

    bad = TEXT.replace("group region {", "group region")
    for _ in range(2):
        with pytest.raises(ReportSyntaxError):
            parse(bad, "bad.report")
    assert not list(cache_root.glob("ast-*.pickle"))


def test_the_cache_can_be_turned_off(cache_root, monkeypatch):
    monkeypatch.setenv("REPORTDSL_NO_AST_CACHE", "1")
    parse(TEXT, "a.report")
    assert ast_cache.load(TEXT) is None and not cache_root.exists()
