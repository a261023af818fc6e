"""Which files a report may read besides its data: its images and its template.

In: the report's folder, a path as the report writes it (``image "logo.svg"``,
``template "mine.typ.j2"``) and whether the user allowed paths outside the folder.
Out: ``confine(...)`` — the path to read — or a ``PathRefused`` whose message names
the path, what it is, where it leads and how to allow it; never a word of the file.

A report is often someone else's: it must not make a build read a file outside the
folder it came in (an SVG embedded from elsewhere, ``template "/etc/passwd"`` quoted
in an error). So an image or template path must lead, once ``..`` and symbolic links
are resolved, into the report's folder — or, for templates, into the templates
reportdsl ships — unless the user opts in: ``--allow-outside-paths`` on the command
line, ``allow_outside_paths=True`` in the API. A name too long for the file system
(over 255 bytes a part) or holding a NUL is refused here too, instead of an OSError
later. Both ``check`` (at the statement's position) and the renderer (for a plan that
did not come through ``check``) call ``confine``.

Also here, beside the rule: the built-in templates' folder and names (without Jinja2,
for ``check``'s fast path).
"""

from __future__ import annotations

import os
from pathlib import Path

from reportdsl.resources import resource_dir

NAME_MAX = 255  # bytes in one part of a path (Linux, macOS, Windows)
PATH_MAX = 4096
OPT_IN = "to allow it, pass --allow-outside-paths (in Python: allow_outside_paths=True)"


class PathRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def builtin_template_dir() -> Path:
    return Path(str(resource_dir("templates")))


def builtin_template_names() -> list[str]:
    return sorted(
        p.name[: -len(".typ.j2")]
        for p in builtin_template_dir().glob("*.typ.j2")
        if not p.name.startswith("_")
    )


def is_builtin_template_name(name: str) -> bool:
    """``report``: a built-in template; anything with a slash or a dot is a path."""
    return "/" not in name and "\\" not in name and "." not in name


def shown(name: str, limit: int = 160) -> str:
    """A path for a message: long ones cut in the middle."""
    return name if len(name) <= limit else name[: limit // 2] + "…" + name[-(limit // 2) :]


def check_name(name: str, what: str) -> None:
    """Refuse a name no file system takes (instead of an OSError when it is used)."""
    if "\0" in name:
        raise PathRefused(f"{what} '{shown(name)}' holds a NUL character, which no file name can")
    if not name:
        raise PathRefused(f"{what} path is empty")
    encoded = os.fsencode(name)
    if len(encoded) > PATH_MAX:
        raise PathRefused(f"{what} path '{shown(name)}' is too long ({len(encoded)} bytes; at most {PATH_MAX})")
    for part in Path(name).parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise PathRefused(
                f"{what} path '{shown(name)}' has a name too long for a file system "
                f"({size} bytes; a file or folder name has at most {NAME_MAX})"
            )


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def confine(
    base_dir: str | os.PathLike,
    name: str,
    what: str,
    *,
    allow_outside: bool = False,
    also: tuple[Path, ...] = (),
) -> Path:
    """The file ``name`` (relative to ``base_dir``) names, if a report may read it;
    ``also``: more folders it may lead into (the built-in templates)."""
    check_name(name, what)
    path = Path(base_dir, name)
    if allow_outside:
        return path
    folder = os.path.realpath(base_dir)
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError) as exc:
        raise PathRefused(f"{what} '{shown(name)}' cannot be resolved: {exc}") from None
    if inside(real, folder) or any(inside(real, os.path.realpath(root)) for root in also):
        return path
    lexical = os.path.normpath(os.path.join(os.path.abspath(base_dir), name))
    if inside(lexical, folder) or inside(lexical, os.path.abspath(base_dir)):
        how = f"through a symbolic link, to {real}"
    elif os.path.isabs(name):
        how = "an absolute path"
        if real != lexical:
            how += f", to {real}"
    else:
        how = f"it leads to {real}"
    raise PathRefused(f"{what} '{shown(name)}' is outside the report's folder {folder} ({how}); {OPT_IN}")
