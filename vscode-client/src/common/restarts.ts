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
