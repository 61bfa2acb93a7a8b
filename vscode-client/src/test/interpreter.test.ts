// Which command starts the server: the setting, else the Python extension's, else PATH.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  candidates,
  chooseServer,
  isInterpreter,
  meetsMinimum,
  parseProbe,
  type Probe,
  type PythonInfo,
} from "../common/interpreter";

const LAUNCHER = "/ext/bundled/tool/lsp_server.py";

/** A probe that knows some interpreters, and records what it was asked. */
function fakeProbe(known: Record<string, PythonInfo | { error: string }>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = (command: string[]): Promise<PythonInfo | { error: string }> => {
    const key = command.join(" ");
    asked.push(key);
    return Promise.resolve(known[key] ?? { error: "not found" });
  };
  return Object.assign(probe, { asked });
}

const py = (version: [number, number, number], executable: string): PythonInfo => ({ version, executable });

describe("candidates", () => {
  it("takes the setting alone when it is set", () => {
    assert.deepEqual(candidates(["/opt/py/bin/python3"], ["/venv/bin/python"], "linux"), [
      { command: ["/opt/py/bin/python3"], source: "setting" },
    ]);
  });
  it("takes the Python extension's interpreter, then python3 on PATH", () => {
    assert.deepEqual(candidates([], ["/venv/bin/python"], "linux"), [
      { command: ["/venv/bin/python"], source: "python-extension" },
      { command: ["python3"], source: "path" },
    ]);
  });
  it("takes py on Windows", () => {
    assert.deepEqual(candidates(undefined, undefined, "win32"), [{ command: ["py"], source: "path" }]);
  });
  it("ignores blank parts of the setting", () => {
    assert.deepEqual(candidates(["", "  "], undefined, "darwin"), [{ command: ["python3"], source: "path" }]);
  });
});

describe("isInterpreter", () => {
  for (const command of [
    ["python3"],
    ["/usr/bin/python3.12"],
    ["C:\\Python312\\python.exe"],
    ["py", "-3.12"],
    ["pythonw.exe"],
    ["python3", "-Xutf8"],
  ]) {
    it(`${JSON.stringify(command)} is an interpreter`, () => {
      assert.equal(isInterpreter(command), true);
    });
  }
  for (const command of [["plan-lsp"], ["python3", "-m", "plan_lsp"], ["/venv/bin/plan-lsp", "--stdio"], []]) {
    it(`${JSON.stringify(command)} is a whole server command`, () => {
      assert.equal(isInterpreter(command), false);
    });
  }
});

describe("chooseServer", () => {
  it("runs the bundled launcher with python3 from PATH", async () => {
    const probe = fakeProbe({ python3: py([3, 11, 7], "/usr/bin/python3") });
    const got = await chooseServer(candidates([], undefined, "linux"), LAUNCHER, probe);
    assert.deepEqual(got, {
      ok: true,
      notes: [],
      server: {
        command: "python3",
        args: ["-I", LAUNCHER],
        source: "path",
        python: py([3, 11, 7], "/usr/bin/python3"),
      },
    });
  });

  it("prefers the Python extension's interpreter", async () => {
    const probe = fakeProbe({
      "/venv/bin/python": py([3, 13, 1], "/venv/bin/python"),
      python3: py([3, 11, 7], "/usr/bin/python3"),
    });
    const got = await chooseServer(candidates([], ["/venv/bin/python"], "linux"), LAUNCHER, probe);
    assert.ok(got.ok);
    assert.equal(got.server.command, "/venv/bin/python");
    assert.equal(got.server.source, "python-extension");
    assert.deepEqual(probe.asked, ["/venv/bin/python"]);
  });

  it("passes over a too old Python extension's interpreter, and says why", async () => {
    const probe = fakeProbe({
      "/venv/bin/python": py([3, 9, 18], "/venv/bin/python"),
      python3: py([3, 12, 0], "/usr/bin/python3"),
    });
    const got = await chooseServer(candidates([], ["/venv/bin/python"], "linux"), LAUNCHER, probe);
    assert.ok(got.ok);
    assert.equal(got.server.command, "python3");
    assert.deepEqual(got.notes, [
      "/venv/bin/python (the Python extension's interpreter) is Python 3.9.18; plan-lsp needs 3.11 or newer",
    ]);
  });

  it("fails with notes when no Python is new enough", async () => {
    const probe = fakeProbe({ python3: py([3, 10, 12], "/usr/bin/python3") });
    const got = await chooseServer(candidates([], undefined, "linux"), LAUNCHER, probe);
    assert.deepEqual(got, {
      ok: false,
      notes: ["/usr/bin/python3 (PATH) is Python 3.10.12; plan-lsp needs 3.11 or newer"],
    });
  });

  it("fails when there is no Python at all", async () => {
    const got = await chooseServer(candidates([], undefined, "win32"), LAUNCHER, fakeProbe({}));
    assert.deepEqual(got, { ok: false, notes: ["py (PATH) could not be run: not found"] });
  });

  it("never falls back from an interpreter in the setting", async () => {
    const probe = fakeProbe({
      "/old/python3": py([3, 8, 10], "/old/python3"),
      python3: py([3, 12, 0], "/usr/bin/python3"),
    });
    const got = await chooseServer(candidates(["/old/python3"], undefined, "linux"), LAUNCHER, probe);
    assert.equal(got.ok, false);
    assert.deepEqual(probe.asked, ["/old/python3"]);
  });

  it("keeps an interpreter's options before the launcher", async () => {
    const probe = fakeProbe({ "py -3.12": py([3, 12, 4], "C:\\Python312\\python.exe") });
    const got = await chooseServer(candidates(["py", "-3.12"], undefined, "win32"), LAUNCHER, probe);
    assert.ok(got.ok);
    assert.deepEqual([got.server.command, ...got.server.args], ["py", "-3.12", "-I", LAUNCHER]);
  });

  it("runs a whole server command from the setting as it is, unprobed", async () => {
    const probe = fakeProbe({});
    const got = await chooseServer(candidates(["/venv/bin/plan-lsp", "--stdio"], undefined, "linux"), LAUNCHER, probe);
    assert.deepEqual(got, {
      ok: true,
      notes: [],
      server: { command: "/venv/bin/plan-lsp", args: ["--stdio"], source: "setting" },
    });
    assert.deepEqual(probe.asked, []);
  });
});

describe("meetsMinimum and parseProbe", () => {
  it("compares versions", () => {
    assert.equal(meetsMinimum([3, 11, 0]), true);
    assert.equal(meetsMinimum([3, 10, 99]), false);
    assert.equal(meetsMinimum([4, 0, 0]), true);
    assert.equal(meetsMinimum([2, 7, 18]), false);
  });
  it("reads the probe's last line", () => {
    assert.deepEqual(parseProbe('noise\n{"version": [3, 12, 1], "executable": "/usr/bin/python3.12"}\n'), {
      version: [3, 12, 1],
      executable: "/usr/bin/python3.12",
    });
    assert.equal(parseProbe("Python was not found; run without arguments to install"), undefined);
    assert.equal(parseProbe(""), undefined);
  });
});
