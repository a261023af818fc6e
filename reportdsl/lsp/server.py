"""The language server: the protocol (pygls) on one side, ``analysis``, ``hover``,
``completion``, ``navigation`` and ``reportdsl.fmt`` on the other.

In: LSP messages. Out: LSP messages. Each open document is analysed when it is opened
or changed, and its diagnostics published; requests read the latest analysis, and
completion the latest one that parsed (a half-typed line still completes). Offsets
become protocol positions in UTF-16 units (``positions``).
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from reportdsl.errors import Diagnostic, ReportError
from reportdsl.lsp.analysis import Analysis, analyse
from reportdsl.lsp.completion import complete
from reportdsl.lsp.hover import hover
from reportdsl.lsp.navigation import target_at
from reportdsl.lsp.positions import Positions

log = logging.getLogger(__name__)

ITEM_KINDS = {
    "field": types.CompletionItemKind.Field,
    "param": types.CompletionItemKind.Variable,
    "column": types.CompletionItemKind.Property,
    "group": types.CompletionItemKind.EnumMember,
    "builtin": types.CompletionItemKind.Constant,
    "function": types.CompletionItemKind.Function,
    "aggregate": types.CompletionItemKind.Function,
    "format": types.CompletionItemKind.Value,
    "keyword": types.CompletionItemKind.Keyword,
}


class ReportServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("reportdsl", version("reportdsl"), text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.analyses: dict[str, Analysis] = {}
        self.last_parsed: dict[str, Analysis] = {}

    def text(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source

    def refresh(self, uri: str) -> None:
        text = self.text(uri)
        analysis = analyse(text, to_fs_path(uri) or uri)
        self.analyses[uri] = analysis
        if analysis.parsed:
            self.last_parsed[uri] = analysis
        positions = Positions(analysis.source.text)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[_diagnostic(d, positions) for d in analysis.diagnostics]))

    def analysis(self, uri: str) -> Analysis:
        if uri not in self.analyses:
            self.refresh(uri)
        return self.analyses[uri]


def _range(positions: Positions, start: int, end: int) -> types.Range:
    (l1, c1), (l2, c2) = positions.position(start), positions.position(max(start, end))
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def _diagnostic(diagnostic: Diagnostic, positions: Positions) -> types.Diagnostic:
    start, end = diagnostic.span or (0, 0)
    message = "\n".join([diagnostic.message, *diagnostic.notes])
    return types.Diagnostic(range=_range(positions, start, end), message=message,
                            severity=types.DiagnosticSeverity.Error, source="reportdsl")


def make_server() -> ReportServer:
    server = ReportServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ReportServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ReportServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ReportServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)  # the source's schema may have changed on disk

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ReportServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.pop(uri, None)
        ls.last_parsed.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: ReportServer, params: types.HoverParams) -> types.Hover | None:
        analysis = ls.analysis(params.text_document.uri)
        positions = Positions(analysis.source.text)
        found = hover(analysis, positions.offset(params.position.line, params.position.character))
        if found is None:
            return None
        text, span = found
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=_range(positions, *span))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: ReportServer, params: types.DefinitionParams) -> types.Location | None:
        analysis = ls.analysis(params.text_document.uri)
        positions = Positions(analysis.source.text)
        target = target_at(analysis, positions.offset(params.position.line, params.position.character))
        if target is None or target.definition is None:
            return None
        return types.Location(uri=params.text_document.uri, range=_range(positions, *target.definition))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=["|"]))
    def on_completion(ls: ReportServer, params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        text = ls.text(uri)
        positions = Positions(text)
        offset = positions.offset(params.position.line, params.position.character)
        items = [types.CompletionItem(label=i.label, kind=ITEM_KINDS.get(i.kind), detail=i.detail or None,
                                      documentation=i.doc or None)
                 for i in complete(text, offset, ls.last_parsed.get(uri))]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def on_formatting(ls: ReportServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        from reportdsl.fmt import format_report

        uri = params.text_document.uri
        text = ls.text(uri)
        try:
            formatted = format_report(text, to_fs_path(uri) or uri)
        except ReportError as err:  # a syntax error (already a diagnostic) or a refusal
            ls.window_show_message(types.ShowMessageParams(types.MessageType.Warning,
                                                           f"reportdsl fmt: {err.diagnostics[0].message}"))
            return None
        if formatted == text:
            return []
        positions = Positions(text)
        return [types.TextEdit(range=_range(positions, 0, len(text)), new_text=formatted)]

    return server
