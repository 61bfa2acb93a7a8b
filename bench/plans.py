"""Plans for the benchmarks, generated from the built-in template.

The base is the template rendered with every field set (``plan_lsp.features.scaffold.render``), so a
generated plan is a plan the checker accepts. It is then grown to a target size the way real plans
grow: more phases and steps (``### Phase N: …``, ``#### Step N.M: …``, numbered correctly), longer
tables (component changes, test cases, risks, timeline, progress log) and more prose (overview,
step notes, notes). The last lines of the Progress Log table pad the plan to exactly the number of
lines asked for.

Everything is deterministic: the same arguments give the same text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from plan_lsp.core import kinds
from plan_lsp.features import scaffold

CONTEXT = {
    "feature": "Checkout Rework",
    "issue": "PAY-4242",
    "author": "Ada Lovelace",
    "date": "2026-11-25",
    "spec": "spec.md",
    "component_1": "CartService",
    "component_2": "PaymentForm",
    "Step Title": "Wire the payment form",
    "FILE_EXTENSION": "py",
    "TEST_DIR": "tests",
    "MIGRATION_COMMAND": "alembic upgrade head",
    "Status": "In Progress",
}
"""Every field of the built-in template, set: the base plan has no findings."""

SIZES = {"250": 250, "2,500": 2_500, "25,000": 25_000}
"""The plan sizes the latency figures are taken at: label -> lines."""

_PROSE = (
    "the service validates each request before it reaches the payment provider and records "
    "a trace so that retries stay idempotent while the cart keeps its items across sessions "
    "we migrate existing orders in batches behind a flag then compare totals between the old "
    "and new paths and roll back when the error budget is spent reviewers sign off on schema "
    "changes before deploy monitoring covers latency errors and saturation for every endpoint"
)
_WORDS = tuple(_PROSE.split())

_PHASE_NAMES = (
    "Foundation",
    "Core Implementation",
    "Integration & Testing",
    "Data Migration",
    "Hardening",
    "Rollout",
    "Observability",
    "Cleanup",
)


@lru_cache(maxsize=1)
def base_plan() -> str:
    """The template rendered with every field set."""
    return scaffold.render(kinds.builtin_plan(), CONTEXT)


@dataclass
class Plan:
    """A generated plan and the places the benchmarks type at (zero-based lines, code points)."""

    text: str
    typing: tuple[int, int]
    """Inside a prose paragraph (a step's notes) in the section nearest the middle of the plan."""
    heading_before: int
    """The line of ``## Testing Strategy``: a new heading line is typed just above it."""
    reference_after: int
    """The last line of that same paragraph: a line ``See <<`` is typed below it."""
    defects: tuple[str, ...] = field(default=())
    """What was broken on purpose (corpus plans): ``missing-section``, ``invalid-value``, …"""

    @property
    def lines(self) -> int:
        return self.text.count("\n")


class _Words:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def sentence(self, lo: int = 8, hi: int = 16) -> str:
        words = [self.rng.choice(_WORDS) for _ in range(self.rng.randint(lo, hi))]
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def paragraph(self, lines: int, width: int = 92) -> list[str]:
        """A paragraph of exactly ``lines`` lines, wrapped near ``width`` characters."""
        out: list[str] = []
        current = ""
        while len(out) < lines:
            s = self.sentence()
            for word in s.split():
                if current and len(current) + 1 + len(word) > width:
                    out.append(current)
                    current = word
                    if len(out) == lines:
                        break
                else:
                    current = f"{current} {word}" if current else word
        return out


def _split_sections(text: str) -> list[tuple[str, list[str]]]:
    """``text`` cut at its level-2 headings: (title or '' for the part before, lines)."""
    parts: list[tuple[str, list[str]]] = [("", [])]
    in_fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            in_fence = not in_fence
        m = None if in_fence else re.match(r"## (?!#)(.*)$", line)
        if m:
            parts.append((m.group(1).strip(), []))
        parts[-1][1].append(line)
    return parts


_GUIDANCE = {
    "High-Level Design",
    "Integration Tests",
    "Manual Testing",
    "Rollback Plan",
    "External Dependencies",
    "Internal Dependencies",
}
"""Sections the generator keeps from the template: a written plan says something of its own in
each (left as the template wrote them, they are reported as unchanged template text)."""


def _written(words: _Words, body: list[str]) -> list[str]:
    """``body`` with a sentence of its own after each heading in :data:`_GUIDANCE`."""
    out: list[str] = []
    for line in body:
        out.append(line)
        if line.lstrip("#").strip() in _GUIDANCE and line.startswith("#"):
            out += ["", words.sentence(6, 12)]
    return out


def _word_end(line: str, start: int) -> int:
    """The first space at or after ``start`` that ends a word (not a sentence)."""
    return next(i for i in range(start, len(line)) if line[i] == " " and line[i - 1].isalpha())


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [row(header), "| " + " | ".join("-" * w for w in widths) + " |", *map(row, rows)]


def _step(words: _Words, phase: int, step: int, notes: int) -> list[str]:
    title = words.sentence(2, 4).rstrip(".").title()
    return [
        f"#### Step {phase}.{step}: {title}",
        "",
        "**Files:**",
        "",
        f"- `src/checkout/phase{phase}/module_{step}.py`",
        f"- `tests/checkout/test_phase{phase}_{step}.py`",
        "",
        "**Tasks:**",
        "",
        f"- [ ] {words.sentence(3, 7)}",
        f"- [ ] {words.sentence(3, 7)}",
        f"- [ ] {words.sentence(3, 7)}",
        "",
        "**Notes:**",
        *words.paragraph(notes),
        "",
    ]


def generate(lines: int, seed: int = 0) -> Plan:
    """A plan of exactly ``lines`` lines (at least about 200) grown from the template."""
    budget = max(0, lines - 215)
    # How the growth is shared: ~45% phases and steps, ~30% tables, ~20% prose.
    steps_per_phase = 2 + (seed % 3)
    phases = max(3, round(budget * 0.45 / (19 * steps_per_phase + 4)))
    rows = max(1, round(budget * 0.30 / 6))
    prose = max(1, round(budget * 0.20 / 6))
    while True:
        plan = _build(_Words(seed), phases, steps_per_phase, rows, prose)
        over = plan.lines - lines
        if over <= 0 or (rows == 1 and prose == 1 and steps_per_phase == 1):
            break
        if rows > 1:
            rows = max(1, rows - over // 3 - 1)
        elif prose > 1:
            prose -= 1
        else:
            steps_per_phase -= 1
    out = plan.text.split("\n")[:-1]
    words = _Words(seed + 1)
    day = 0
    while len(out) < lines:  # pad the Progress Log
        day += 1
        out.append(f"| 2026-12-{day % 28 + 1:02d} | {words.sentence(4, 9)} |")
    plan.text = "\n".join(out) + "\n"
    return plan


def _build(words: _Words, phases: int, steps_per_phase: int, rows: int, prose: int) -> Plan:
    notes = 3
    out: list[str] = []
    typing = heading_before = reference_after = -1
    for title, body in _split_sections(base_plan()):
        if title == "Overview":
            out += [body[0], "", *words.paragraph(4)]
            for _ in range(prose // 2):
                out += ["", *words.paragraph(5)]
            out.append("")
        elif title == "Architecture":
            # Keep High-Level Design, grow the Component Changes table.
            cut = next(i for i, ln in enumerate(body) if ln.startswith("| Component"))
            table = [
                [f"Component{i:04d}", "New" if i % 3 else "Modified", words.sentence(3, 6)]
                for i in range(1, rows + 2)
            ]
            out += _written(words, body[:cut])
            out += _table(["Component", "Change Type", "Description"], table) + [""]
        elif title == "Implementation Steps":
            out += ["## Implementation Steps", ""]
            # The first step of the middle phase gets the typing position.
            middle_phase = max(1, (phases + 1) // 2)
            for p in range(1, phases + 1):
                name = _PHASE_NAMES[(p - 1) % len(_PHASE_NAMES)]
                out += [f"### Phase {p}: {name}", "", "**Estimated Time:** 3 days", ""]
                for s in range(1, steps_per_phase + 1):
                    block = _step(words, p, s, notes)
                    if p == middle_phase and s == 1:
                        first = len(out) + block.index("**Notes:**") + 1
                        line = block[first - len(out)]
                        # At the end of a word in the middle of the paragraph's first line.
                        typing = (first, _word_end(line, len(line) // 2))
                        reference_after = first + notes - 1
                    out += block
        elif title == "Testing Strategy":
            heading_before = len(out)
            cases = [
                [f"Case {i:04d}: {words.sentence(3, 5)}", f"Component{i:04d}", "Passes"]
                for i in range(1, rows + 1)
            ]
            unit = _table(["Test Case", "Component", "Expected Outcome"], cases)
            cut = next(i for i, ln in enumerate(body) if ln.startswith("| Test Case"))
            end = next(i for i in range(cut, len(body)) if not body[i].startswith("|"))
            out += body[:cut] + unit + _written(words, body[end:])
        elif title == "Risks & Mitigations":
            risks = [[words.sentence(3, 6), words.sentence(4, 8)] for _ in range(rows // 2 + 1)]
            out += [body[0], "", *_table(["Risk", "Mitigation Strategy"], risks), ""]
        elif title == "Timeline":
            tl = [
                [f"Phase {p}: {_PHASE_NAMES[(p - 1) % len(_PHASE_NAMES)]}", "2026-12-01"]
                + ["2026-12-19", "Not Started"]
                for p in range(1, phases + 1)
            ]
            out += [body[0], "", *_table(["Phase", "Start Date", "End Date", "Status"], tl), ""]
        elif title == "Notes":
            out += [body[0], ""]
            for _ in range(prose - prose // 2):
                out += [*words.paragraph(5), ""]
            out += body[body.index("---") :] if "---" in body else []
        else:
            out += _written(words, body)
    while out and out[-1] == "":
        out.pop()
    assert typing[0] >= 0 and heading_before >= 0
    return Plan("\n".join(out) + "\n", typing, heading_before, reference_after)


def _remove_section(text: str, title: str) -> str:
    lines = text.split("\n")
    start = lines.index(f"## {title}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    return "\n".join(lines[:start] + lines[end:])


def broken(plan: Plan, defect: str) -> Plan:
    """``plan`` with one defect the checker reports (line positions are not kept)."""
    text = plan.text
    if defect == "missing-section":
        text = _remove_section(text, "Dependencies")
    elif defect == "invalid-value":
        text = re.sub(r"^\*\*Status:\*\* .*$", "**Status:** Done", text, count=1, flags=re.M)
    elif defect == "unresolved-field":
        text = re.sub(r"^\*\*Author:\*\* .*$", "**Author:** <<AUTHOR>>", text, count=1, flags=re.M)
    elif defect == "wrong-order":
        # Risks & Mitigations moved after Timeline.
        lines = text.split("\n")
        a = lines.index("## Risks & Mitigations")
        b = lines.index("## Definition of Done")
        moved = lines[a:b]
        rest = lines[:a] + lines[b:]
        k = rest.index("## Notes")
        text = "\n".join(rest[:k] + moved + rest[k:])
    else:
        raise ValueError(defect)
    return Plan(text, plan.typing, plan.heading_before, plan.reference_after, (defect,))


DEFECTS = ("missing-section", "invalid-value", "unresolved-field", "wrong-order")


def corpus(count: int = 1000, lines: int = 260) -> Iterator[tuple[str, Plan]]:
    """``count`` plans of about ``lines`` lines; one in five has a defect (each kind in turn)."""
    for i in range(count):
        plan = generate(lines + (i % 7) - 3, seed=i)
        slot = i % 20
        if slot < len(DEFECTS):
            plan = broken(plan, DEFECTS[slot])
        yield f"{i:04d}-checkout-{i % 97:02d}-plan.md", plan


SPEC = """# Checkout Rework

The feature spec the plans link to (``**Spec:** [spec.md](spec.md)``).
"""


def write_spec(folder: str) -> None:
    """``spec.md`` in ``folder``: the plans' Spec link resolves beside them."""
    import os

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "spec.md"), "w", encoding="utf-8") as fh:
        fh.write(SPEC)


def write_corpus(folder: str, count: int = 1000, lines: int = 260) -> dict[str, int]:
    """Write the corpus under ``folder`` (made if missing), with the ``spec.md`` its plans link
    to; returns defect -> count."""
    import os

    write_spec(folder)
    counts: dict[str, int] = {}
    for name, plan in corpus(count, lines):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as fh:
            fh.write(plan.text)
        for d in plan.defects:
            counts[d] = counts.get(d, 0) + 1
    return counts
