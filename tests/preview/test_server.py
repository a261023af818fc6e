"""``reportdsl watch`` over HTTP, without a browser: what it serves and with which
headers, rebuilds on a change of the data file, the loopback-only host check, escaping
of the report's name, Ctrl-C and SIGTERM (exit 0), a taken port (exit 1)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

from .conftest import report_text, rows_csv


def test_pages_state_and_headers(watch):
    live = watch(report_text(), files={"data.csv": rows_csv(5)})
    state = live.wait_state(lambda s: s["version"] == 1, "first build")
    assert state == {**state, "pages_version": 1, "page_count": 1, "format": "svg", "error": None,
                     "building": False}
    status, headers, body = live.get("/page/1.svg?v=1")
    assert status == 200 and body.startswith(b"<svg")
    assert headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in headers["content-security-policy"]  # an SVG opened alone runs nothing
    assert "immutable" in headers["cache-control"]
    assert "no-store" in live.get("/page/1.svg?v=0")[1]["cache-control"]  # not the shown build: not kept
    assert live.get("/page/2.svg")[0] == 404
    assert live.get("/page/1.png")[0] == 404
    status, headers, body = live.get("/")
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert "built: 1 page" in live.output()


def test_only_loopback_host_names_are_served(watch):
    live = watch(report_text(), files={"data.csv": rows_csv(2)})
    assert live.get("/state", host="attacker.example:8765")[0] == 400
    assert live.get("/state", host="localhost")[0] == 200


def test_the_reports_name_is_text_in_the_page(watch):
    live = watch(report_text(), files={"data.csv": rows_csv(2)}, name="<b>&odd\".report")
    html = live.get("/")[2].decode()
    assert "<title>&lt;b&gt;&amp;odd&quot;.report — reportdsl watch</title>" in html
    assert "<b>" not in html


def test_a_change_of_the_data_file_rebuilds(watch):
    live = watch(report_text(), files={"data.csv": rows_csv(3)})
    live.wait_state(lambda s: s["version"] == 1, "first build")
    first = live.get("/page/1.svg?v=1")[2]
    (live.folder / "data.csv").write_text(rows_csv(9), encoding="utf-8")
    live.wait_state(lambda s: s["pages_version"] == 2, "a rebuild after the CSV changed")
    assert live.get("/page/1.svg?v=2")[2] != first
    (live.folder / "unrelated.txt").write_text("x", encoding="utf-8")  # not read by the report
    (live.folder / "data.csv").write_text(rows_csv(4), encoding="utf-8")
    assert live.wait_state(lambda s: s["version"] >= 3, "a rebuild")["version"] == 3


def test_png_pages_and_parameters(watch):
    text = report_text().replace('  title { text "First title" bold }\n',
                                 '  param heading: string = "x"\n  title { text "{heading}" }\n')
    live = watch(text, "--format", "png", "--param", "heading=Hello", files={"data.csv": rows_csv(2)})
    state = live.wait_state(lambda s: s["version"] == 1, "first build")
    assert state["format"] == "png" and state["error"] is None
    status, headers, body = live.get("/page/1.png?v=1")
    assert headers["content-type"] == "image/png" and body.startswith(b"\x89PNG")


def test_a_bad_parameter_is_an_error_in_the_page(watch):
    live = watch(report_text(), "--param", "nosuch=1", files={"data.csv": rows_csv(2)})
    state = live.wait_state(lambda s: s["version"] == 1, "first build")
    assert "nosuch" in state["error"] and state["page_count"] == 0


def test_ctrl_c_and_sigterm_stop_it_with_status_0(watch):
    for sig in (signal.SIGINT, signal.SIGTERM):
        live = watch(report_text(), files={"data.csv": rows_csv(2)})
        live.wait_state(lambda s: s["version"] >= 1, "first build")
        events = socket.create_connection(("127.0.0.1", int(live.url.rsplit(":", 1)[1].strip("/"))))
        events.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # an open page's stream
        assert b"text/event-stream" in events.recv(4096)
        assert live.stop(sig) == 0
        assert "Traceback" not in live.output()
        events.close()


def test_a_taken_port_is_an_error(tmp_path):
    (tmp_path / "data.csv").write_text(rows_csv(2), encoding="utf-8")
    (tmp_path / "live.report").write_text(report_text(), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        run = subprocess.run([sys.executable, "-m", "reportdsl", "watch", "live.report", "--port", port],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip() == (f"error: cannot listen on 127.0.0.1:{port}: it is in use "
                                  "(give another --port, or --port 0 for any free one)")


def test_a_missing_report_is_an_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "reportdsl", "watch", "nosuch.report", "--port", "0"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert run.stderr.strip() == "error: nosuch.report: no such report file"
