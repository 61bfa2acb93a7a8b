// The status-bar text from planLsp/status, and the restart policy.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { RestartPolicy } from "../common/restarts";
import { formatStatus, isPlanStatus } from "../common/status";

describe("formatStatus", () => {
  it("shows the Status and the tasks", () => {
    assert.deepEqual(formatStatus({ kind: "plan", status: "Draft", tasksDone: 7, tasksTotal: 12, problems: 3 }), {
      text: "$(checklist) Draft · 7/12 tasks",
      tooltip: "Plan status: Draft\n7 of 12 tasks done\n3 problems\nClick to open the outline",
    });
  });
  it("says when there is no Status and no tasks", () => {
    assert.deepEqual(formatStatus({ kind: "plan", status: null, tasksDone: 0, tasksTotal: 0, problems: 1 }), {
      text: "$(checklist) No status",
      tooltip: "Plan status: No status\nNo tasks yet\n1 problem\nClick to open the outline",
    });
  });
  it("knows a status answer from anything else", () => {
    assert.equal(isPlanStatus({ kind: "plan", status: "Draft", tasksDone: 1, tasksTotal: 28, problems: 3 }), true);
    assert.equal(isPlanStatus(null), false);
    assert.equal(isPlanStatus({ kind: "plan" }), false);
  });
});

describe("RestartPolicy", () => {
  it("restarts 5 times in 3 minutes, then stops", () => {
    const policy = new RestartPolicy(5, 180_000);
    const got = [0, 1, 2, 3, 4, 5].map((s) => policy.crashed(s * 1000).restart);
    assert.deepEqual(got, [true, true, true, true, true, false]);
  });
  it("forgets crashes older than the window", () => {
    const policy = new RestartPolicy(1, 1000);
    assert.equal(policy.crashed(0).restart, true);
    assert.equal(policy.crashed(500).restart, false);
    assert.deepEqual(policy.crashed(1600), { restart: true, count: 1 });
  });
});
