/**
 * The `planLsp.*` settings and what the server is sent: pure, no `vscode` import (unit-tested).
 *
 * The server's own settings (see server/plan_lsp/settings.py) go to it unchanged, in its
 * camelCase names, as `initializationOptions` `{"planLsp": {...}}`, in answers to
 * `workspace/configuration` and in `workspace/didChangeConfiguration`. Paths have
 * `${workspaceFolder}`, `${userHome}` and a leading `~` expanded first.
 */

export const SECTION = "planLsp";

/** The settings the server reads, with their defaults (equal to the server's). */
export const SERVER_DEFAULTS = {
  globs: ["**/plan.md", "**/*-plan.md", "**/plans/**/*.md"] as string[],
  template: "",
  templatesDir: ".plan-templates",
  severity: {} as Record<string, string>,
  optionalSections: [] as string[],
  maxDiagnostics: 500,
  diagnosticsScope: "openFiles",
};

export type ServerSettings = typeof SERVER_DEFAULTS;

/** Reads one setting below `planLsp` (e.g. `"globs"`, `"server.command"`). */
export type Read = (key: string) => unknown;

export interface Places {
  workspaceFolder?: string;
  userHome?: string;
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~` expanded; nothing else is touched. */
export function expand(value: string, places: Places): string {
  let out = value;
  if (places.userHome) {
    if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
      out = places.userHome + out.slice(1);
    }
    out = out.split("${userHome}").join(places.userHome);
  }
  if (places.workspaceFolder) {
    out = out.split("${workspaceFolder}").join(places.workspaceFolder);
  }
  return out;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? [...value] : undefined;
}

/**
 * What the server is sent. Values of the wrong shape are passed on as they are: the server
 * reports them once, in its log, and uses its default (one place validates, not two).
 */
export function serverSettings(read: Read, places: Places = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SERVER_DEFAULTS) as (keyof ServerSettings)[]) {
    let value = read(key);
    if (value === undefined || value === null) {
      value = SERVER_DEFAULTS[key];
    }
    if ((key === "template" || key === "templatesDir") && typeof value === "string") {
      value = expand(value, places);
    }
    if (Array.isArray(value)) {
      value = [...(value as unknown[])];
    } else if (typeof value === "object" && value !== null) {
      value = { ...(value as Record<string, unknown>) };
    }
    out[key] = value;
  }
  return out;
}

/** The `planLsp.server.command` setting, expanded; [] when unset or not a list of strings. */
export function serverCommand(read: Read, places: Places = {}): string[] {
  const raw = strings(read("server.command")) ?? [];
  return raw.map((part) => expand(part, places)).filter((part) => part.trim() !== "");
}

/** `initializationOptions` and `workspace/didChangeConfiguration` settings. */
export function wrap(settings: Record<string, unknown>): { [SECTION]: Record<string, unknown> } {
  return { [SECTION]: settings };
}
