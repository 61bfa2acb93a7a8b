// planLsp.* settings → what the server is sent; the contributed defaults are the server's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { SERVER_DEFAULTS, expand, serverCommand, serverSettings, wrap, type Read } from "../common/settings";

const read =
  (values: Record<string, unknown>): Read =>
  (key) =>
    values[key];

describe("serverSettings", () => {
  it("sends the defaults when nothing is set", () => {
    assert.deepEqual(serverSettings(read({})), {
      globs: ["**/plan.md", "**/*-plan.md", "**/plans/**/*.md"],
      template: "",
      templatesDir: ".plan-templates",
      severity: {},
      optionalSections: [],
      maxDiagnostics: 500,
      diagnosticsScope: "openFiles",
    });
  });

  it("sends what is set, in the server's camelCase names, and nothing else", () => {
    const got = serverSettings(
      read({
        globs: ["docs/**/*.md"],
        severity: { "unresolved-field": "information" },
        optionalSections: ["Rollback Plan", "データ移行 🚀"],
        maxDiagnostics: 0,
        "server.command": ["/usr/bin/python3"],
        unknownThing: true,
      }),
    );
    assert.deepEqual(got, {
      globs: ["docs/**/*.md"],
      template: "",
      templatesDir: ".plan-templates",
      severity: { "unresolved-field": "information" },
      optionalSections: ["Rollback Plan", "データ移行 🚀"],
      maxDiagnostics: 0,
      diagnosticsScope: "openFiles",
    });
  });

  it("expands ${workspaceFolder} and ~ in template paths", () => {
    const got = serverSettings(read({ template: "${workspaceFolder}/t/plan.md.j2", templatesDir: "~/templates" }), {
      workspaceFolder: "/w",
      userHome: "/home/ana",
    });
    assert.equal(got.template, "/w/t/plan.md.j2");
    assert.equal(got.templatesDir, "/home/ana/templates");
  });

  it("passes values of the wrong shape on, for the server to report", () => {
    assert.equal(serverSettings(read({ maxDiagnostics: "many" })).maxDiagnostics, "many");
  });

  it("never shares the defaults' arrays", () => {
    const got = serverSettings(read({}));
    (got.globs as string[]).push("x");
    assert.equal(SERVER_DEFAULTS.globs.length, 3);
  });

  it("wraps under planLsp", () => {
    assert.deepEqual(wrap({ maxDiagnostics: 1 }), { planLsp: { maxDiagnostics: 1 } });
  });
});

describe("serverCommand and expand", () => {
  it("reads planLsp.server.command, expanded, blanks dropped", () => {
    assert.deepEqual(serverCommand(read({ "server.command": ["~/py/bin/python3", ""] }), { userHome: "/h" }), [
      "/h/py/bin/python3",
    ]);
    assert.deepEqual(serverCommand(read({})), []);
    assert.deepEqual(serverCommand(read({ "server.command": "python3" })), []);
  });
  it("leaves other text alone", () => {
    assert.equal(expand("a~b/${env:HOME}", { userHome: "/h", workspaceFolder: "/w" }), "a~b/${env:HOME}");
    assert.equal(expand("${userHome}/x", { userHome: "/h" }), "/h/x");
  });
});

describe("package.json", () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf-8")) as {
    contributes: { configuration: { properties: Record<string, { default: unknown; description?: string }> } };
  };
  const properties = manifest.contributes.configuration.properties;

  it("contributes every server setting with the server's default", () => {
    for (const [key, value] of Object.entries(SERVER_DEFAULTS)) {
      const property = properties[`planLsp.${key}`];
      assert.ok(property, `planLsp.${key} is contributed`);
      assert.deepEqual(property.default, value, `planLsp.${key}'s default`);
      assert.ok(property.description, `planLsp.${key} has a description`);
    }
  });

  it("contributes nothing else but the client's own planLsp.server.command and planLsp.trace.server", () => {
    const extra = Object.keys(properties).filter((k) => !(k.slice("planLsp.".length) in SERVER_DEFAULTS));
    assert.deepEqual(extra, ["planLsp.server.command", "planLsp.trace.server"]);
  });
});
