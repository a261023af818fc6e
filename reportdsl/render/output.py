"""Writing outputs whole or not at all (CONTRACT.md §1, §6), for every format.

In: the bytes of an output (one PDF, Typst source or JSON result; or one PNG/SVG a
page) and where it goes: the ``-o`` path, or an open binary stream (``-o -``: standard
output). Out: the files, each written aside in its destination folder, flushed to disk
and moved into place with ``os.replace``; or the bytes written through.

- What the path names decides how it is written (``output_target``): a new name or a
  regular file is written aside and renamed onto it; an existing device or FIFO (also
  through a symbolic link, as ``/dev/stdout``) is written through, never replaced; a
  folder, a socket or any other symbolic link is refused with an error that says so.
- A failure (an error, Ctrl-C, a full disk) removes what was written aside and leaves
  the previous output untouched; no truncated file ever appears under the final name.
  A replaced file keeps its permission bits; a new one gets the usual mode (umask).
- Several pages: every page is written aside first, and only then are they all moved
  into place. ``{n}`` in the path becomes the page number (``out-{n}.png``); without
  it a multi-page output is numbered ``out-1.png``, ``out-2.png``…; a one-page output
  keeps the path as given. Files from an earlier, longer build are not removed. A
  stream, a device or a FIFO takes one file: several pages there are an error.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from reportdsl.errors import NO_ROOM
from reportdsl.render.errors import ReportRenderError

PAGE_PLACEHOLDER = "{n}"
THROUGH_KINDS = ("a device", "a FIFO")


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@dataclass(frozen=True)
class OutputTarget:
    """How one output path is written: ``how`` is ``"new"`` (a name that does not
    exist yet), ``"replace"`` (a regular file; ``mode``: its permission bits) or
    ``"through"`` (a device or FIFO, written in place)."""

    path: Path
    how: str
    mode: int | None = None
    fd: int | None = None  # "through" an open file descriptor: /dev/stdout, /dev/fd/N


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"


_FD_LINKS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_FD_FOLDERS = ("/dev/fd/", "/proc/self/fd/")


def _descriptor(path: Path) -> int | None:
    """The file descriptor a name like ``/dev/stdout`` or ``/dev/fd/3`` stands for."""
    text = os.path.normpath(os.fspath(path))
    if text in _FD_LINKS:
        return _FD_LINKS[text]
    for folder in _FD_FOLDERS:
        if text.startswith(folder) and text[len(folder):].isdigit():
            return int(text[len(folder):])
    return None


def output_target(path: str | os.PathLike) -> OutputTarget:
    """What ``path`` is, and so how it is written (see the module's docstring);
    a ``ReportRenderError`` for a path that may not be written."""
    target = Path(path)
    fd = _descriptor(target)
    if fd is not None and os.name == "posix":
        # What the process's own descriptor holds (a terminal, a pipe, the file the
        # shell redirected to): written through it, at its offset, never replaced.
        try:
            kind = _kind(os.fstat(fd).st_mode)
        except OSError:
            raise ReportRenderError(f"cannot write {target}: file descriptor {fd} is not open") from None
        if kind == "a folder":
            raise ReportRenderError(f"cannot write {target}: it is a folder")
        return OutputTarget(target, "through", fd=fd)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return OutputTarget(target, "new")
    except OSError as exc:
        raise ReportRenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    if stat.S_ISREG(info.st_mode):
        return OutputTarget(target, "replace", stat.S_IMODE(info.st_mode))
    if stat.S_ISLNK(info.st_mode):
        try:
            kind = _kind(os.stat(target).st_mode)
        except OSError:
            kind = "nothing"
        if kind in THROUGH_KINDS:
            return OutputTarget(target, "through")
        try:
            points_to = os.readlink(target)
        except OSError:
            points_to = "?"
        what = ", which does not exist" if kind == "nothing" else f": {kind}"
        raise ReportRenderError(
            f"cannot write {target}: it is a symbolic link (to {points_to}{what}); an output never "
            "replaces a link — write to the file it points to, or remove the link"
        )
    kind = _kind(info.st_mode)
    if kind in THROUGH_KINDS:
        return OutputTarget(target, "through")
    if kind == "a folder":
        raise ReportRenderError(f"cannot write {target}: it is a folder; name a file in it (e.g. {target / 'out.pdf'})")
    raise ReportRenderError(f"cannot write {target}: it is {kind}, which cannot take an output")


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Write ``path`` through a file object; it appears only if the block succeeds
    (a device or FIFO is written through, as it cannot be replaced)."""
    target = output_target(path)
    if target.how == "through":
        with _open_through(target) as handle:
            yield handle
            _flush(handle, target.path)
        return
    handle, temp = _open_aside(target)
    try:
        try:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException as exc:
            # the error in flight says what went wrong; closing may only repeat it
            with contextlib.suppress(OSError):
                handle.close()
            if isinstance(exc, OSError) and exc.errno in NO_ROOM:  # the output's folder is full
                raise ReportRenderError(f"cannot write {target.path}: {exc.strerror or exc}") from None
            raise
        try:
            handle.close()
        except OSError as exc:
            raise ReportRenderError(f"cannot write {target.path}: {exc.strerror or exc}") from None
        _move_into_place(temp, target.path)
    except BaseException:
        _discard(temp)
        raise
    _sync_folder(target.path.parent)


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
Destination = str | os.PathLike | IO[bytes]


def write_outputs(pages: Pages | Rendered, output: Destination, format: str | None = None) -> list[Path]:
    """Write an output atomically; returns the paths written (none for a stream).

    ``pages`` is the bytes (or text) of a single-file output, or a list of pages
    (``RenderedDocument.pages``), or a ``RenderedDocument``; only ``png`` and ``svg``
    write one file a page. ``format`` defaults to the output's extension. ``output``
    is a path or an open binary stream (one file only: pdf, typ, json, or one page).
    """
    if isinstance(pages, Rendered):
        format = format or pages.format
        pages = pages.pages
    if isinstance(pages, str):
        pages = [pages.encode("utf-8")]
    elif isinstance(pages, (bytes, bytearray)):
        pages = [bytes(pages)]
    pages = list(pages)
    if not isinstance(output, (str, os.PathLike)):
        _write_stream(pages, output, (format or "pdf").lower())
        return []
    format = (format or Path(os.fspath(output)).suffix.lstrip(".") or "pdf").lower()
    targets = _page_targets(output, len(pages), format)
    if targets[0].how == "through":
        with _open_through(targets[0]) as handle:
            _write_all(handle, pages[0], targets[0].path)
            _flush(handle, targets[0].path)
    else:
        _write_aside_then_move(pages, targets, output)
    return [t.path for t in targets]


def _page_targets(output: str | os.PathLike, count: int, format: str) -> list[OutputTarget]:
    """Where the pages go, each looked at; one target only for a special file."""
    if format not in ("png", "svg"):
        if count != 1:
            raise ReportRenderError(f"internal error: a {format} output is one file, got {count}")
        paths = [Path(output)]
    else:
        paths = page_paths(output, count)
        if count > 1 and PAGE_PLACEHOLDER not in os.fspath(output) and output_target(output).how == "through":
            raise _several_pages(count, format, f"{os.fspath(output)} (not a regular file)")
    for path in paths:
        if not path.parent.is_dir():
            raise ReportRenderError(f"cannot write {path}: the folder {path.parent} does not exist")
    targets = [output_target(path) for path in paths]
    special = [t.path for t in targets if t.how == "through"]
    if special and len(targets) > 1:
        raise _several_pages(count, format, f"{special[0]} (not a regular file)")
    return targets


def _write_aside_then_move(pages: list[bytes], targets: list[OutputTarget], output: str | os.PathLike) -> None:
    asides: list[tuple[str, Path]] = []
    try:
        for data, target in zip(pages, targets, strict=True):
            handle, temp = _open_aside(target)
            asides.append((temp, target.path))
            with handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, path in asides:
            _move_into_place(temp, path)
    except BaseException as exc:
        for temp, _ in asides:
            _discard(temp)
        if isinstance(exc, OSError):
            raise ReportRenderError(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from None
        raise
    for folder in {t.path.parent for t in targets}:
        _sync_folder(folder)


def _several_pages(count: int, format: str, where: str) -> ReportRenderError:
    return ReportRenderError(
        f"a {format} output of {count} pages is {count} files, which cannot all go to {where}: "
        f"name files with {{n}} for the page number (e.g. -o 'page-{{n}}.{format}'), or use pdf"
    )


def _write_stream(pages: list[bytes], stream: IO[bytes], format: str) -> None:
    if len(pages) != 1:
        raise _several_pages(len(pages), format, "standard output")
    _write_all(stream, pages[0], None)
    _flush(stream, None)


def _write_all(handle: IO[bytes], data: bytes, path: Path | None) -> None:
    try:
        # A buffered write may stop short without an error (a pipe whose reader left
        # after 64 KiB: CPython returns the count): the rest is written, or fails, here.
        view = memoryview(data)
        while view:
            written = handle.write(view)
            if not written:
                raise OSError(errno.EIO, "the output took nothing")
            view = view[written:]
    except OSError as exc:
        raise ReportRenderError(f"cannot write {path or 'to standard output'}: {exc.strerror or exc}") from None


def _flush(handle: IO[bytes], path: Path | None) -> None:
    try:
        handle.flush()
    except OSError as exc:
        raise ReportRenderError(f"cannot write {path or 'to standard output'}: {exc.strerror or exc}") from None


@contextmanager
def _open_through(target: OutputTarget) -> Iterator[IO[bytes]]:
    """A device or FIFO opened for writing in place: never created, never truncated
    (a FIFO waits here for its reader, as a shell's redirection does); or a copy of
    the descriptor ``/dev/stdout`` and its like stand for."""
    path = target.path
    if target.fd is not None:
        try:
            fd = os.dup(target.fd)
        except OSError as exc:
            raise ReportRenderError(f"cannot write {path}: {exc.strerror or exc}") from None
    else:
        flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise ReportRenderError(f"cannot write {path}: {exc.strerror or exc}") from None
        kind = _kind(os.fstat(fd).st_mode)
        if kind not in THROUGH_KINDS:  # replaced since it was looked at: write nothing
            os.close(fd)
            raise ReportRenderError(f"cannot write {path}: it changed while the output was written (now {kind})")
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _open_aside(target: OutputTarget | Path) -> tuple[IO[bytes], str]:
    if isinstance(target, Path):
        target = OutputTarget(target, "new")
    path = target.path
    folder = path.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder or ".")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ReportRenderError(f"cannot write {path}: cannot create a file in the folder {folder} ({reason})") \
            from None
    mode = target.mode if target.mode is not None else _default_mode()
    with contextlib.suppress(AttributeError, OSError):  # not every platform has fchmod
        os.fchmod(fd, mode)  # mkstemp makes 0600; outputs get the usual mode, or the replaced file's
    return os.fdopen(fd, "wb"), temp


def _move_into_place(temp: str, path: Path) -> None:
    """Rename only onto a regular file or a new name (what was looked at may have
    changed since: a folder or link put there in the meantime is never replaced)."""
    target = output_target(path)
    if target.how == "through":
        raise ReportRenderError(f"cannot write {path}: it changed while the output was written (now a special file)")
    os.replace(temp, path)


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
