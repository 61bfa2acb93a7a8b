/**
 * Plan LSP for VS Code: starts the plan-lsp language server (bundled in the extension) for
 * Markdown files, and adds a status-bar item and the "Plan: …" commands. The work is in
 * src/common: interpreter (which Python), server (starting it), settings, log, commands.
 */
import type * as vscode from "vscode";

import { registerCommands } from "./common/commands";
import { createLog } from "./common/log";
import { PlansView } from "./common/plansView";
import { PlanServer } from "./common/server";
import { PlanStatusBar } from "./common/statusBar";

let server: PlanServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = createLog(context);
  const manifest = context.extension.packageJSON as { version?: string };
  log.info(`Plan LSP ${manifest.version ?? "?"} activating`);
  server = new PlanServer(context, log);
  context.subscriptions.push(new PlanStatusBar(server), new PlansView(server));
  registerCommands(context, server, log);
  void server.restart("extension activated");
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
