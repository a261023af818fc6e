"""`-o` never replaces what is not a regular file (CONTRACT.md §6, issue 20).

A new name or a regular file is written aside and renamed into place; a device or a
FIFO is written through; a folder or a symbolic link is refused with a clear error
(exit 1); `-o -` is standard output. A failed write loses nothing.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import threading

import pytest

import reportdsl

from ..conftest import FIXTURES

DATA = FIXTURES / "data" / "sales.csv"

ONE_PAGE = f"""report r {{
  source csv "{DATA}"
  detail {{ column product "Product" = product }}
}}
"""

# one page a product: three pages
PAGES = f"""report r {{
  source csv "{DATA}"
  group product {{
    new_page
    header {{ text "{{product}}" }}
  }}
  detail {{ column customer_name "Customer" = customer_name }}
}}
"""


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "r.report"
    path.write_text(ONE_PAGE, encoding="utf-8")
    return path


def build(*args, cwd, **kwargs):
    return subprocess.run([sys.executable, "-m", "reportdsl.cli", "build", *map(str, args)],
                          capture_output=True, cwd=cwd, **kwargs)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_fifo_is_written_through(tmp_path, report):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    received = bytearray()

    def read():
        with open(fifo, "rb") as f:
            received.extend(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = build(report, "-o", fifo, cwd=tmp_path, timeout=120)
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert bytes(received).startswith(b"%PDF")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a regular file
    assert leftovers(tmp_path) == []


def test_dev_null_stays_a_device(tmp_path, report):
    before = os.stat("/dev/null")
    proc = build(report, "-o", "/dev/null", "--format", "typ", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod needs root")
def test_a_device_node_is_written_through_not_replaced(tmp_path, report):
    node = tmp_path / "null.pdf"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    proc = build(report, "-o", node, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert leftovers(tmp_path) == []


def test_dev_stdout_is_standard_output(tmp_path, report):
    proc = build(report, "-o", "/dev/stdout", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"{") and b'"report": "r"' in proc.stdout


def test_a_symlink_is_refused_and_left_alone(tmp_path, report):
    target = tmp_path / "target.pdf"
    target.write_bytes(b"previous")
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    proc = build(report, "-o", link, cwd=tmp_path)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "symbolic link" in err and str(link) in err and "Traceback" not in err
    assert link.is_symlink() and target.read_bytes() == b"previous"
    assert leftovers(tmp_path) == []


def test_a_dangling_symlink_is_refused(tmp_path, report):
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "nowhere.pdf")
    proc = build(report, "-o", link, cwd=tmp_path)
    assert proc.returncode == 1 and b"symbolic link" in proc.stderr
    assert link.is_symlink() and not (tmp_path / "nowhere.pdf").exists()


def test_a_folder_is_refused_with_a_clear_error(tmp_path, report):
    folder = tmp_path / "out.pdf"
    folder.mkdir()
    proc = build(report, "-o", folder, cwd=tmp_path)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert f"cannot write {folder}: it is a folder" in err and ".part" not in err and "Traceback" not in err
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize("fmt, start", [("pdf", b"%PDF"), ("typ", b"// reportdsl"), ("json", b"{")])
def test_dash_writes_standard_output(tmp_path, report, fmt, start):
    proc = build(report, "-o", "-", "--format", fmt, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(start)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.report"]  # no file called '-'


def test_dash_with_a_single_page_png(tmp_path, report):
    proc = build(report, "-o", "-", "--format", "png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"\x89PNG")


def test_dash_with_several_png_pages_is_a_clear_error(tmp_path):
    path = tmp_path / "pages.report"
    path.write_text(PAGES, encoding="utf-8")
    proc = build(path, "-o", "-", "--format", "png", cwd=tmp_path)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "3 pages" in err and "standard output" in err and "{n}" in err and "Traceback" not in err
    assert proc.stdout == b""


def test_several_pages_onto_a_device_are_an_error_not_files_beside_it(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    path = tmp_path / "pages.report"
    path.write_text(PAGES, encoding="utf-8")
    proc = build(path, "-o", fifo, cwd=tmp_path)
    assert proc.returncode == 1 and b"3 pages" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.report", "pipe.png"]


def test_the_api_writes_to_a_stream(report):
    out = io.BytesIO()
    reportdsl.compile_file(report).build(out, format="typ")
    assert out.getvalue().startswith(b"// reportdsl")


def _run_in_read_only_folder(folder, *args):
    """The build with ``folder`` read-only (root ignores file modes: a read-only bind
    mount in a private mount namespace instead)."""
    command = [sys.executable, "-m", "reportdsl.cli", "build", *map(str, args)]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return subprocess.run(command, capture_output=True, cwd=folder)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("no unshare to make a read-only folder as root")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && touch "$0/x" 2>/dev/null; ' \
             '[ -e "$0/x" ] && exit 99; exec "$@"'
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script, str(folder), *command],
                          capture_output=True, cwd=folder)
    if proc.returncode == 99 or b"mount:" in proc.stderr or b"unshare:" in proc.stderr:
        pytest.skip(f"cannot make a read-only folder here: {proc.stderr!r}")
    return proc


def test_a_read_only_folder_is_an_error_and_the_old_file_stays(tmp_path, report):
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "r.pdf"
    previous.write_bytes(b"previous build")
    proc = _run_in_read_only_folder(out, report, "-o", previous)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert f"cannot write {previous}" in err and "Traceback" not in err
    assert previous.read_bytes() == b"previous build"
    assert sorted(p.name for p in out.iterdir()) == ["r.pdf"]


def test_a_replaced_file_keeps_its_mode(tmp_path, report):
    previous = tmp_path / "r.pdf"
    previous.write_bytes(b"old")
    previous.chmod(0o600)
    proc = build(report, "-o", previous, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert previous.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(previous.stat().st_mode) == 0o600


@pytest.mark.parametrize("fmt", ["csv", "typ", "xlsx"])
def test_a_reader_that_stops_early_ends_the_build_quietly(tmp_path, fmt):
    """``build -o - | head -1``: once the reader is gone the build stops as a Unix tool
    killed by SIGPIPE would (status 141), printing nothing: no error, no traceback.
    The output is several times a pipe's 64 KiB, so writing it must meet the closed pipe
    (a short buffered write used to end in status 0, the output silently cut)."""
    data = tmp_path / "many.csv"
    data.write_text("id,name\n" + "".join(f"{i},name {i}\n" for i in range(40_000)), encoding="utf-8")
    (tmp_path / "r.report").write_text(
        f'report r {{\n  source csv "{data}"\n  detail {{\n    column id = id\n    column name = name\n  }}\n}}\n',
        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "reportdsl.cli", "build", "r.report", "--format", fmt, "-o", "-"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10)  # the output began; then the reader goes away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""
