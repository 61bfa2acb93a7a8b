/**
 * The level of a line the server writes to stderr: Python's logging prefixes its lines with their
 * level (`WARNING:pygls.protocol:…`); anything else there (a traceback) is an error.
 * Pure, no `vscode` import (unit-tested).
 */
export type Level = "error" | "warn" | "info" | "debug" | "trace";

const LEVELS: Record<string, Level> = {
  CRITICAL: "error",
  ERROR: "error",
  WARNING: "warn",
  INFO: "info",
  DEBUG: "debug",
};

export function stderrLevel(line: string): Level {
  const prefix = /^(CRITICAL|ERROR|WARNING|INFO|DEBUG):/.exec(line);
  return prefix?.[1] ? (LEVELS[prefix[1]] ?? "error") : "error";
}
