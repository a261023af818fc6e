"""The preview's web application: the page, its script, the pages' images, the events.

In: a ``Rebuilds`` (the state to show) and ``stopping()``, which says when the server
shuts down. Out: a Starlette application for 127.0.0.1 only:

- ``/``: the page (``static/index.html``), which loads ``/preview.js``;
- ``/events``: server-sent events, one JSON message per change of the state (pages,
  error, building), so the page updates without a reload;
- ``/state``: the same message, once;
- ``/page/N.svg`` (or ``.png``): page N of the last good build, ``?v=`` naming the build.

Nothing from the report or its data is ever markup in the page: the script puts the
error text in with ``textContent``, and the pages are images (``<img>``), where an SVG
runs no script and loads nothing; the SVG response carries a policy that forbids it
even when opened on its own. Requests must name the loopback host (a page elsewhere
cannot reach the preview through a DNS name that leads to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator, Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from reportdsl.preview.rebuilds import Rebuilds

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
KEEPALIVE_S = 15.0  # an SSE comment now and then: proxies and browsers keep the stream
POLL_S = 0.25  # how soon an events stream notices that the server stops


def _static(name: str) -> str:
    return resources.files("reportdsl.preview").joinpath("static", name).read_text(encoding="utf-8")


def create_app(rebuilds: Rebuilds, *, title: str, stopping: Callable[[], bool]) -> Starlette:
    fmt = rebuilds.builder.format
    index = _static("index.html").replace("{{title}}", html.escape(title, quote=True))
    assets = {"preview.js": ("text/javascript", _static("preview.js")),
              "preview.css": ("text/css", _static("preview.css"))}
    headers = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

    async def page(request: Request) -> Response:
        return HTMLResponse(index, headers=headers)

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    async def asset(request: Request) -> Response:
        media_type, text = assets[request.url.path.lstrip("/")]
        return Response(text, media_type=media_type, headers=headers)

    async def state(request: Request) -> Response:
        return JSONResponse(rebuilds.state.message(fmt), headers=headers)

    async def image(request: Request) -> Response:
        number, ext = request.path_params["number"], request.path_params["ext"]
        current = rebuilds.state
        if ext != fmt or not 1 <= number <= len(current.pages):
            return Response("no such page", status_code=404, media_type="text/plain")
        same_build = request.query_params.get("v") == str(current.pages_version)
        return Response(current.pages[number - 1], media_type=MEDIA_TYPES[fmt], headers={
            "Content-Security-Policy": IMAGE_POLICY, "X-Content-Type-Options": "nosniff",
            # an image URL names its build: the browser may keep it; a stale ?v= gets today's page, unkept
            "Cache-Control": "private, max-age=86400, immutable" if same_build else "no-store",
        })

    async def events(request: Request) -> Response:
        return StreamingResponse(_event_stream(rebuilds, fmt, stopping), media_type="text/event-stream",
                                 headers={**headers, "X-Accel-Buffering": "no"})

    routes = [
        Route("/", page),
        Route("/preview.js", asset),
        Route("/preview.css", asset),
        Route("/state", state),
        Route("/events", events),
        Route("/page/{number:int}.{ext:str}", image),
        Route("/favicon.ico", no_icon),
    ]
    hosts = ["127.0.0.1", "localhost"]
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])


async def _event_stream(rebuilds: Rebuilds, fmt: str, stopping: Callable[[], bool]) -> AsyncIterator[str]:
    queue = rebuilds.subscribe()
    try:
        yield "retry: 500\n\n"  # the browser reconnects quickly after a restart of the server
        idle = 0.0
        while not stopping():
            try:
                current = await asyncio.wait_for(queue.get(), POLL_S)
            except TimeoutError:
                idle += POLL_S
                if idle >= KEEPALIVE_S:
                    idle = 0.0
                    yield ": keepalive\n\n"
                continue
            idle = 0.0
            yield f"data: {json.dumps(current.message(fmt))}\n\n"
    finally:
        rebuilds.unsubscribe(queue)
