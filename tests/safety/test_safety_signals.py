"""Signals (issue 20): SIGTERM during a long build in pieces unwinds like Ctrl-C — exit
status 143, the work folder removed, the worker processes gone, no output file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest


def _big_report(tmp_path) -> None:
    rows = "".join(f"{i},r{i % 7},{i * 3}\n" for i in range(40_000))
    (tmp_path / "big.csv").write_text("id,region,amount\n" + rows, encoding="utf-8")
    (tmp_path / "big.report").write_text(
        'report big {\n  source csv "big.csv" { id: int, amount: int }\n'
        '  group region { footer { text "{SUM(amount)}" } }\n'
        '  detail {\n    column id "Id" = id\n    column amount "Amount" = amount\n  }\n}\n', encoding="utf-8")


def _pieced_build(tmp_path, env, chunk_rows="400"):
    return subprocess.Popen([sys.executable, "-m", "reportdsl.cli", "build", "big.report", "-o", "big.pdf",
                             "--jobs", "2", "--chunk-rows", chunk_rows, "--quiet"],
                            cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_a_pieced_build_leaves_nothing_behind(tmp_path, sig, status):
    _big_report(tmp_path)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "REPORTDSL_NO_AST_CACHE": "1"}
    build = _pieced_build(tmp_path, env)
    deadline = time.monotonic() + 60
    while not work_folders(temp):
        assert build.poll() is None, build.stderr.read() if build.stderr else ""
        assert time.monotonic() < deadline, "no work folder appeared"
        time.sleep(0.05)
    time.sleep(1.0)  # pieces are being laid out
    build.send_signal(sig)
    _, err = build.communicate(timeout=60)
    assert build.returncode == status, err
    assert "Traceback" not in err
    assert work_folders(temp) == []
    assert not (tmp_path / "big.pdf").exists()


def test_workers_of_a_killed_build_end_quietly(tmp_path):
    """SIGKILL gives the main process no chance to stop its workers: they find the pipe
    closed and end, without printing a BrokenPipeError traceback. A worker sees it only
    if it is answering when the main process dies, so the kill comes at three moments."""
    _big_report(tmp_path)
    for delay in (1.0, 1.8, 2.6):
        build = _pieced_build(tmp_path, {**os.environ, "REPORTDSL_NO_AST_CACHE": "1"}, chunk_rows="3000")
        time.sleep(delay)  # pieces are being laid out by the workers
        build.kill()
        _, err = build.communicate(timeout=60)  # the pipe closes when the last worker has ended
        assert build.returncode in (-signal.SIGKILL, 0)  # 0: it finished first
        assert "Traceback" not in err and "BrokenPipeError" not in err, err


def work_folders(temp) -> list[str]:
    """The build's own temporary folders (the private cache folder stays by design)."""
    return [p.name for p in temp.iterdir() if p.name.startswith("reportdsl-") and "cache" not in p.name]


def _workers_of(pid: int) -> list[int]:
    """The piece workers among a process's children (by their command line)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and b"piece_worker" in command:
            found.append(int(entry))
    return found


def test_a_stuck_worker_ends_the_build_with_an_error(tmp_path):
    """A worker stopped by SIGSTOP says nothing: after REPORTDSL_WORKER_TIMEOUT seconds
    (60 by default) the build kills it and fails with that reason, exit status 1, no
    traceback, no output — instead of waiting forever."""
    _big_report(tmp_path)
    env = {**os.environ, "REPORTDSL_NO_AST_CACHE": "1", "REPORTDSL_WORKER_TIMEOUT": "6"}
    build = _pieced_build(tmp_path, env, chunk_rows="3000")
    deadline = time.monotonic() + 60
    stopped: list[int] = []
    while not stopped:  # stop the workers there are (a spent one is replaced now and then)
        assert build.poll() is None, build.stderr.read() if build.stderr else ""
        assert time.monotonic() < deadline, "no worker to stop"
        for worker in _workers_of(build.pid):
            try:
                os.kill(worker, signal.SIGSTOP)
                stopped.append(worker)
            except ProcessLookupError:  # it ended just now
                continue
        time.sleep(0.05)
    time.sleep(0.3)
    for worker in _workers_of(build.pid):  # one started meanwhile
        if worker not in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGSTOP)
                stopped.append(worker)
    workers = stopped
    started = time.monotonic()
    _, err = build.communicate(timeout=90)
    assert build.returncode == 1, err
    assert "said nothing for 6 s" in err and "Traceback" not in err
    assert time.monotonic() - started < 45
    assert not (tmp_path / "big.pdf").exists()
    for worker in workers:  # killed, not left stopped
        assert _state(worker) in (None, "Z")


def _state(pid: int) -> str | None:
    """A process's state letter (``T`` stopped, ``Z`` ended, …), or None once gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None
