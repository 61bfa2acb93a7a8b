/**
 * The Plans view in the Explorer: every plan of the workspace grouped by Status, each with its
 * progress and problem count; a click opens it. Data from the server's `planLsp/plans`
 * (src/common/plans.ts), refreshed, debounced, when the server says the plans changed, when
 * diagnostics change and when the server starts or stops.
 */
import * as vscode from "vscode";

import { describeGroup, describePlan, groupByStatus, isPlansAnswer, type PlanEntry, type StatusGroup } from "./plans";
import type { PlanServer } from "./server";

const DEBOUNCE_MS = 300;
export const VIEW_ID = "planLsp.plans";

type Node = { group: StatusGroup } | { plan: PlanEntry };

export class PlansView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: { dispose(): unknown }[] = [];
  private groups: StatusGroup[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;
  private readonly view: vscode.TreeView<Node>;

  constructor(private readonly server: PlanServer) {
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.view,
      this.changed,
      server.onDidChangePlans(() => {
        this.schedule();
      }),
      server.onDidChangeState(() => {
        this.schedule(0);
      }),
      vscode.languages.onDidChangeDiagnostics(() => {
        this.schedule();
      }),
      vscode.commands.registerCommand("planLsp.refreshPlans", () => {
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
    let answer: unknown;
    try {
      answer = await this.server.plans();
    } catch {
      answer = null; // the server restarting
    }
    if (generation !== this.generation) {
      return;
    }
    if (!isPlansAnswer(answer)) {
      this.groups = [];
      this.view.message = this.server.running ? undefined : "The plan-lsp server is not running.";
    } else {
      this.groups = groupByStatus(answer);
      const count = answer.plans.length;
      this.view.message = answer.indexing ? "Indexing the workspace…" : count === 0 ? "No plans in this workspace." : undefined;
      this.view.description = count ? `${count} plan${count === 1 ? "" : "s"}` : undefined;
    }
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return this.groups.map((group) => ({ group }));
    }
    return "group" in node ? node.group.plans.map((plan) => ({ plan })) : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ("group" in node) {
      const { label, description } = describeGroup(node.group);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `status:${label}`;
      item.description = description;
      item.contextValue = "planStatus";
      return item;
    }
    const plan = node.plan;
    const { label, description, tooltip } = describePlan(plan);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    const uri = vscode.Uri.parse(plan.uri);
    item.id = `plan:${plan.uri}`;
    item.resourceUri = uri;
    item.description = description;
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(
      plan.mismatch ? "warning" : plan.tasksTotal > 0 && plan.tasksDone === plan.tasksTotal ? "pass" : "checklist",
    );
    item.command = { command: "vscode.open", title: "Open", arguments: [uri] };
    item.contextValue = "plan";
    return item;
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
