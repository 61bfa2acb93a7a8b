/**
 * The Plans view's model, from the server's `planLsp/plans` answer: plans grouped by Status,
 * each with its progress and problem count. Pure, no `vscode` import (unit-tested).
 */

export const PLANS_METHOD = "planLsp/plans";
/** Sent by the server (no parameters) when the answer to `planLsp/plans` would change. */
export const PLANS_CHANGED = "planLsp/plansChanged";

/** One plan of `planLsp/plans`. */
export interface PlanEntry {
  uri: string;
  title: string;
  kind: string;
  status: string | null;
  tasksDone: number;
  tasksTotal: number;
  problems: number;
  mismatch?: string | null;
}

/** `planLsp/plans` answers this. */
export interface PlansAnswer {
  plans: PlanEntry[];
  /** Status values in the templates' order (Draft, In Progress, Completed, …). */
  statuses: string[];
  /** Whether the server is still indexing the workspace. */
  indexing: boolean;
}

function isEntry(value: unknown): value is PlanEntry {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.uri === "string" &&
    typeof v.title === "string" &&
    typeof v.kind === "string" &&
    (typeof v.status === "string" || v.status === null) &&
    typeof v.tasksDone === "number" &&
    typeof v.tasksTotal === "number" &&
    typeof v.problems === "number"
  );
}

export function isPlansAnswer(value: unknown): value is PlansAnswer {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.plans) &&
    v.plans.every(isEntry) &&
    Array.isArray(v.statuses) &&
    v.statuses.every((s) => typeof s === "string")
  );
}

export const NO_STATUS = "No status";

export interface StatusGroup {
  status: string;
  plans: PlanEntry[];
}

function statusKey(status: string): string {
  return status.trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * Plans grouped by Status: groups in the templates' order of values (others after, by name,
 * plans with no Status last); plans by title within a group. Values that differ only in case or
 * spacing are one group, named as the template writes it.
 */
export function groupByStatus(answer: PlansAnswer): StatusGroup[] {
  const order = new Map<string, number>();
  const names = new Map<string, string>();
  answer.statuses.forEach((s, i) => {
    if (!order.has(statusKey(s))) {
      order.set(statusKey(s), i);
      names.set(statusKey(s), s);
    }
  });
  const groups = new Map<string, StatusGroup>();
  for (const plan of answer.plans) {
    const raw = plan.status?.trim() ? plan.status.trim() : NO_STATUS;
    const key = raw === NO_STATUS ? "\u0000none" : statusKey(raw);
    let group = groups.get(key);
    if (!group) {
      group = { status: names.get(key) ?? raw, plans: [] };
      groups.set(key, group);
    }
    group.plans.push(plan);
  }
  const rank = (key: string): [number, string] => {
    if (key === "\u0000none") {
      return [2, ""];
    }
    const at = order.get(key);
    return at === undefined ? [1, key] : [0, String(at).padStart(6, "0")];
  };
  const keys = [...groups.keys()].sort((a, b) => {
    const [ra, sa] = rank(a);
    const [rb, sb] = rank(b);
    return ra !== rb ? ra - rb : sa < sb ? -1 : sa > sb ? 1 : 0;
  });
  return keys.map((k) => {
    const g = groups.get(k) as StatusGroup;
    g.plans.sort((a, b) => a.title.localeCompare(b.title) || a.uri.localeCompare(b.uri));
    return g;
  });
}

/** `▰▰▰▱▱` for 3/5: `width` cells, rounded down so a bar is full only when all is done. */
export function progressBar(done: number, total: number, width = 10): string {
  if (total <= 0) {
    return "";
  }
  const filled = Math.min(width, Math.floor((width * Math.max(0, done)) / total));
  return "▰".repeat(filled) + "▱".repeat(width - filled);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A plan's row: its title, then `▰▰▰▱▱ 3/5 · 2 problems`, and a tooltip in words. */
export function describePlan(plan: PlanEntry): { label: string; description: string; tooltip: string } {
  const parts: string[] = [];
  if (plan.tasksTotal > 0) {
    parts.push(`${progressBar(plan.tasksDone, plan.tasksTotal)} ${plan.tasksDone}/${plan.tasksTotal}`);
  }
  if (plan.problems > 0) {
    parts.push(plural(plan.problems, "problem", "problems"));
  }
  const tooltip = [
    plan.title,
    `${plan.kind} · ${plan.status?.trim() ? plan.status.trim() : NO_STATUS}`,
    plan.tasksTotal > 0 ? `${plan.tasksDone} of ${plural(plan.tasksTotal, "task", "tasks")} done` : "No tasks",
    plan.problems > 0 ? plural(plan.problems, "problem", "problems") : "No problems",
    ...(plan.mismatch ? [plan.mismatch] : []),
  ].join("\n");
  return { label: plan.title || plan.uri.split("/").pop() || plan.uri, description: parts.join(" · "), tooltip };
}

/** A group's row: `In Progress` with `3 plans · 12/40 tasks`. */
export function describeGroup(group: StatusGroup): { label: string; description: string } {
  const done = group.plans.reduce((n, p) => n + p.tasksDone, 0);
  const total = group.plans.reduce((n, p) => n + p.tasksTotal, 0);
  const parts = [plural(group.plans.length, "plan", "plans")];
  if (total > 0) {
    parts.push(`${done}/${total} tasks`);
  }
  return { label: group.status, description: parts.join(" · ") };
}
