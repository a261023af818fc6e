"""Live preview (CONTRACT.md §7, ``reportdsl watch``): a local server that shows a
report's pages and builds them again whenever the report or a file it reads changes.

The modules, in the order a change travels: ``watching`` (file changes → a request),
``rebuilds`` (one build at a time, cancelled by a newer change; the state the page
shows), ``builds`` (one build: pages or the compiler's error; the files to watch),
``dependencies`` (which files those are), ``app`` (the page, its images and events),
``server`` (socket, uvicorn, Ctrl-C). ``static/`` holds the page and its script.
"""

from reportdsl.preview.server import DEFAULT_PORT, serve

__all__ = ["DEFAULT_PORT", "serve"]
