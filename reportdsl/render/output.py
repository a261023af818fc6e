"""Writing outputs whole or not at all (CONTRACT.md §1), for every format.

In: the bytes of an output (one PDF, Typst source or JSON result; or one PNG/SVG a
page) and the ``-o`` path. Out: the files, each written aside in its destination
folder, flushed to disk and moved into place with ``os.replace``.

- A failure (an error, Ctrl-C, a full disk) removes what was written aside and leaves
  the previous output untouched; no truncated file ever appears under the final name.
- Several pages: every page is written aside first, and only then are they all moved
  into place. ``{n}`` in the path becomes the page number (``out-{n}.png``); without
  it a multi-page output is numbered ``out-1.png``, ``out-2.png``…; a one-page output
  keeps the path as given. Files from an earlier, longer build are not removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from reportdsl.render.errors import ReportRenderError

PAGE_PLACEHOLDER = "{n}"


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Write ``path`` through a file object; it appears only if the block succeeds."""
    target = Path(path)
    handle, temp = _open_aside(target)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        _discard(temp)
        raise
    _sync_folder(target.parent)


def atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_writer(path) as out:
        out.write(data)
    return Path(path)


def page_paths(output: str | os.PathLike, count: int) -> list[Path]:
    """Where each of ``count`` pages goes, per the ``{n}`` rule above."""
    text = os.fspath(output)
    if PAGE_PLACEHOLDER in text:
        return [Path(text.replace(PAGE_PLACEHOLDER, str(n))) for n in range(1, count + 1)]
    path = Path(text)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{n}{path.suffix}") for n in range(1, count + 1)]


@runtime_checkable
class Rendered(Protocol):
    """Pages with their format: a ``RenderedDocument`` or a ``RenderResult``."""

    format: str
    pages: list[bytes]


Pages = bytes | str | Sequence[bytes]


def write_outputs(pages: Pages | Rendered, output: str | os.PathLike, format: str | None = None) -> list[Path]:
    """Write an output atomically; returns the paths written.

    ``pages`` is the bytes (or text) of a single-file output, or a list of pages
    (``RenderedDocument.pages``), or a ``RenderedDocument``; only ``png`` and ``svg``
    write one file a page. ``format`` defaults to the output's extension.
    """
    if isinstance(pages, Rendered):
        format = format or pages.format
        pages = pages.pages
    if isinstance(pages, str):
        pages = [pages.encode("utf-8")]
    elif isinstance(pages, (bytes, bytearray)):
        pages = [bytes(pages)]
    pages = list(pages)
    format = (format or Path(os.fspath(output)).suffix.lstrip(".") or "pdf").lower()
    if format not in ("png", "svg"):
        if len(pages) != 1:
            raise ReportRenderError(f"internal error: a {format} output is one file, got {len(pages)}")
        targets = [Path(output)]
    else:
        targets = page_paths(output, len(pages))
    for target in targets:
        if not target.parent.is_dir():
            raise ReportRenderError(f"cannot write {target}: the folder {target.parent} does not exist")
    asides: list[tuple[str, Path]] = []
    try:
        for data, target in zip(pages, targets, strict=True):
            handle, temp = _open_aside(target)
            asides.append((temp, target))
            with handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, target in asides:
            os.replace(temp, target)
    except BaseException as exc:
        for temp, _ in asides:
            _discard(temp)
        if isinstance(exc, OSError):
            raise ReportRenderError(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from None
        raise
    for folder in {t.parent for t in targets}:
        _sync_folder(folder)
    return targets


def _open_aside(target: Path) -> tuple[IO[bytes], str]:
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    except OSError as exc:
        raise ReportRenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    with contextlib.suppress(AttributeError, OSError):  # not every platform has fchmod
        os.fchmod(fd, _default_mode())  # mkstemp makes 0600; outputs get the usual mode
    return os.fdopen(fd, "wb"), temp


def _discard(temp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort; not every platform can)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
