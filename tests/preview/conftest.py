"""Fixtures for the tests of ``reportdsl watch``: the command running on a report in a
temporary folder, and a real headless Chromium driven by Playwright.

Chromium is Debian's (``apt-get install chromium``; ``REPORTDSL_CHROMIUM`` names
another), never a browser Playwright downloads. Where it or Playwright is missing the
browser tests skip with the reason — unless ``REPORTDSL_REQUIRE_SERVERS=1`` (set by
``.ci/run``), which makes that a failure, as for the database servers.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import missing as _missing

CHROMIUM = os.environ.get("REPORTDSL_CHROMIUM", "/usr/bin/chromium")
STARTED = re.compile(r"^watching .*: (http://127\.0\.0\.1:\d+/) \(Ctrl-C stops\)$", re.MULTILINE)




@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set REPORTDSL_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


class Watch:
    """A running ``reportdsl watch`` on ``folder/report``."""

    def __init__(self, folder: Path, report: Path, args: tuple[str, ...]):
        self.folder, self.report = folder, report
        self.log = folder / "watch.log"
        with open(self.log, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reportdsl", "watch", report.name, "--port", "0", *args],
                cwd=folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.url = self._wait_for(lambda text: (m := STARTED.search(text)) and m.group(1), "the server's address")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def _wait_for(self, found: Callable[[str], object], what: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            value = found(self.output())
            if value:
                return value
            if self.process.poll() is not None:
                pytest.fail(f"reportdsl watch ended ({self.process.returncode}) before {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout} s:\n{self.output()}")
            time.sleep(0.02)

    def get(self, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path.lstrip("/"))
        if host:
            request.add_header("Host", host)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def state(self) -> dict:
        return json.loads(self.get("/state")[2])

    def wait_state(self, test: Callable[[dict], bool], what: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            current = self.state()
            if test(current):
                return current
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout} s: {current}\n{self.output()}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)


@pytest.fixture
def watch(tmp_path):
    """``watch(report_text, *args, files={name: text})``: ``reportdsl watch`` started in
    tmp_path on ``live.report``; stopped (and its exit status checked) after the test."""
    running: list[Watch] = []

    def start(text: str, *args: str, files: dict[str, str] | None = None, name: str = "live.report") -> Watch:
        for file, content in (files or {}).items():
            (tmp_path / file).write_text(content, encoding="utf-8")
        report = tmp_path / name
        report.write_text(text, encoding="utf-8")
        running.append(Watch(tmp_path, report, args))
        return running[-1]

    yield start
    for each in running:
        if each.process.poll() is None:
            assert each.stop() == 0, each.output()


def rows_csv(count: int) -> str:
    return "id,name,amount\n" + "".join(f"{i},item {i},{i * 7 % 100}\n" for i in range(1, count + 1))


def report_text(title: str = "First title", amount: str = "amount") -> str:
    return ('report live {\n'
            '  source csv "data.csv" { id: int, amount: int }\n'
            f'  title {{ text "{title}" bold }}\n'
            '  detail {\n'
            '    column id "Id" = id\n'
            '    column name "Name" = name\n'
            f'    column amount "Amount" = {amount}\n'
            '  }\n'
            '}\n')
