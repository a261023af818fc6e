"""Locate the data files shipped with reportdsl.

In: a resource folder name (``grammars`` or ``templates``).
Out: a ``Path`` (or, for a package imported from a zip file, a ``Traversable``) to it.

An installed wheel carries them inside the package (``reportdsl/grammars``); a source
checkout keeps them at the top of the repository, next to the package. Both are plain
folders next to this file, found without ``importlib.resources``: its zip-aware
readers import ``zipfile`` and cost a short build ~5 ms.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path | Traversable:
    for folder in (_PACKAGE / name, _PACKAGE.parent / name):
        if folder.is_dir():
            return folder
    from importlib.resources import files  # imported from a zip file

    return files("reportdsl") / name


def read_text(folder: str, filename: str) -> str:
    return (resource_dir(folder) / filename).read_text(encoding="utf-8")
