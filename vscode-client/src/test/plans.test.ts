// The Plans view's model: grouping by Status, progress bars, rows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeGroup, describePlan, groupByStatus, isPlansAnswer, progressBar, type PlanEntry } from "../common/plans";

function plan(title: string, status: string | null, done = 0, total = 0, problems = 0): PlanEntry {
  return { uri: `file:///w/${title}.md`, title, kind: "plan", status, tasksDone: done, tasksTotal: total, problems };
}

describe("groupByStatus", () => {
  it("orders groups as the templates order the values, others by name, no status last", () => {
    const groups = groupByStatus({
      plans: [
        plan("b", "Completed"),
        plan("x", null),
        plan("a", "in  progress"),
        plan("c", "Draft"),
        plan("d", "Accepted"),
        plan("e", "In Progress"),
      ],
      statuses: ["Draft", "In Progress", "Completed"],
      indexing: false,
    });
    assert.deepEqual(
      groups.map((g) => [g.status, g.plans.map((p) => p.title)]),
      [
        ["Draft", ["c"]],
        ["In Progress", ["a", "e"]],
        ["Completed", ["b"]],
        ["Accepted", ["d"]],
        ["No status", ["x"]],
      ],
    );
  });
});

describe("rows", () => {
  it("draws progress as a bar, full only when all is done", () => {
    assert.equal(progressBar(3, 5), "▰▰▰▰▰▰▱▱▱▱");
    assert.equal(progressBar(27, 28), "▰▰▰▰▰▰▰▰▰▱");
    assert.equal(progressBar(28, 28), "▰▰▰▰▰▰▰▰▰▰");
    assert.equal(progressBar(0, 0), "");
  });
  it("describes a plan and a group", () => {
    const p = { ...plan("Login", "Completed", 3, 5, 2), mismatch: "Status is Completed but 2 of 5 tasks are open" };
    assert.deepEqual(describePlan(p), {
      label: "Login",
      description: "▰▰▰▰▰▰▱▱▱▱ 3/5 · 2 problems",
      tooltip: "Login\nplan · Completed\n3 of 5 tasks done\n2 problems\nStatus is Completed but 2 of 5 tasks are open",
    });
    assert.deepEqual(describePlan(plan("Empty", null)).description, "");
    assert.deepEqual(describeGroup({ status: "Draft", plans: [plan("a", "Draft", 1, 4), plan("b", "Draft", 0, 2)] }), {
      label: "Draft",
      description: "2 plans · 1/6 tasks",
    });
  });
  it("knows an answer from anything else", () => {
    assert.equal(isPlansAnswer({ plans: [plan("a", "Draft")], statuses: ["Draft"], indexing: true }), true);
    assert.equal(isPlansAnswer({ plans: [{ uri: 1 }], statuses: [] }), false);
    assert.equal(isPlansAnswer(null), false);
  });
});
