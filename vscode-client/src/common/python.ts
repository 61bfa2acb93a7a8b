/**
 * The interpreter selected in the Python extension (ms-python.python), when it is installed,
 * through its public API; and running the probe on an interpreter.
 */
import { execFile } from "node:child_process";
import * as vscode from "vscode";

import { log } from "./log";
import { PROBE_SCRIPT, parseProbe, type Probe } from "./interpreter";

const PYTHON_EXTENSION = "ms-python.python";

/** The part of the Python extension's API used here. */
interface PythonApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(
      env: { id: string; path: string } | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

async function api(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  try {
    const exports = extension.isActive ? extension.exports : await extension.activate();
    return exports?.environments ? exports : undefined;
  } catch (error) {
    log().warn(`The Python extension's API is not available: ${String(error)}`);
    return undefined;
  }
}

/** The Python extension's interpreter for `resource`, or undefined (not installed, none set). */
export async function selectedInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const python = await api();
  if (!python) {
    return undefined;
  }
  try {
    const active = python.environments.getActiveEnvironmentPath(resource);
    const resolved = await python.environments.resolveEnvironment(active);
    const path = resolved?.executable.uri?.fsPath ?? active.path;
    return path ? [path] : undefined;
  } catch (error) {
    log().warn(`Could not read the Python extension's interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Calls `listener` when the Python extension's interpreter changes (when it is installed). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const python = await api();
  return python?.environments.onDidChangeActiveEnvironmentPath(() => {
    listener();
  });
}

/** Runs the interpreter on the probe script: its version and path, or why it failed. */
export const probe: Probe = (command) =>
  new Promise((resolve) => {
    const [program, ...options] = command;
    if (!program) {
      resolve({ error: "empty command" });
      return;
    }
    execFile(
      program,
      [...options, "-I", "-c", PROBE_SCRIPT],
      { timeout: 20_000, windowsHide: true },
      (error, stdout, stderr) => {
        const info = parseProbe(stdout);
        if (info) {
          resolve(info);
          return;
        }
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (code === "ENOENT") {
          resolve({ error: "not found" });
        } else {
          const why = stderr.trim().split(/\r?\n/).pop() || error?.message || "no answer";
          resolve({ error: why });
        }
      },
    );
  });
