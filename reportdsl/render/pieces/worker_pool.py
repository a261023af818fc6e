"""A pool of fresh Python processes laying out pieces: tasks in, futures out.

In: ``PieceTask``s (``submit``). Out: ``Submitted`` for each — two
``concurrent.futures.Future``s, the piece's layout (a ``PieceOutcome`` without pages)
and its final ``PieceOutcome``, which a worker answers one after the other.

Each worker is a new interpreter running ``reportdsl.render.pieces.piece_worker.main``
— spawned, never forked (a forked child of a process that has used typst can
deadlock) — fed pickled tasks on its stdin and answering on its stdout. Unlike
``multiprocessing``'s spawn, this never re-runs the caller's ``__main__``, so a script
that calls ``report.build()`` needs no ``if __name__ == "__main__"`` guard. A worker
is replaced after ``recycle_after`` tasks (Typst's caches grow with each compile), its
successor started while its last task runs, and ``shutdown(terminate=True)`` kills
what is still running (errors, Ctrl-C).

A worker at work says it is alive every ``HEARTBEAT_SECONDS`` (a thread of its own:
typst releases the GIL while it lays out). A worker that says nothing for
``stuck_after()`` seconds (60, or ``REPORTDSL_WORKER_TIMEOUT``) while the pool waits
for its answer — stopped (SIGSTOP), wedged — is killed, and its piece fails with
``WorkerStuck``: the build ends with that error instead of waiting forever.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

_HEADER = 8  # bytes of length before each pickled message
FONT_PATHS_VARIABLE = "REPORTDSL_WORKER_FONT_PATHS"
HEARTBEAT = "rd-alive"  # what a worker at work sends between its answers
HEARTBEAT_SECONDS = 2.0
TIMEOUT_VARIABLE = "REPORTDSL_WORKER_TIMEOUT"


def stuck_after() -> float:
    """Seconds of silence after which a worker at work counts as stuck."""
    try:
        return max(float(os.environ.get(TIMEOUT_VARIABLE, "60")), 3 * HEARTBEAT_SECONDS)
    except ValueError:
        return 60.0


class WorkerStopped(RuntimeError):
    """A worker process ended without answering (killed, out of memory)."""


class WorkerStuck(WorkerStopped):
    """A worker process said nothing for too long; it was killed."""


def send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "little") + data)
    stream.flush()


def receive_answer(stream: IO[bytes], timeout: float) -> Any:
    """The worker's next answer, its heartbeats skipped; ``WorkerStuck`` when nothing
    at all comes for ``timeout`` seconds. Reads the pipe's descriptor itself (never
    through ``stream``'s buffer), so that ``select`` sees every byte not yet read."""
    fd = stream.fileno()
    while True:
        size = int.from_bytes(_read_exactly(fd, _HEADER, timeout), "little")
        message = pickle.loads(_read_exactly(fd, size, timeout))
        if message != HEARTBEAT:
            return message


def _read_exactly(fd: int, count: int, timeout: float) -> bytes:
    chunks: list[bytes] = []
    while count:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise WorkerStuck(f"a typesetting worker process said nothing for {timeout:.0f} s and was stopped")
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        raise EOFError
    size = int.from_bytes(header, "little")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


@dataclass(frozen=True, eq=False)
class Submitted:
    layout: Future = field(default_factory=Future)  # the first answer
    outcome: Future = field(default_factory=Future)  # the last one
    # For a task that awaits an order after its layout: True exports, False drops it.
    orders: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)

    def export(self) -> None:
        self.orders.put(True)

    def cancel(self) -> None:
        """Never start it, or drop it once laid out (if it awaits an order)."""
        self.outcome.cancel()
        self.layout.cancel()
        self.orders.put(False)

    def fail(self, exc: BaseException) -> None:
        for future in (self.layout, self.outcome):
            if not future.done():
                future.set_exception(exc)


class WorkerPool:
    def __init__(self, workers: int, recycle_after: int, font_paths: tuple[str, ...] = ()) -> None:
        self.recycle_after = recycle_after
        self.font_paths = font_paths  # a new worker loads these fonts while it waits for work
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._waiting: set[Submitted] = set()  # laid out, awaiting an order
        self._stopping = False
        self._closing = False
        self._threads = [threading.Thread(target=self._serve, daemon=True) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, task: Any) -> Submitted:
        submitted = Submitted()
        self._tasks.put((submitted, task))
        return submitted

    def shutdown(self, terminate: bool = False) -> None:
        with self._lock:
            self._stopping = terminate
            self._closing = True  # a piece laid out from now on gets no order: dropped
            processes = list(self._running)
            for submitted in self._waiting:
                submitted.orders.put(False)
        for _ in self._threads:
            self._tasks.put(None)
        if terminate:
            for process in processes:
                process.kill()
        for thread in self._threads:
            thread.join()

    # ---- one thread a worker process -----------------------------------------------------

    def _serve(self) -> None:
        # Start the process before a task arrives, and its successor as soon as it is
        # spent, so that interpreter start-up overlaps with waiting for work.
        worker: _Worker | None = self._start()
        served = 0
        try:
            while True:
                item = self._tasks.get()
                if item is None:
                    return
                submitted, task = item
                if not submitted.outcome.set_running_or_notify_cancel():
                    continue
                submitted.layout.set_running_or_notify_cancel()
                if worker is None:
                    worker, served = self._start(), 0
                # The worker's last task: its successor starts (imports typst, reads the
                # fonts) while it runs, not after it, when the next task may be waiting.
                successor = self._start() if served + 1 >= self.recycle_after else None
                try:
                    outcome = self._run(worker, submitted, task)
                except Exception as exc:  # EOF, a broken pipe, an answer that does not unpickle
                    code = worker.process.poll()
                    if isinstance(exc, WorkerStuck):
                        worker.process.kill()
                    self._end(worker)
                    worker = None
                    why = f"exit status {code}" if code else type(exc).__name__
                    stopped = exc if isinstance(exc, WorkerStuck) else WorkerStopped(
                        f"a typesetting worker process stopped ({why})")
                    submitted.fail(stopped)
                    worker, served = successor, 0
                    continue
                submitted.outcome.set_result(outcome)
                served += 1
                if successor is not None:
                    self._end(worker)
                    worker, served = successor, 0
        finally:
            self._end(worker)

    def _run(self, worker: _Worker, submitted: Submitted, task: Any) -> Any:
        send(worker.tasks, task)
        timeout = stuck_after()
        laid_out = receive_answer(worker.answers, timeout)
        submitted.layout.set_result(laid_out)
        if laid_out.failure is not None:
            return laid_out
        if getattr(task, "await_order", False):
            with self._lock:
                self._waiting.add(submitted)
                if self._closing:
                    submitted.orders.put(False)
            order = submitted.orders.get()
            with self._lock:
                self._waiting.discard(submitted)
            send(worker.tasks, order)
            if not order:
                return laid_out  # dropped: no pages
        return receive_answer(worker.answers, timeout)

    def _start(self) -> _Worker:
        env = dict(os.environ)
        # The worker imports this very reportdsl, wherever it was imported from.
        package_parent = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        env[FONT_PATHS_VARIABLE] = os.pathsep.join(self.font_paths)
        process = subprocess.Popen(
            [sys.executable, "-c", "from reportdsl.render.pieces.piece_worker import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )
        with self._lock:
            self._running.add(process)
            if self._stopping:
                process.kill()
        return _Worker.of(process)

    def _end(self, worker: _Worker | None) -> None:
        if worker is None:
            return
        process = worker.process
        with self._lock:
            self._running.discard(process)
        with contextlib.suppress(OSError):
            worker.tasks.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        worker.answers.close()


@dataclass(frozen=True, eq=False)
class _Worker:
    """A worker process and its pipes: tasks and orders in, answers out."""

    process: subprocess.Popen[bytes]
    tasks: IO[bytes]  # its stdin
    answers: IO[bytes]  # its stdout

    @classmethod
    def of(cls, process: subprocess.Popen[bytes]) -> _Worker:
        tasks, answers = process.stdin, process.stdout
        if tasks is None or answers is None:  # not started with stdin=PIPE, stdout=PIPE
            raise ValueError("a worker process needs pipes for its stdin and stdout")
        return cls(process, tasks, answers)
