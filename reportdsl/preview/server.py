"""``reportdsl watch``: the preview server, from the socket to Ctrl-C.

In: what the command line says (the report, its parameters and source, the port, the
page format, whether to open a browser). Out: a server on 127.0.0.1 until Ctrl-C or
SIGTERM, then exit status 0; a port that cannot be had is a ``ReportError``
(exit 1, no traceback).

The socket is bound here, before uvicorn runs, so a taken port is a message in the
user's words and ``--port 0`` (any free port) prints the one it got. The first build
starts on its worker thread before the server does, so the first pages are ready
about when the page first asks for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from reportdsl.errors import ReportError, fail
from reportdsl.preview.builds import Builder
from reportdsl.preview.rebuilds import Rebuilds
from reportdsl.preview.watching import stop, watch

HOST = "127.0.0.1"  # the loopback interface only: a preview is for the person at this machine
DEFAULT_PORT = 8765


def serve(report: str, *, port: int = DEFAULT_PORT, params: Mapping[str, str] | None = None,
          source: str | None = None, format: str = "svg", open_browser: bool = False,
          allow_outside_paths: bool = False, on_compiled: Callable[[], None] | None = None) -> None:
    if not Path(report).is_file():
        raise fail(ReportError, f"{report}: no such report file")
    sock = _listen(port)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    builder = Builder(report, params=params or {}, source=source, format=format,
                      allow_outside_paths=allow_outside_paths, on_compiled=on_compiled)
    rebuilds = Rebuilds(builder)
    print(f"watching {report}: {url} (Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        server = _server(rebuilds)
        if open_browser:
            # a thread: webbrowser may wait for the browser it starts
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        asyncio.run(_serve(server, rebuilds, sock))
    finally:
        rebuilds.stop()
        sock.close()


async def _serve(server, rebuilds: Rebuilds, sock: socket.socket) -> None:
    builds = asyncio.create_task(rebuilds.run())
    watcher = asyncio.create_task(watch(rebuilds))
    try:
        await server.serve(sockets=[sock])
    finally:
        rebuilds.stop()
        await stop(watcher)
        await stop(builds)


def _server(rebuilds: Rebuilds):
    """uvicorn's server, whose Ctrl-C and SIGTERM end ``serve()`` and nothing more: by
    default uvicorn raises the signal again once it has stopped, which would make Ctrl-C
    an interrupted command (exit 130) instead of the way to stop this one (exit 0)."""
    import uvicorn

    from reportdsl.preview.app import create_app

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    app = create_app(rebuilds, title=Path(rebuilds.builder.report).name, stopping=lambda: server.should_exit)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    server = Server(config)
    return server


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        reason = "it is in use (give another --port, or --port 0 for any free one)" \
            if err.errno == errno.EADDRINUSE else (err.strerror or str(err))
        raise fail(ReportError, f"cannot listen on {HOST}:{port}: {reason}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
