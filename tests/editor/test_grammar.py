"""The editor grammar (editors/vscode/syntaxes/report.tmLanguage.json) tokenized by a
real TextMate engine — vscode-textmate with the Oniguruma regular expressions VS Code
uses, run by node (editors/vscode/test/) — on every bundled report, and compared with
the project's own lexer (grammars/report.lark): every keyword, string, interpolation
``{…}`` inside a string (and what stands in it), comment, number and length must get
its scope.

Node and the npm packages (``npm ci`` in editors/vscode/test, which .ci/run does) are
needed: without them these tests skip with the reason, and ``REPORTDSL_REQUIRE_SERVERS=1``
(CI) makes that a failure.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from lark import Lark, Token

from reportdsl.syntax.strings import StringSyntaxError, decode, split_template

from ..conftest import EXAMPLES, FIXTURES, ROOT
from ..conftest import missing as _missing

EDITOR = ROOT / "editors" / "vscode"
GRAMMAR = EDITOR / "syntaxes" / "report.tmLanguage.json"
TOOL = EDITOR / "test"
REPORTS = sorted(EXAMPLES.glob("*.report")) + sorted((FIXTURES / "ok").glob("*.report"))

KEYWORD_SCOPES = ("keyword.", "support.constant.", "support.type.", "constant.language.", "variable.language.")
NEWLINE = ("\n",)
COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)




@pytest.fixture(scope="module")
def scopes() -> dict[Path, list[tuple[str, ...]]]:
    """For each report, the TextMate scopes of each character of its text."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed (the grammar is tested with vscode-textmate)")
    if not (TOOL / "node_modules" / "vscode-textmate").is_dir():
        _missing(f"vscode-textmate is not installed: run 'npm ci' in {TOOL}")
    run = subprocess.run([node, str(TOOL / "tokenize.js"), str(GRAMMAR), *map(str, REPORTS)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = {}
    for name, lines in json.loads(run.stdout).items():
        chars: list[tuple[str, ...]] = []
        for tokens in lines:
            for token in tokens:
                chars.extend([tuple(token["scopes"])] * len(token["text"]))
            chars.append(NEWLINE)  # TextMate gives a line's end no token
        out[Path(name)] = chars
    return out


@cache
def _lexer(start: str) -> tuple[Lark, list[Token]]:
    """The project's parser, collecting every token its contextual lexer makes (the
    ignored comments too)."""
    grammar = (ROOT / "grammars" / "report.lark").read_text(encoding="utf-8")
    names = [t.name for t in Lark(grammar, parser="lalr", lexer="contextual", start=start).terminals]
    seen: list[Token] = []

    def keep(token: Token) -> Token:
        seen.append(token)
        return token

    return Lark(grammar, parser="lalr", lexer="contextual", start=start,
                lexer_callbacks={name: keep for name in names}), seen


def lex(text: str, start: str = "start") -> list[Token]:
    parser, seen = _lexer(start)
    seen.clear()
    parser.parse(text)
    return list(seen)


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def has(chars, start: int, end: int, prefix: str | tuple[str, ...]) -> bool:
    """Every character in [start, end) but line ends has a scope starting with prefix."""
    return all(chars[i] is NEWLINE or any(s.startswith(prefix) for s in chars[i]) for i in range(start, end))


def where(path: Path, text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{path.name}:{line}: {text.splitlines()[line - 1].strip()!r}"


def _tokens(path: Path) -> tuple[str, list[Token]]:
    text = text_of(path)
    return text, lex(text)


def _is_keyword(token: Token) -> bool:
    return token.type != "NAME" and token.value.isidentifier()


def _query_string(tokens: list[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].value == "query"


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keywords_strings_numbers_and_comments_get_their_scopes(scopes, path):
    chars = scopes[path]
    text, tokens = _tokens(path)
    assert len(chars) >= len(text)
    counts = dict.fromkeys(("keyword", "string", "number", "length", "comment"), 0)
    for token in tokens:
        start, end = token.start_pos, token.end_pos
        if token.type == "STRING":
            assert has(chars, start, end, "string."), where(path, text, start)
            counts["string"] += 1
        elif token.type == "LENGTH":
            assert has(chars, start, end, "constant.numeric.length."), where(path, text, start)
            counts["length"] += 1
        elif token.type in ("NUMBER", "INT"):
            assert has(chars, start, end, "constant.numeric."), where(path, text, start)
            counts["number"] += 1
        elif _is_keyword(token):
            assert has(chars, start, end, KEYWORD_SCOPES), (where(path, text, start), token.value, chars[start])
            counts["keyword"] += 1
        if token.type in ("COMMENT", "BLOCK_COMMENT", "_NL"):  # a line's end carries its comment
            for comment in COMMENT.finditer(token.value):
                at = start + comment.start()
                assert has(chars, at, at + len(comment.group()), "comment."), where(path, text, at)
                counts["comment"] += 1
    assert counts["keyword"] >= 3 and counts["string"] >= 1


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_interpolations_and_what_stands_in_them(scopes, path):
    chars = scopes[path]
    text, tokens = _tokens(path)
    for index, token in enumerate(tokens):
        if token.type != "STRING" or _query_string(tokens, index):
            continue
        try:
            parts = split_template(decode(token.value, token.start_pos)).parts
        except StringSyntaxError:
            continue
        for hole in (p for p in parts if not isinstance(p, str)):
            open_at, close_at = hole.span[0], hole.span[1] - 1
            assert "punctuation.section.interpolation.begin.report" in chars[open_at], where(path, text, open_at)
            assert "punctuation.section.interpolation.end.report" in chars[close_at], where(path, text, close_at)
            assert has(chars, open_at, close_at + 1, "meta.interpolation."), where(path, text, open_at)
            for inner in lex(hole.text, "interpolation"):
                first, last = hole.offsets[inner.start_pos], hole.offsets[inner.end_pos - 1] + 1
                if inner.type == "STRING":
                    expected: str | tuple[str, ...] = "string."
                elif inner.type in ("NUMBER", "INT"):
                    expected = "constant.numeric."
                elif _is_keyword(inner):
                    expected = KEYWORD_SCOPES
                elif inner.type == "NAME":  # a name or a call: not a string's text any more
                    expected = ("variable.", "support.function.", "support.constant.format.", "keyword.other.scope.")
                else:
                    continue
                assert has(chars, first, last, expected), (where(path, text, first), inner.value, chars[first])


def test_every_construct_is_covered_by_the_bundled_reports(scopes):
    """What the tests above check, the reports must hold: each kind of scope occurs."""
    seen = {scope for chars in scopes.values() for each in chars for scope in each}
    for scope in ("comment.line.double-slash.report", "comment.block.report", "string.quoted.double.report",
                  "string.quoted.triple.report", "meta.interpolation.report", "constant.numeric.report",
                  "constant.numeric.length.report", "keyword.other.band.report", "keyword.control.conditional.report",
                  "support.function.aggregate.report", "support.constant.format.report", "support.type.report",
                  "constant.character.escape.report", "keyword.other.unit.report"):
        assert scope in seen, scope


SNIPPET = '''report spec_words {
  group region repeat_header {
    header { text "{region}{if(continued, \\" (continued)\\", \\"\\")}" }
  }
  page_footer { text "{SUM(amount) over page} carried {SUM(amount) running}" }
  detail {
    column name "Name" = name nowrap width 4cm
  }
}
'''


def test_words_of_the_spec_the_bundled_reports_may_not_use_yet(tmp_path):
    """§13/§14's repeat_header, continued, nowrap and `over page`, tokenized as such."""
    node = shutil.which("node")
    if node is None or not (TOOL / "node_modules" / "vscode-textmate").is_dir():
        _missing("node or vscode-textmate is not installed (npm ci in editors/vscode/test)")
    path = tmp_path / "snippet.report"
    path.write_text(SNIPPET, encoding="utf-8")
    run = subprocess.run([node, str(TOOL / "tokenize.js"), str(GRAMMAR), str(path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    found = {(t["text"], t["scopes"][-1]) for line in json.loads(run.stdout)[str(path)] for t in line}
    for expected in [("repeat_header", "keyword.other.statement.report"),
                     ("continued", "variable.language.continued.report"),
                     ("\\\"", "punctuation.definition.string.begin.report"),
                     (" (continued)", "string.quoted.double.report"),
                     ("over", "keyword.other.scope.report"), ("page", "keyword.other.scope.report"),
                     ("running", "keyword.other.scope.report"),
                     ("nowrap", "keyword.other.statement.report"), ("4", "constant.numeric.length.report"),
                     ("cm", "keyword.other.unit.report"), ("page_footer", "keyword.other.band.report"),
                     ("SUM", "support.function.aggregate.report")]:
        assert expected in found, expected
