"""Findings, their codes and severities: the stable contract of every check, with no heavy
imports (the checks, the link checker, the CLI and the protocol layer all share it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plan_lsp.core.text import Span


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a document: its code (one of :data:`CODES`, or ``invalid-template`` and
    ``too-many`` from the workspace and the engine), severity, message and span (code points),
    with what a quick fix needs in ``data``."""

    code: str
    severity: str
    message: str
    span: Span
    data: Mapping[str, Any] = field(default_factory=dict)


CODES = (
    "missing-section",
    "section-order",
    "heading-level",
    "duplicate-section",
    "unresolved-field",
    "template-token",
    "invalid-value",
    "empty-section",
    "numbering",
    "broken-link",
    "status-mismatch",
    "title-mismatch",
    "unedited-document",
)
SEVERITIES = ("error", "warning", "information", "hint")
DEFAULT_SEVERITY: dict[str, str] = {
    "missing-section": "error",
    "section-order": "warning",
    "heading-level": "warning",
    "duplicate-section": "warning",
    "unresolved-field": "warning",
    "template-token": "error",
    "invalid-value": "error",
    "empty-section": "warning",
    "numbering": "warning",
    "broken-link": "warning",
    "status-mismatch": "error",
    "title-mismatch": "warning",
    "unedited-document": "error",
}
DESCRIPTIONS: dict[str, str] = {
    "missing-section": "a required section (or front field) is absent; names it and where it "
    "belongs, suggests a near-miss heading",
    "section-order": "a section out of template order, or under the wrong parent",
    "heading-level": "a section at another level than the template's",
    "duplicate-section": "a section the template has once, written twice",
    "unresolved-field": "a `<<FIELD>>` marker still to fill (in the built-in plan: a hint while "
    "Draft, an error once Completed)",
    "template-token": "a leftover `{{…}}` / `{% … %}` from an unrendered template",
    "invalid-value": "an enumerated value outside the allowed ones (`**Status:** Done`)",
    "empty-section": "a required section the template gives a body (more than a comment) or "
    "whose heading asks a question, left empty, or a section still holding the template's own "
    "text unchanged",
    "numbering": "`Phase N` / `Step N.M` not numbered 1, 2, 3 within their parent",
    "broken-link": (
        "a relative link to a file that does not exist, or to a heading it lacks; a link not "
        "followed: absolute, outside the workspace, or not a regular file"
    ),
    "status-mismatch": "the document contradicts its Status by the template's `rules` (`Status "
    "is Completed but 12 of 28 tasks are open; empty: Testing Strategy`): one finding at the "
    "Status line; the quick fix sets the status back to the nearest earlier value that holds "
    "(it never ticks tasks)",
    "title-mismatch": "a claimed document's first heading does not follow the template's title "
    "(reported once; every other check goes on)",
    "unedited-document": "nothing written yet: every section the template gives its own text "
    "(not `boilerplate`, not fields) still holds that text unchanged, as in a never-edited "
    "scaffold; one finding at the title, whatever the Status",
}
"""What each code means: the README's table of codes (a test keeps them equal)."""
OTHER_CODES: dict[str, tuple[str, str]] = {
    "too-many": ("information", "more findings than `maxDiagnostics`; says how many are not shown"),
    "invalid-template": ("error", "a broken template: where it is broken, and why"),
    "invalid-config": (
        "error",
        "a configuration file (`.plan-lsp.toml`, `[tool.plan-lsp]`) that cannot be used; "
        "defaults apply",
    ),
    "unreadable": ("error", "`check`: a file that cannot be read (binary, not UTF-8, missing)"),
}
"""Codes outside the checks (no severity setting): default severity and meaning."""
