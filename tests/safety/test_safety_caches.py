"""No cache loads a file it did not write (issue 20): the parser's, the locale data's
and the compiled templates' caches live in one private folder (``pickle_cache``), each
file is checked for owner and mode before it is read, and a wrong or damaged entry
is a miss that is written again — never code run, never a broken build."""

from __future__ import annotations

import marshal
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reportdsl import pickle_cache
from reportdsl.syntax import ast_cache, parse

TEXT = 'report cached {\n  group region { footer { text "{region}: {SUM(amount)}" } }\n}\n'
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


class Planted:
    """A pickle that runs code when loaded: it makes the folder ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def tmp_root(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    for switch in ("REPORTDSL_NO_AST_CACHE", "REPORTDSL_NO_LOCALE_CACHE", "REPORTDSL_NO_TEMPLATE_CACHE"):
        monkeypatch.delenv(switch, raising=False)
    return root


def cache_dir(root: Path) -> Path:
    return root / f"reportdsl-cache-{os.getuid()}"


def plant(path: Path, marker: Path, mode: int = 0o600) -> None:
    path.write_bytes(pickle.dumps((pickle_cache.TAG, path.name, Planted(marker))))
    os.chmod(path, mode)


# ---- the folder ------------------------------------------------------------------------


def test_a_symlink_in_place_of_the_folder_is_not_followed(tmp_root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    os.chmod(elsewhere, 0o700)
    cache_dir(tmp_root).symlink_to(elsewhere)
    marker = tmp_path / "ran"
    plant(elsewhere / f"ast-{_ast_key()}.pickle", marker)
    assert ast_cache._path(TEXT) is None  # no cache at all
    assert parse(TEXT).name.name == "cached"
    assert not marker.exists() and len(list(elsewhere.iterdir())) == 1


@pytest.mark.skipif(not ROOT, reason="making a folder another user owns needs root")
def test_a_folder_another_user_owns_is_not_used(tmp_root, tmp_path):
    folder = cache_dir(tmp_root)
    folder.mkdir(mode=0o700)
    os.chmod(folder, 0o700)
    marker = tmp_path / "ran"
    path = folder / f"ast-{_ast_key()}.pickle"
    plant(path, marker)
    os.chown(path, NOBODY, NOBODY)
    os.chown(folder, NOBODY, NOBODY)
    assert ast_cache.load(TEXT) is None and parse(TEXT).name.name == "cached"
    assert not marker.exists()


def _ast_key() -> str:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tempfile, "tempdir", tempfile.mkdtemp())
        path = ast_cache._path(TEXT)
    assert path is not None
    return path.name[len("ast-"):-len(".pickle")]


# ---- the files ---------------------------------------------------------------------------


@pytest.mark.skipif(not ROOT, reason="making a file another user owns needs root")
def test_a_file_another_user_wrote_is_not_loaded(tmp_root, tmp_path):
    path = ast_cache._path(TEXT)
    assert path is not None
    marker = tmp_path / "ran"
    plant(path, marker)
    os.chown(path, NOBODY, NOBODY)
    assert ast_cache.load(TEXT) is None
    assert not marker.exists()
    assert parse(TEXT).name.name == "cached" and ast_cache.load(TEXT) is not None  # written again, by us


@pytest.mark.parametrize("how", ["mode 0644", "mode 0660", "symlink", "hard link"])
def test_a_file_not_written_by_the_cache_is_not_loaded(tmp_root, tmp_path, how):
    path = ast_cache._path(TEXT)
    assert path is not None
    marker = tmp_path / "ran"
    if how.startswith("mode"):
        plant(path, marker, mode=int(how.split()[1], 8))
    else:
        outside = tmp_path / "outside.pickle"
        plant(outside, marker)
        outside.write_bytes(pickle.dumps((pickle_cache.TAG, path.name, Planted(marker))))
        (path.symlink_to if how == "symlink" else path.hardlink_to)(outside)
    assert ast_cache.load(TEXT) is None
    assert not marker.exists()
    assert parse(TEXT).name.name == "cached" and ast_cache.load(TEXT) is not None  # rewritten
    assert not path.is_symlink() and path.stat().st_nlink == 1


def test_an_entry_under_another_name_or_of_another_kind_is_a_miss_and_rewritten(tmp_root):
    tree = parse(TEXT)
    path = ast_cache._path(TEXT)
    assert path is not None
    other = path.with_name("ast-" + "0" * 64 + ".pickle")
    pickle_cache.store(other, tree)
    path.write_bytes(other.read_bytes())  # a copy: its tag names the other file
    assert ast_cache.load(TEXT) is None and not path.exists()
    pickle_cache.store(path, {"not": "a tree"})
    assert ast_cache.load(TEXT) is None and not path.exists()
    assert parse(TEXT) == tree and ast_cache.load(TEXT) == tree


# ---- locale data -------------------------------------------------------------------------

LOCALE_PROGRAM = """
import sys, tempfile, datetime
from decimal import Decimal
tempfile.tempdir = sys.argv[1]
from reportdsl.plan.models import Format
from reportdsl.render.formatting.formats import ValueFormatter
formatter = ValueFormatter("de_DE", "EUR")
amount = formatter.formatter(Format.model_construct(name="currency", args=[]))
day = formatter.formatter(Format.model_construct(name="date", args=["long"]))
print(amount(Decimal("-1234567.891")), "|", day(datetime.date(2024, 3, 5)))
"""
GERMAN = "-1.234.567,89\xa0€ | 5. März 2024"


def run_locale(root: Path) -> str:
    out = subprocess.run([sys.executable, "-c", LOCALE_PROGRAM, str(root)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def locale_entry(root: Path) -> Path:
    (entry,) = cache_dir(root).glob("locale-*.pickle")
    return entry


@pytest.mark.parametrize("wrong", ["garbage dict", "english data", "a list", "an AST"])
def test_a_locale_entry_with_the_wrong_data_is_ignored_and_rewritten(tmp_root, wrong):
    from babel import localedata

    assert run_locale(tmp_root) == GERMAN
    entry = locale_entry(tmp_root)
    good = entry.read_bytes()
    data = {
        "garbage dict": {"locale_id": "de_DE", "number_symbols": {}},
        "english data": None,
        "a list": [1, 2, 3],
        "an AST": parse(TEXT),
    }[wrong]
    if wrong == "english data":  # another locale's data under this locale's name
        data = dict(localedata.load("en_US"))
        data["number_symbols"] = {}
    pickle_cache.store(entry, data)
    assert run_locale(tmp_root) == GERMAN  # ignored: Babel's own files
    assert not entry.exists() or entry.read_bytes() != pickle.dumps(data)
    assert run_locale(tmp_root) == GERMAN  # rewritten by the first process that loaded the locale
    assert locale_entry(tmp_root).read_bytes() == good
    assert run_locale(tmp_root) == GERMAN


@pytest.mark.skipif(not ROOT, reason="making a file another user owns needs root")
def test_a_planted_locale_pickle_runs_nothing(tmp_root, tmp_path):
    assert run_locale(tmp_root) == GERMAN
    entry = locale_entry(tmp_root)
    marker = tmp_path / "ran"
    plant(entry, marker)
    os.chown(entry, NOBODY, NOBODY)
    assert run_locale(tmp_root) == GERMAN
    assert not marker.exists()


# ---- compiled templates ------------------------------------------------------------------


def _preamble(tmp_path) -> str:
    from reportdsl.api import check
    from reportdsl.plan import build_plan
    from reportdsl.render.document.sink import TypstDocumentSink

    plan = build_plan(check('report t {\n  title "T"\n  summary { text "x" }\n}\n', base_dir=str(tmp_path)))
    sink = TypstDocumentSink(plan, tmp_path / "work")
    sink.close()
    return sink.preamble


def template_entries(root: Path) -> list[Path]:
    return sorted(cache_dir(root).glob("reportdsl-*.cache"))


def _body(entry: Path) -> tuple[bytes, str]:
    """Jinja's header of a cache file: magic and checksum."""
    import io

    import jinja2.bccache

    magic = jinja2.bccache.bc_magic
    stream = io.BytesIO(entry.read_bytes())
    stream.seek(len(magic))
    checksum = pickle.load(stream)
    return magic, checksum


@pytest.mark.parametrize("body", ["raises", "not code", "no template", "truncated"])
def test_a_compiled_template_with_a_valid_header_and_a_bad_body_is_compiled_again(tmp_root, tmp_path, body):
    good = _preamble(tmp_path)
    entries = template_entries(tmp_root)
    assert entries  # the runtime and the built-in template
    originals = {e: e.read_bytes() for e in entries}
    for entry in entries:
        magic, checksum = _body(entry)
        payload = {
            "raises": marshal.dumps(compile("raise RuntimeError('bad cache')", "x", "exec")),
            "not code": marshal.dumps(42),
            "no template": marshal.dumps(compile("x = 1", "x", "exec")),
            "truncated": originals[entry][len(magic) + 60: len(magic) + 80],
        }[body]
        entry.write_bytes(magic + pickle.dumps(checksum, 2) + payload)
        os.chmod(entry, 0o600)
    assert _preamble(tmp_path) == good  # ignored…
    assert {e: e.read_bytes() for e in template_entries(tmp_root)} == originals  # …and written again
    assert _preamble(tmp_path) == good


def test_a_compiled_template_whose_checksum_is_a_pickled_object_runs_nothing(tmp_root, tmp_path):
    good = _preamble(tmp_path)
    marker = tmp_path / "ran"
    import jinja2.bccache

    assert template_entries(tmp_root)
    for entry in template_entries(tmp_root):
        entry.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(Planted(marker), 2))
        os.chmod(entry, 0o600)
    assert _preamble(tmp_path) == good
    assert not marker.exists()


def test_compiled_templates_live_in_the_private_folder(tmp_root, tmp_path):
    _preamble(tmp_path)
    assert template_entries(tmp_root)
    assert not list(tmp_root.glob("_jinja2-cache-*"))  # not Jinja's own folder
    for entry in template_entries(tmp_root):
        assert entry.stat().st_mode & 0o077 == 0


@pytest.mark.skipif(not ROOT, reason="making a file another user owns needs root")
def test_a_compiled_template_another_user_wrote_is_not_loaded(tmp_root, tmp_path):
    good = _preamble(tmp_path)
    assert template_entries(tmp_root)
    for entry in template_entries(tmp_root):
        magic, checksum = _body(entry)
        body = marshal.dumps(compile("raise SystemExit(3)", "x", "exec"))
        entry.write_bytes(magic + pickle.dumps(checksum, 2) + body)
        os.chown(entry, NOBODY, NOBODY)
    assert _preamble(tmp_path) == good
