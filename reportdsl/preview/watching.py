"""The file watcher: changes of the report and of what it reads become rebuilds.

In: a ``Rebuilds`` (its ``watch``: the files that matter and their folders). Out:
``Rebuilds.request()`` once for each burst of changes that touches one of them.

``watchfiles`` (inotify on Linux, FSEvents, ReadDirectoryChangesW) watches each
folder, not recursively; the burst an editor's save makes (a temporary file written,
renamed over the report, its metadata set) is one event after ``QUIET_MS`` without a
change. When a build finds other files to watch (the report now names another CSV),
the watch starts again on their folders.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from reportdsl.preview.rebuilds import Rebuilds

QUIET_MS = 30  # a save's events come within a few ms; 30 ms of quiet ends the burst
LONGEST_MS = 400  # a burst that never goes quiet (a file being copied) still rebuilds


async def watch(rebuilds: Rebuilds) -> None:
    from watchfiles import awatch

    while True:
        rebuilds.watch_changed.clear()
        folders = sorted(str(f) for f in rebuilds.watch.folders if os.path.isdir(f))
        if not folders:  # the report's own folder is gone: wait for another build's files
            await rebuilds.watch_changed.wait()
            continue
        async for changes in awatch(*folders, watch_filter=None, step=QUIET_MS, debounce=LONGEST_MS,
                                    recursive=False, stop_event=rebuilds.watch_changed):
            watch_now = rebuilds.watch
            if any(watch_now.concerns(path) for _change, path in changes):
                rebuilds.request()


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
