"""Files kept between processes, in a private folder: what a build may reuse.

In: a cache file name (its caller's key) and the environment variable that turns that
cache off. Out: ``cache_file(name, off_switch)`` — the path in the folder, or ``None``
when the cache is off or there is no safe folder; ``load(path)`` the object or
``None``; ``store(path, obj)`` writes it aside and moves it into place; ``read_bytes``
and ``write_bytes`` the same for files that are not pickles (compiled templates);
``discard(path)`` removes an entry its user found wrong, so that it is written again.

No cache loads a file it did not write, since loading a pickle (or compiled code) runs
what it says:

- The folder is ``$TMPDIR/reportdsl-cache-UID``: it must be this user's, a real folder
  (not a symbolic link) and mode 0700, else it is not used at all.
- A file is opened without following a symbolic link, and read only if it is a regular
  file owned by this user, with one link, that no one else may read or write (0600, as
  written here). Anything else is removed and counts as a miss.
- A pickle holds ``(TAG, its own file name, the object)``: a file copied or renamed
  onto another entry's name, or written by something else, is a miss.

Anything amiss — no safe folder, a file that does not load, a full disk — is a miss,
never an error. Users: ``syntax/ast_cache.py`` (parsed reports),
``render/formatting/locale_cache.py`` (Babel's locale data) and
``render/document/template.py`` (Jinja2's compiled templates).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any

TAG = "reportdsl-cache-1"


def cache_folder() -> Path | None:
    """The private cache folder, made if missing; ``None`` if it is not safe."""
    if not hasattr(os, "getuid"):
        return None
    folder = Path(tempfile.gettempdir()) / f"reportdsl-cache-{os.getuid()}"
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(folder)
    except OSError:
        return None
    if info.st_uid != os.getuid() or not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700:
        return None  # someone else's, a link, or open to others: not trusted
    return folder


def cache_file(name: str, off_switch: str) -> Path | None:
    if os.environ.get(off_switch):
        return None
    folder = cache_folder()
    return folder / name if folder is not None else None


def read_bytes(path: Path) -> bytes | None:
    """The content of a cache file this user wrote, or ``None`` (a miss)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError:  # a symbolic link (ELOOP), a folder…: not ours
        discard(path)
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or stat.S_IMODE(info.st_mode) & 0o077
            or info.st_nlink != 1
        ):
            discard(path)
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def load(path: Path) -> Any:
    data = read_bytes(path)
    if data is None:
        return None
    try:
        entry = pickle.loads(data)
    except Exception:  # truncated, from another Python or Babel: a miss
        entry = None
    if not (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == TAG and entry[1] == path.name):
        discard(path)
        return None
    return entry[2]


def store(path: Path, obj: Any) -> None:
    try:
        data = pickle.dumps((TAG, path.name, obj), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an object that does not pickle is not cached
        return
    write_bytes(path, data)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` aside (mode 0600) and move it onto ``path``; errors are misses."""
    written = None
    try:
        fd, written = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(written, path)
    except OSError:
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)


def discard(path: Path) -> None:
    """Remove a cache entry that is not what it should be (the next build rewrites it)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            os.rmdir(path)
        else:
            os.unlink(path)
