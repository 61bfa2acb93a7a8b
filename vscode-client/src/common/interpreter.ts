/**
 * Which command starts the language server: pure logic, no `vscode` import (unit-tested).
 *
 * Order: the `planLsp.server.command` setting when set; else the interpreter selected in the
 * Python extension when it is installed; else `python3` (`py` on Windows) on PATH. A Python
 * interpreter runs the launcher bundled in the extension; it must be Python >= 3.11.
 */

export const MINIMUM_PYTHON: readonly [number, number] = [3, 11];

/** Prints what the server needs to know about an interpreter, as one line of JSON. */
export const PROBE_SCRIPT =
  'import json, sys; print(json.dumps({"version": list(sys.version_info[:3]), ' +
  '"executable": sys.executable}))';

export type Source = "setting" | "python-extension" | "path";

export interface Candidate {
  /** The command line: an interpreter (and its options), or a whole server command. */
  command: string[];
  source: Source;
}

export interface PythonInfo {
  version: [number, number, number];
  executable: string;
}

/** Runs `command -c PROBE_SCRIPT`: the interpreter's details, or why it could not be run. */
export type Probe = (command: string[]) => Promise<PythonInfo | { error: string }>;

export interface ServerCommand {
  command: string;
  args: string[];
  source: Source;
  /** Set when a Python runs the bundled server. */
  python?: PythonInfo;
}

export type Choice =
  | { ok: true; server: ServerCommand; notes: string[] }
  | { ok: false; notes: string[] };

const INTERPRETER_NAME = /^(python(\d+(\.\d+)*)?w?|py)(\.exe)?$/i;

/** The file name at the end of a path, with either kind of separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * Whether a command is a Python interpreter (then it runs the bundled server) rather than a
 * whole server command: its program is named `python…` or `py` and every argument is an option
 * (`["py", "-3.12"]` is an interpreter, `["python3", "-m", "plan_lsp"]` a server command).
 */
export function isInterpreter(command: readonly string[]): boolean {
  if (command.length === 0 || !command[0]) {
    return false;
  }
  return INTERPRETER_NAME.test(baseName(command[0])) && command.slice(1).every((a) => a.startsWith("-"));
}

/** The interpreter tried when neither the setting nor the Python extension names one. */
export function defaultInterpreter(platform: string): string[] {
  return platform === "win32" ? ["py"] : ["python3"];
}

/** The candidates, in the order they are tried. */
export function candidates(
  setting: readonly string[] | undefined,
  pythonExtension: readonly string[] | undefined,
  platform: string,
): Candidate[] {
  const cleaned = (setting ?? []).filter((part) => part.trim() !== "");
  if (cleaned.length > 0) {
    return [{ command: cleaned, source: "setting" }];
  }
  const out: Candidate[] = [];
  if (pythonExtension && pythonExtension.length > 0 && pythonExtension[0]) {
    out.push({ command: [...pythonExtension], source: "python-extension" });
  }
  out.push({ command: defaultInterpreter(platform), source: "path" });
  return out;
}

export function meetsMinimum(version: readonly number[]): boolean {
  const [major = 0, minor = 0] = version;
  return major > MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor >= MINIMUM_PYTHON[1]);
}

export function describeSource(source: Source): string {
  switch (source) {
    case "setting":
      return "planLsp.server.command";
    case "python-extension":
      return "the Python extension's interpreter";
    case "path":
      return "PATH";
  }
}

/** Parses the probe's output (its last non-empty line), or returns undefined. */
export function parseProbe(stdout: string): PythonInfo | undefined {
  const lines = stdout.split(/\r?\n/).filter((line) => line.trim() !== "");
  const last = lines[lines.length - 1];
  if (!last) {
    return undefined;
  }
  try {
    const data = JSON.parse(last) as { version?: unknown; executable?: unknown };
    const v = data.version;
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      v.every((n) => typeof n === "number") &&
      typeof data.executable === "string"
    ) {
      return { version: [v[0], v[1], v[2]] as [number, number, number], executable: data.executable };
    }
  } catch {
    // not JSON: not what the probe prints
  }
  return undefined;
}

/**
 * Picks the command that starts the server. An interpreter must answer the probe with
 * Python >= 3.11; the next candidate is tried otherwise, except after the setting, which is
 * never second-guessed. A whole server command from the setting runs as it is.
 * `notes` says what was tried and why it was passed over (for the log and the notification).
 */
export async function chooseServer(
  tried: readonly Candidate[],
  launcher: string,
  probe: Probe,
): Promise<Choice> {
  const notes: string[] = [];
  for (const candidate of tried) {
    const [program, ...options] = candidate.command;
    if (!program) {
      continue;
    }
    const where = describeSource(candidate.source);
    if (!isInterpreter(candidate.command)) {
      return {
        ok: true,
        server: { command: program, args: options, source: candidate.source },
        notes,
      };
    }
    const info = await probe(candidate.command);
    if ("error" in info) {
      notes.push(`${candidate.command.join(" ")} (${where}) could not be run: ${info.error}`);
    } else if (!meetsMinimum(info.version)) {
      notes.push(
        `${info.executable} (${where}) is Python ${info.version.join(".")}; ` +
          `plan-lsp needs ${MINIMUM_PYTHON.join(".")} or newer`,
      );
    } else {
      return {
        ok: true,
        server: { command: program, args: [...options, "-I", launcher], source: candidate.source, python: info },
        notes,
      };
    }
    if (candidate.source === "setting") {
      break;
    }
  }
  return { ok: false, notes };
}
