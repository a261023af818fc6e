"""ASTs of report texts parsed before, kept between processes.

In: a report's text. Out: its ``ast.Report`` from the cache, or ``None``; ``store``
keeps one. The key is the text and the syntax stage itself: the version, the grammar
and every module in ``reportdsl/syntax/`` (their bytes, hashed), so an edited parser
never meets an old tree.

Why: parsing is cheap, but getting ready to parse is not — importing Lark, loading its
parse tables and compiling its lexer's expressions cost ~60 ms, a tenth of building a
one-page report; loading a cached tree costs ~1 ms. The trees are pickles in the
private cache folder (``reportdsl.pickle_cache``: mode 0700, every file checked for its
owner and mode before it is read); anything amiss is a cache miss, never an error,
and the entry is written again. ``REPORTDSL_NO_AST_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from reportdsl import pickle_cache, resources
from reportdsl.syntax import ast


@lru_cache(maxsize=1)
def _stage_fingerprint() -> bytes:
    from reportdsl import (
        __version__,  # for an install without sources, where no module is read
    )

    digest = hashlib.sha256(__version__.encode() + b"\0" + resources.read_text("grammars", "report.lark").encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.digest()


def _path(text: str) -> Path | None:
    key = hashlib.sha256(_stage_fingerprint() + text.encode("utf-8", "surrogatepass")).hexdigest()
    return pickle_cache.cache_file(f"ast-{key}.pickle", "REPORTDSL_NO_AST_CACHE")


def load(text: str) -> ast.Report | None:
    path = _path(text)
    if path is None:
        return None
    tree = pickle_cache.load(path)  # None: a miss, parse again
    if tree is not None and not isinstance(tree, ast.Report):
        pickle_cache.discard(path)
        return None
    return tree


def store(text: str, tree: ast.Report) -> None:
    path = _path(text)
    if path is not None:
        pickle_cache.store(path, tree)
