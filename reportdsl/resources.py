"""Locate the data files shipped with reportdsl.

In: a resource folder name (``grammars`` or ``templates``).
Out: a ``Traversable``/``Path`` to it.

An installed wheel carries them inside the package (``reportdsl/grammars``); a source
checkout keeps them at the top of the repository, next to the package.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource_dir(name: str) -> Traversable:
    packaged = files("reportdsl") / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def read_text(folder: str, filename: str) -> str:
    return (resource_dir(folder) / filename).read_text(encoding="utf-8")
