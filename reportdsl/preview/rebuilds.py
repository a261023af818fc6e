"""When the preview builds, and what it tells the open pages.

In: change notices (``request()``, from the file watcher). Out: ``State`` — the last
good pages, the last build's error — and a message to every open page after each
build (``subscribe()``: the server sends them as server-sent events).

One build at a time, on one worker thread. A change during a build cancels it
(``Superseded`` at its next progress point) and a new build starts when it has
stopped; changes that come together are one request (the watcher groups a burst of
saves: ``watching.py``). A failed build keeps the last good pages: the page shows the
error beside them.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportdsl.preview.builds import Builder, Outcome, Signature, signature
from reportdsl.preview.dependencies import Dependencies, dependencies


@dataclass(frozen=True)
class State:
    """What the page shows. ``pages_version`` names the build whose pages are shown (0:
    none yet); image URLs carry it, so a browser never shows a cached older page."""

    version: int = 0  # counts finished builds, good or failed
    pages_version: int = 0
    pages: tuple[bytes, ...] = ()
    error: str | None = None
    building: bool = True
    seconds: float | None = None

    def message(self, format: str) -> dict[str, Any]:
        return {"version": self.version, "pages_version": self.pages_version, "page_count": len(self.pages),
                "format": format, "error": self.error, "building": self.building, "seconds": self.seconds}


class Rebuilds:
    def __init__(self, builder: Builder, *, log: bool = True):
        self.builder = builder
        self.state = State()
        self.watch: Dependencies = dependencies(builder.report, None, builder.source)
        self.watch_changed = asyncio.Event()  # the files to watch are others now
        self._wanted = asyncio.Event()
        self._running: threading.Event | None = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reportdsl-preview")
        # The first build starts now, before the server is even imported: ~0.3 s sooner.
        self._first = self._executor.submit(builder.build, self._running)
        self._subscribers: set[asyncio.Queue[State]] = set()
        self._read: dict[Path, Signature | None] = {}  # the files as the last finished build read them
        self._log = log

    def request(self) -> None:
        """The report or a file it reads changed: build again (cancelling a build that
        is running: its pages would be out of date)."""
        self._wanted.set()
        if self._running is not None:
            self._running.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        running: asyncio.Future[Outcome] = asyncio.wrap_future(self._first)
        while True:
            try:
                outcome = await running
            finally:
                self._running = None
            self._watch_files(outcome.watch)
            if not outcome.superseded:  # a superseded build's request is waiting
                self._read = outcome.read
                self._finish(outcome)
                if self.missed_changes():  # saved during the build, while the watcher was starting
                    self.request()
            await self._wanted.wait()
            self._wanted.clear()
            cancel = self._running = threading.Event()
            self._publish(replace(self.state, building=True))
            running = loop.run_in_executor(self._executor, self.builder.build, cancel)

    def missed_changes(self) -> bool:
        """Whether a file changed since the last finished build read it (a change the
        watcher did not see because it was (re)starting). While a build runs, the check
        waits for its end (``run``)."""
        if self._running is not None:
            return False
        return any(signature(path) != before for path, before in self._read.items())

    def stop(self) -> None:
        """Cancel a running build; the worker thread ends when it has stopped."""
        if self._running is not None:
            self._running.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def subscribe(self) -> asyncio.Queue[State]:
        """A queue that receives the state after every change (the newest first)."""
        queue: asyncio.Queue[State] = asyncio.Queue()
        queue.put_nowait(self.state)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[State]) -> None:
        self._subscribers.discard(queue)

    def _finish(self, outcome: Outcome) -> None:
        version = self.state.version + 1
        if outcome.pages is not None:
            state = State(version, version, tuple(outcome.pages), None, building=False, seconds=outcome.seconds)
        else:
            state = replace(self.state, version=version, error=outcome.error, building=False,
                            seconds=outcome.seconds)
        self._publish(state)
        if self._log:
            self._say(outcome)

    def _publish(self, state: State) -> None:
        self.state = state
        for queue in self._subscribers:
            while not queue.empty():  # only the newest state matters
                queue.get_nowait()
            queue.put_nowait(state)

    def _watch_files(self, watch: Dependencies) -> None:
        if watch.folders != self.watch.folders:
            self.watch_changed.set()
        self.watch = watch

    def _say(self, outcome: Outcome) -> None:
        if outcome.pages is not None:
            count = len(outcome.pages)
            print(f"built: {count} page{'s' if count != 1 else ''}, {outcome.seconds:.2f} s",
                  file=sys.stderr, flush=True)
        else:
            print(outcome.error, file=sys.stderr, flush=True)
