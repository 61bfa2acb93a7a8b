// Lines from the server's stderr go to the log at their own level.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { stderrLevel } from "../common/serverLog";

describe("stderrLevel", () => {
  it("reads Python logging's level prefix", () => {
    assert.equal(stderrLevel("WARNING:pygls.protocol.json_rpc:Server shutting down. No more requests!"), "warn");
    assert.equal(stderrLevel("INFO:plan_lsp:started"), "info");
    assert.equal(stderrLevel("DEBUG:plan_lsp:x"), "debug");
    assert.equal(stderrLevel("ERROR:pygls:boom"), "error");
    assert.equal(stderrLevel("CRITICAL:x:y"), "error");
  });
  it("takes anything else for an error (a traceback)", () => {
    assert.equal(stderrLevel("Traceback (most recent call last):"), "error");
    assert.equal(stderrLevel("ModuleNotFoundError: No module named 'plan_lsp'"), "error");
    assert.equal(stderrLevel("  WARNING: indented is not a prefix"), "error");
  });
});
