"""``reportdsl lsp`` end to end (CONTRACT.md §7): pytest-lsp starts the real command as a
subprocess and speaks the Language Server Protocol to it: diagnostics with their
ranges, hover text, completion at a few places, definitions, formatting edits, and a
half-typed report that neither crashes the server nor stops completion."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from ..conftest import EXAMPLES

SALES = EXAMPLES / "sales_by_region.report"
SALES_TEXT = SALES.read_text(encoding="utf-8")
SALES_URI = SALES.as_uri()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "reportdsl", "lsp"],
                                              server_env=dict(os.environ)), scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


def _at(text: str, needle: str, shift: int = 0) -> types.Position:
    """The position of ``needle``'s first character (plus ``shift``) in ``text``."""
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


async def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="report", version=version, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


async def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


BROKEN = """report broken {
  source csv "data/sales.csv"
  field total = qty * price
  where totl > 0
  detail {
    column a "A" = total + "x"
    column b "B" = SUMM(qty)
  }
}
"""


@pytest.mark.asyncio(loop_scope="module")
async def test_every_check_error_is_a_diagnostic_with_its_range(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "broken.report"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sales.csv").write_text("qty,price\n1,2.5\n", encoding="utf-8")
    await _open(client, path.as_uri(), BROKEN)
    found = client.diagnostics[path.as_uri()]
    assert len(found) == 3  # all the file's errors, in file order, not just the first
    where = [(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) for d in found]
    assert where[0] == (3, 8, 3, 12)  # `totl`
    assert "unknown name 'totl' (did you mean 'total'?)" in found[0].message
    assert where[1][0] == 5 and "total" in BROKEN.splitlines()[5][where[1][1]:]
    assert where[2][0] == 6 and "SUMM" in found[2].message
    assert all(d.severity == types.DiagnosticSeverity.Error and d.source == "reportdsl" for d in found)


@pytest.mark.asyncio(loop_scope="module")
async def test_a_half_typed_report_is_a_syntax_diagnostic_and_still_completes(client: LanguageClient):
    uri = SALES_URI
    await _open(client, uri, SALES_TEXT)
    assert not client.diagnostics[uri]
    half = SALES_TEXT.replace("  summary {\n    line\n", "  summary {\n    line\n    row { product: SUM(quan\n", 1)
    await _change(client, uri, half, 2)
    (error,) = client.diagnostics[uri]
    typed = half.index("SUM(quan\n") + len("SUM(quan")
    assert error.range.start.line in (half.count("\n", 0, typed), half.count("\n", 0, typed) + 1)
    # completion answers from the last text that parsed: the fields, params and columns are still offered
    position = _at(half, "SUM(quan\n", len("SUM(quan"))
    completion = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), position))
    labels = {item.label for item in completion.items}
    assert {"revenue", "min_amount", "unit_price", "SUM", "coalesce"} <= labels
    # and the server still answers after the syntax error
    await _change(client, uri, SALES_TEXT, 3)
    assert not client.diagnostics[uri]


@pytest.mark.asyncio(loop_scope="module")
async def test_hover(client: LanguageClient):
    await _open(client, SALES_URI, SALES_TEXT)

    async def hover(needle: str, shift: int = 0) -> str:
        result = await client.text_document_hover_async(types.HoverParams(
            types.TextDocumentIdentifier(SALES_URI), _at(SALES_TEXT, needle, shift)))
        assert result is not None, needle
        return result.contents.value

    field = await hover("abs(revenue)", len("abs("))
    assert field.startswith("**field** `revenue`: decimal") and "field revenue = quantity * unit_price" in field
    param = await hover("min_amount\n")
    assert param.startswith("**parameter** `min_amount`: decimal")
    column = await hover("SUM(quantity)", len("SUM("))
    assert column.startswith("**source column** `quantity`: int")
    share = await hover("SUM(revenue) over report | percent(1)} of all sales.\" italic")
    assert "Covers all the report's rows" in share
    group_total = await hover("SUM(revenue) / SUM(revenue) over region")
    assert "Covers the rows of the current `customer` group" in group_total
    assert (await hover("region | percent", 0)).startswith("**group key** `region`: string")
    assert "percent" in await hover("percent(1)} of all sales.\" italic")


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_on_a_filtered_running_aggregate(client: LanguageClient, tmp_path: Path):
    text = """report r {
  source csv "data.csv" { amount: decimal, status: string }
  group status {
    footer {
      text "{SUM(amount where status == \\"open\\") running}"
    }
  }
}
"""
    uri = (tmp_path / "r.report").as_uri()
    await _open(client, uri, text)
    result = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), _at(text, "SUM(")))
    assert result is not None
    value = result.contents.value
    assert "mode `running`" in value and 'Only the rows where `status == \\"open\\"`' in value


@pytest.mark.asyncio(loop_scope="module")
async def test_completion_offers_what_is_in_scope(client: LanguageClient):
    await _open(client, SALES_URI, SALES_TEXT)

    async def labels(needle: str, shift: int = 0) -> dict[str, types.CompletionItemKind | None]:
        result = await client.text_document_completion_async(types.CompletionParams(
            types.TextDocumentIdentifier(SALES_URI), _at(SALES_TEXT, needle, shift)))
        return {item.label: item.kind for item in result.items}

    in_detail = await labels("coalesce(sales_rep")
    assert in_detail["revenue"] == types.CompletionItemKind.Field
    assert in_detail["since"] == types.CompletionItemKind.Variable
    assert in_detail["sales_rep"] == types.CompletionItemKind.Property
    assert {"region", "customer", "row_number", "column", "SUM"} <= set(in_detail)
    in_region_header = await labels('text "Region {region}"')
    assert "region" in in_region_header and "customer" not in in_region_header  # keys visible there
    assert "text" in in_region_header and "page" not in in_region_header
    in_page_footer = await labels('text "Page {page}')
    assert {"page", "pages"} <= set(in_page_footer)
    after_bar = await labels("| date(\"yyyy", 2)
    assert {"date", "currency", "percent"} <= set(after_bar) and "revenue" not in after_bar
    at_report_level = await labels("  where abs")
    assert {"group", "detail", "param", "field"} <= set(at_report_level)


@pytest.mark.asyncio(loop_scope="module")
async def test_go_to_definition(client: LanguageClient):
    await _open(client, SALES_URI, SALES_TEXT)

    async def definition(needle: str, shift: int = 0) -> tuple[int, int] | None:
        result = await client.text_document_definition_async(types.DefinitionParams(
            types.TextDocumentIdentifier(SALES_URI), _at(SALES_TEXT, needle, shift)))
        if result is None:
            return None
        assert isinstance(result, types.Location) and result.uri == SALES_URI
        return result.range.start.line, result.range.start.character

    def declared(keyword: str, name: str) -> tuple[int, int]:
        # the line and column of ``name`` where ``keyword name`` declares it
        lines = SALES_TEXT.splitlines()
        (line,) = [i for i, text in enumerate(lines) if re.match(rf"\s*{keyword} {name}\b", text)]
        return line, lines[line].index(f"{keyword} {name}") + len(keyword) + 1

    assert await definition("abs(revenue)", 4) == declared("field", "revenue")
    assert await definition("min_amount\n") == declared("param", "min_amount")
    assert await definition("over region |", 5) == declared("group", "region")
    assert await definition('"Total {region}"', 8) == declared("group", "region")  # a name in a text's hole
    assert await definition("page_footer {") is None  # a keyword
    assert await definition("{customer}{if(continued", 1) == declared("group", "customer")  # the group's key

@pytest.mark.asyncio(loop_scope="module")
async def test_formatting_edits(client: LanguageClient, tmp_path: Path):
    uri = (tmp_path / "messy.report").as_uri()
    messy = 'report r {title "x"  // note\n  detail {column a "A"=a\n column bb = bb|number}}\n'
    await _open(client, uri, messy)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        types.TextDocumentIdentifier(uri), types.FormattingOptions(tab_size=2, insert_spaces=True)))
    (edit,) = edits
    assert (edit.range.start.line, edit.range.start.character) == (0, 0)
    assert (edit.range.end.line, edit.range.end.character) == (3, 0)
    assert edit.new_text == ('report r {\n  title "x"  // note\n\n  detail {\n'
                             '    column a  "A" = a\n    column bb     = bb | number\n  }\n}\n')
    await _change(client, uri, edit.new_text, 2)
    again = await client.text_document_formatting_async(types.DocumentFormattingParams(
        types.TextDocumentIdentifier(uri), types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert again is not None and len(again) == 0
