"""``reportdsl lsp``: a language server for ``.report`` files over standard input and output.

In: the Language Server Protocol on stdin. Out: its answers on stdout: diagnostics
(``analysis``: every error ``check`` finds, with ranges), hover (``hover``), completion
(``completion``), go to definition (``navigation``) and formatting (``reportdsl.fmt``).
The protocol is spoken by pygls (``server``); the modules beside it know nothing of it.
"""

from __future__ import annotations


def serve() -> None:
    from reportdsl.lsp.server import make_server

    make_server().start_io()
