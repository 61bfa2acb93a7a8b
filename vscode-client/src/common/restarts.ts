/**
 * When a crashed server is started again: at most `limit` restarts within `windowMs`.
 * Pure, no `vscode` import (unit-tested).
 */
export class RestartPolicy {
  private readonly crashes: number[] = [];

  constructor(
    readonly limit = 5,
    readonly windowMs = 3 * 60 * 1000,
  ) {}

  /** Records a crash at `now`; whether to restart, and how many crashes are in the window. */
  crashed(now: number): { restart: boolean; count: number } {
    this.crashes.push(now);
    while (this.crashes.length > 0 && (this.crashes[0] ?? now) <= now - this.windowMs) {
      this.crashes.shift();
    }
    return { restart: this.crashes.length <= this.limit, count: this.crashes.length };
  }

  reset(): void {
    this.crashes.length = 0;
  }
}

/** The trace level for the output channel's log level (vscode.LogLevel numbers). */
export function traceFor(logLevel: number): "off" | "messages" | "verbose" {
  // vscode.LogLevel: Off 0, Trace 1, Debug 2, Info 3, Warning 4, Error 5
  if (logLevel === 1) {
    return "verbose";
  }
  if (logLevel === 2) {
    return "messages";
  }
  return "off";
}
