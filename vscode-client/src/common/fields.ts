/**
 * `<<FIELD>>` markers and plan file names: pure, no `vscode` import (unit-tested).
 * Offsets are JavaScript string offsets (UTF-16 code units), as `TextDocument.positionAt` takes.
 */

/** The server's field pattern: server/plan_lsp/core/outline.py FIELD_RE (tests/test_vscode_client.py keeps them equal). */
export const FIELD_RE = /<<([^<>\s](?:[^<>\n]{0,98}[^<>\s])?)>>/g;

export interface Field {
  start: number;
  end: number;
  name: string;
}

export function findFields(text: string): Field[] {
  const out: Field[] = [];
  for (const m of text.matchAll(FIELD_RE)) {
    const start = m.index;
    out.push({ start, end: start + m[0].length, name: m[1] ?? "" });
  }
  return out;
}

/**
 * The field to select next, like snippet tab stops: from the selection `[start, end)` forwards
 * (or backwards), wrapping around. An empty selection inside a field selects that field.
 */
export function nextField(
  fields: readonly Field[],
  start: number,
  end: number,
  direction: "next" | "previous" = "next",
): Field | undefined {
  if (fields.length === 0) {
    return undefined;
  }
  if (start === end) {
    const inside = fields.find((f) => f.start < start && start < f.end);
    if (inside) {
      return inside;
    }
  }
  if (direction === "next") {
    const after = fields.find((f) => (start === end ? f.start >= end : f.start >= end && f.start > start));
    return after ?? fields[0];
  }
  const before = [...fields].reverse().find((f) => f.end <= start && !(f.start === start && f.end === end));
  return before ?? fields[fields.length - 1];
}

/**
 * A file-name slug for a feature name: lower case, letters and digits of any script kept,
 * everything else one `-`. `"User Login!"` → `"user-login"`; `""` when nothing is left.
 */
export function slugify(feature: string): string {
  return feature
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

/** `<feature-slug>-plan.md` */
export function planFileName(feature: string): string | undefined {
  const slug = slugify(feature);
  return slug ? `${slug}-plan.md` : undefined;
}
