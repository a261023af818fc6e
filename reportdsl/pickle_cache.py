"""Pickles kept between processes, in a private folder: what a build may reuse.

In: a cache file name (its caller's key) and the environment variable that turns that
cache off. Out: ``cache_file(name, off_switch)`` — the path in the folder, or ``None``
when the cache is off or there is no safe folder; ``load(path)`` the object or
``None``; ``store(path, obj)`` writes it aside and moves it into place.

The folder is ``$TMPDIR/reportdsl-cache-UID``: it must be this user's, a real folder,
mode 0700 (checked, as Jinja2 does for its bytecode cache), since loading a pickle
runs what it says. Anything amiss — no safe folder, a file that does not load, a full
disk — is a miss, never an error. Users: ``syntax/ast_cache.py`` (parsed reports) and
``render/locale_cache.py`` (Babel's locale data).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any


def cache_file(name: str, off_switch: str) -> Path | None:
    if os.environ.get(off_switch) or not hasattr(os, "getuid"):
        return None
    folder = Path(tempfile.gettempdir()) / f"reportdsl-cache-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700:
        return None  # someone else's, or open to others: not trusted
    return folder / name


def load(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # missing, truncated, from another Python: a miss
        return None


def store(path: Path, obj: Any) -> None:
    written = None
    try:
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as f:
            written = f.name
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written, path)
    except Exception:
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)
