"""The VS Code extension folder (editors/vscode/): its manifest contributes the
`report` language for *.report with the grammar and the language configuration the
tests tokenize with, and its script parses and starts `reportdsl lsp` over stdio."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from ..conftest import ROOT

EDITOR = ROOT / "editors" / "vscode"


def test_the_manifest_contributes_the_language_grammar_and_configuration():
    manifest = json.loads((EDITOR / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "report" and language["extensions"] == [".report"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar["language"] == "report"
    tm = json.loads((EDITOR / grammar["path"]).read_text(encoding="utf-8"))
    assert tm["scopeName"] == grammar["scopeName"] == "source.report"
    config = json.loads((EDITOR / language["configuration"]).read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}
    assert ["{", "}"] in config["brackets"] and ["(", ")"] in config["brackets"]
    assert {"open": '"', "close": '"', "notIn": ["string", "comment"]} in config["autoClosingPairs"]
    for pattern in (config["wordPattern"], *config["folding"]["markers"].values(),
                    *config["indentationRules"].values()):
        re.compile(pattern)
    assert "onLanguage:report" in manifest["activationEvents"]
    assert "vscode-languageclient" in manifest["dependencies"]
    assert (EDITOR / "package-lock.json").is_file()


def test_the_extension_script_runs_reportdsl_lsp_over_stdio():
    script = (EDITOR / "extension.js").read_text(encoding="utf-8")
    assert 'args: ["lsp"]' in script and "TransportKind.stdio" in script
    assert 'require("vscode-languageclient/node")' in script
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    check = subprocess.run([node, "--check", str(EDITOR / "extension.js")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
