"""Where a plan stands: its Status, task progress and problems, per document and per heading.

Computed from the outline already built (per-section task counts) and the findings already
found: no re-parse. Shared by ``plan-lsp status``, the ``planLsp/plans`` request, the
workspace index and the progress shown on phase and step headings.
"""

from __future__ import annotations

from dataclasses import dataclass

from plan_lsp.core.checks import header
from plan_lsp.core.engine import Result
from plan_lsp.core.outline import Outline
from plan_lsp.core.text import Span

PROBLEM_SEVERITIES = frozenset({"error", "warning", "information"})
"""What counts as a problem (hints, e.g. unresolved fields in a Draft, do not)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """One document at a glance."""

    title: str
    kind: str | None
    status: str | None
    tasks_done: int
    tasks_total: int
    problems: int
    errors: int
    mismatch: str | None
    """The ``status-mismatch`` message, if the document contradicts its Status."""
    mismatch_line: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "tasksDone": self.tasks_done,
            "tasksTotal": self.tasks_total,
            "problems": self.problems,
            "errors": self.errors,
            "mismatch": self.mismatch,
        }

    def to_row(self) -> list[object]:
        """As a plain list (kept in the check cache and the index's store)."""
        return [
            self.title,
            self.kind,
            self.status,
            self.tasks_done,
            self.tasks_total,
            self.problems,
            self.errors,
            self.mismatch,
            self.mismatch_line,
        ]


def summary(result: Result) -> Summary:
    outline = result.outline
    first = outline.first_heading
    status = header(outline).get("status")
    mismatch = next((f for f in result.findings if f.code == "status-mismatch"), None)
    return Summary(
        first.title if first is not None else "",
        result.kind.name if result.kind else None,
        status.value.strip() if status is not None else None,
        sum(s.tasks_done for s in outline.sections),
        sum(s.tasks_total for s in outline.sections),
        sum(1 for f in result.findings if f.severity in PROBLEM_SEVERITIES),
        sum(1 for f in result.findings if f.severity == "error"),
        mismatch.message if mismatch is not None else None,
        mismatch.span.start.line if mismatch is not None else None,
    )


@dataclass(frozen=True, slots=True)
class HeadingProgress:
    """Tasks under one heading (its section and subsections)."""

    line: int
    span: Span
    """The heading's title."""
    done: int
    total: int

    @property
    def label(self) -> str:
        return f"{self.done}/{self.total} tasks"


def headings(outline: Outline, numbered_only: bool = True) -> list[HeadingProgress]:
    """Task progress of every heading that has tasks under it (by default only numbered ones:
    ``Phase 2: …``, ``Step 2.1: …``). One pass over the sections, with a stack of open
    headings: the counts come from the outline's per-section totals."""
    from plan_lsp.core.schema import numbered

    out: list[HeadingProgress | None] = []
    stack: list[tuple[int, int]] = []  # level, index in out
    acc: list[list[int]] = []  # per open heading: done, total so far

    def close(level: int) -> None:
        while stack and stack[-1][0] >= level:
            _, idx = stack.pop()
            done, total = acc.pop()
            entry = out[idx]
            if entry is not None and total:
                out[idx] = HeadingProgress(entry.line, entry.span, done, total)
            else:
                out[idx] = None
            if acc:
                acc[-1][0] += done
                acc[-1][1] += total

    for sec in outline.sections:
        h = sec.heading
        if h is None:
            continue
        close(h.level)
        wanted = not numbered_only or numbered(h.title) is not None
        out.append(HeadingProgress(h.line, h.title_span, 0, 0) if wanted else None)
        stack.append((h.level, len(out) - 1))
        acc.append([sec.tasks_done, sec.tasks_total])
    close(0)
    return [p for p in out if p is not None]
