/**
 * The status-bar text for a plan, from the server's `planLsp/status` answer: pure, no `vscode`
 * import (unit-tested).
 */

export const STATUS_METHOD = "planLsp/status";

/** `planLsp/status` answers this, or null for a document that is not a plan. */
export interface PlanStatus {
  kind: string;
  status: string | null;
  tasksDone: number;
  tasksTotal: number;
  problems: number;
}

export function isPlanStatus(value: unknown): value is PlanStatus {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.kind === "string" &&
    (typeof v.status === "string" || v.status === null || v.status === undefined) &&
    typeof v.tasksDone === "number" &&
    typeof v.tasksTotal === "number" &&
    typeof v.problems === "number"
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `$(checklist) Draft · 7/12 tasks`, and a tooltip that says it in words. */
export function formatStatus(s: PlanStatus): { text: string; tooltip: string } {
  const status = s.status && s.status.trim() ? s.status.trim() : "No status";
  const parts = [status];
  if (s.tasksTotal > 0) {
    parts.push(`${s.tasksDone}/${s.tasksTotal} tasks`);
  }
  const tooltip = [
    `Plan status: ${status}`,
    s.tasksTotal > 0 ? `${s.tasksDone} of ${plural(s.tasksTotal, "task", "tasks")} done` : "No tasks yet",
    s.problems > 0 ? plural(s.problems, "problem", "problems") : "No problems",
    "Click to open the outline",
  ].join("\n");
  return { text: `$(checklist) ${parts.join(" · ")}`, tooltip };
}
