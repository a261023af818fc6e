"""ASTs of report texts parsed before, kept between processes.

In: a report's text. Out: its ``ast.Report`` from the cache, or ``None``; ``store``
keeps one. The key is the text and the syntax stage itself: the version, the grammar
and every module in ``reportdsl/syntax/`` (their bytes, hashed), so an edited parser
never meets an old tree.

Why: parsing is cheap, but getting ready to parse is not — importing Lark, loading its
parse tables and compiling its lexer's expressions cost ~60 ms, a tenth of building a
one-page report; loading a cached tree costs ~1 ms. The folder is private
(``$TMPDIR/reportdsl-cache-UID``, mode 0700, checked, as Jinja2 does for its cache):
the files are pickles. Anything amiss — no safe folder, a file that does not load — is
a cache miss, never an error. ``REPORTDSL_NO_AST_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

from .. import resources
from . import ast


@lru_cache(maxsize=1)
def _stage_fingerprint() -> bytes:
    from .. import __version__  # for an install without sources, where no module is read

    digest = hashlib.sha256(__version__.encode() + b"\0" + resources.read_text("grammars", "report.lark").encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.digest()


def _folder() -> Path | None:
    if os.environ.get("REPORTDSL_NO_AST_CACHE") or not hasattr(os, "getuid"):
        return None
    folder = Path(tempfile.gettempdir()) / f"reportdsl-cache-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700:
        return None  # someone else's, or open to others: not trusted
    return folder


def _path(text: str) -> Path | None:
    folder = _folder()
    if folder is None:
        return None
    key = hashlib.sha256(_stage_fingerprint() + text.encode("utf-8", "surrogatepass")).hexdigest()
    return folder / f"ast-{key}.pickle"


def load(text: str) -> ast.Report | None:
    path = _path(text)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            tree = pickle.load(f)
    except Exception:  # missing, truncated, from another Python: parse again
        return None
    return tree if isinstance(tree, ast.Report) else None


def store(text: str, tree: ast.Report) -> None:
    path = _path(text)
    if path is None:
        return
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as f:
            pickle.dump(tree, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
    except Exception:
        try:
            os.unlink(f.name)
        except (OSError, NameError):
            pass
