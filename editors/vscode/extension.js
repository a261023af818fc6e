// Starts `reportdsl lsp` (CONTRACT.md §7) as the language server of .report files,
// speaking the Language Server Protocol over its standard input and output.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("reportdsl").get("command") || "reportdsl";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "reportdsl",
    "reportdsl language server",
    { run: server, debug: server },
    {
      documentSelector: [{ language: "report" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.report") },
    },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `reportdsl: could not start '${command} lsp' (${err.message}). ` +
        "Install reportdsl, or set 'reportdsl.command' to its path.",
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
