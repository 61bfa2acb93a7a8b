/**
 * A status-bar item on plans: `$(checklist) Draft · 7/12 tasks`, from the server's
 * `planLsp/status`; clicking it opens the outline. Refreshed, debounced, when the active editor,
 * its text or its diagnostics change.
 */
import * as vscode from "vscode";

import type { PlanServer } from "./server";
import { formatStatus, isPlanStatus } from "./status";

const DEBOUNCE_MS = 200;

export class PlanStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: { dispose(): unknown }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly server: PlanServer) {
    this.item = vscode.window.createStatusBarItem("planLsp.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "Plan Status";
    this.item.command = { command: "outline.focus", title: "Open the outline" };
    const isActive = (doc: vscode.TextDocument): boolean => doc === vscode.window.activeTextEditor?.document;
    this.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.schedule(0);
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isActive(doc)) {
          this.schedule();
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isActive(e.document)) {
          this.schedule();
        }
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) {
          this.schedule();
        }
      }),
      server.onDidChangeState(() => {
        this.schedule(0);
      }),
    );
    this.schedule(0);
  }

  schedule(delay = DEBOUNCE_MS): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== "markdown" || !this.server.running) {
      this.item.hide();
      return;
    }
    let answer: unknown;
    try {
      answer = await this.server.status(editor.document.uri);
    } catch {
      answer = null; // the server restarting, or the document not open in it yet
    }
    if (generation !== this.generation) {
      return; // a newer refresh is under way
    }
    if (!isPlanStatus(answer)) {
      this.item.hide();
      return;
    }
    const { text, tooltip } = formatStatus(answer);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const d of this.subscriptions) {
      d.dispose();
    }
  }
}
