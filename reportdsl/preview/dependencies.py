"""The files a preview watches: the report, and what a build of it reads.

In: the report's path, its compiled ``Plan`` (or none, when it does not compile) and
the ``--source`` override. Out: ``Dependencies`` — the files whose change calls for a
rebuild, and the folders to watch for them.

Folders are watched, not the files themselves: an editor that saves by writing a new
file and renaming it over the old one replaces the file a watch on it would follow. A
template may ``{% include %}`` or ``{% extends %}`` its neighbours, so every Jinja2
template in a user template's folder counts. A SQL server, an in-memory database or a
source named by an environment variable that is not set is no file: nothing to watch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from reportdsl.errors import ReportError
from reportdsl.paths import is_builtin_template_name

if TYPE_CHECKING:
    from reportdsl.plan import Plan

TEMPLATE_SUFFIX = ".j2"


@dataclass(frozen=True)
class Dependencies:
    files: frozenset[Path]  # absolute paths
    template_folder: Path | None = None  # every *.j2 in it counts

    @property
    def folders(self) -> frozenset[Path]:
        folders = {path.parent for path in self.files}
        if self.template_folder is not None:
            folders.add(self.template_folder)
        return frozenset(folders)

    def concerns(self, changed: str) -> bool:
        """Whether a change of the file at ``changed`` (absolute) calls for a rebuild."""
        path = Path(changed)
        if path in self.files:
            return True
        return (self.template_folder is not None and path.parent == self.template_folder
                and path.name.endswith(TEMPLATE_SUFFIX))


def dependencies(report: Path, plan: Plan | None, source: str | None,
                 previous: Dependencies | None = None) -> Dependencies:
    """What to watch after a build. A report that does not compile keeps what it read
    before (its data and images still change the pages once it is fixed)."""
    report = _absolute(report)
    if plan is None:
        if previous is None:
            return Dependencies(frozenset({report}))
        return Dependencies(previous.files | {report}, previous.template_folder)
    base = Path(plan.base_dir)
    files = {report}
    data = _data_file(plan, source)
    if data is not None:
        files.add(data)
    files.update(_absolute(base / image) for image in _images(plan))
    template_folder = None
    if plan.template is not None and not is_builtin_template_name(plan.template):
        template = _absolute(base / plan.template)
        files.add(template)
        template_folder = template.parent
    return Dependencies(frozenset(files), template_folder)


def _data_file(plan: Plan, source: str | None) -> Path | None:
    from reportdsl.sources.locations import override_location, resolve

    try:
        if source is not None:
            location = override_location(source, os.getcwd())
        elif plan.source is not None:
            location = resolve(plan.source, plan.base_dir)
        else:
            return None
    except ReportError:  # the build says why; there is no file to watch
        return None
    if location.kind in ("csv", "jsonl"):
        return _absolute(Path(location.target))
    if location.sqlite_path is not None:
        return _absolute(Path(location.sqlite_path))
    return None


def _images(node: Any) -> Iterator[str]:
    """The paths of every ``image`` element, wherever in the plan's bands it stands."""
    from reportdsl.plan.models import ImageElement

    if isinstance(node, ImageElement):
        yield node.path
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _images(getattr(node, name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _images(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _images(item)


def _absolute(path: Path) -> Path:
    """Absolute, ``..`` resolved, symbolic links kept: the path the watcher reports."""
    return Path(os.path.abspath(os.path.expanduser(path)))
