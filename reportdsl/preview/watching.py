"""The file watcher: changes of the report and of what it reads become rebuilds.

In: a ``Rebuilds`` (its ``watch``: the files that matter and their folders). Out:
``Rebuilds.request()`` once for each burst of changes that touches one of them.

``watchfiles`` (inotify on Linux, FSEvents, ReadDirectoryChangesW) watches each
folder, not recursively; the burst an editor's save makes (a temporary file written,
renamed over the report, its metadata set) is one event after ``QUIET_MS`` without a
change. When a build finds other files to watch (the report now names another CSV),
the watch starts again on their folders; what changed while it was not watching is
found by comparing the files with what the last build read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from reportdsl.preview.rebuilds import Rebuilds

QUIET_MS = 30  # a save's events come within a few ms; 30 ms of quiet ends the burst
READY_S = 0.1  # the watcher watches within milliseconds of starting
LONGEST_MS = 400  # a burst that never goes quiet (a file being copied) still rebuilds


async def watch(rebuilds: Rebuilds) -> None:
    from watchfiles import awatch

    while True:
        rebuilds.watch_changed.clear()
        folders = sorted(str(f) for f in rebuilds.watch.folders if os.path.isdir(f))
        if not folders:  # the report's own folder is gone: wait for another build's files
            await rebuilds.watch_changed.wait()
            continue
        check = asyncio.create_task(_missed(rebuilds))
        try:
            async for changes in awatch(*folders, watch_filter=None, step=QUIET_MS, debounce=LONGEST_MS,
                                        recursive=False, stop_event=rebuilds.watch_changed):
                watch_now = rebuilds.watch
                if any(watch_now.concerns(path) for _change, path in changes):
                    rebuilds.request()
        finally:
            await stop(check)


async def _missed(rebuilds: Rebuilds) -> None:
    """A save while the watcher was not yet watching (at the start, or when it starts
    again on other folders) makes no event: once it watches, compare the files with what
    the last build read."""
    await asyncio.sleep(READY_S)
    if rebuilds.missed_changes():
        rebuilds.request()


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
