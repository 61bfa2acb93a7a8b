"""Checks over the built-in plan schema: every code, exact ranges, forgiving matching."""

from __future__ import annotations

import pytest
from plan_lsp.core import kinds
from plan_lsp.core.text import Pos, Span
from support import codes, complete_plan, findings, remove_section

SCHEMA = kinds.builtin_plan().schema
PLAN = complete_plan()
LINES = PLAN.split("\n")


def line_of(prefix: str) -> int:
    return next(i for i, ln in enumerate(LINES) if ln.startswith(prefix))


def whole(line: int, text: str | None = None) -> Span:
    return Span(Pos(line, 0), Pos(line, len(LINES[line] if text is None else text)))


def test_a_complete_plan_has_no_findings() -> None:
    assert findings(PLAN) == []


REQUIRED = [s for s in SCHEMA.sections if not s.optional and s.parent is not None and not s.repeat]


@pytest.mark.parametrize("spec", REQUIRED, ids=[s.title for s in REQUIRED])
def test_removing_a_required_section_gives_one_missing_section(spec) -> None:  # type: ignore[no-untyped-def]
    text = remove_section(PLAN, spec.title)
    found = findings(text)
    assert [f.code for f in found] == ["missing-section"], found
    assert f"'{'#' * spec.level} {spec.title}'" in found[0].message


def test_removing_every_phase_names_the_repeatable_section() -> None:
    text = PLAN
    for title in (
        "Phase 1: Foundation",
        "Phase 2: Core Implementation",
        "Phase 3: Integration & Testing",
    ):
        text = remove_section(text, title)
    found = findings(text)
    assert [f.code for f in found] == ["missing-section"]
    assert found[0].message == (
        "Missing section '### Phase 1: Foundation' (under 'Implementation Steps')"
    )


@pytest.mark.parametrize("title", ["Database Migrations", "Feature Flags"])
def test_optional_sections_may_be_absent(title: str) -> None:
    assert findings(remove_section(PLAN, title)) == []


def test_optional_sections_from_settings() -> None:
    text = remove_section(PLAN, "Notes")
    assert codes(text) == ["missing-section"]
    assert findings(text, optional=("notes",)) == []


def test_missing_section_message_range_and_place() -> None:
    text = remove_section(PLAN, "Risks & Mitigations")
    lines = text.split("\n")
    dod = lines.index("## Definition of Done")
    [f] = findings(text)
    assert f.message == (
        "Missing section '## Risks & Mitigations' (after 'Dependencies', "
        "before 'Definition of Done')"
    )
    assert f.span == Span(Pos(dod, 0), Pos(dod, len("## Definition of Done")))
    assert f.severity == "error"
    assert f.data["line"] == dod


def test_missing_last_section_is_reported_on_the_previous_one() -> None:
    text = remove_section(PLAN, "Progress Log")
    lines = text.split("\n")
    notes = lines.index("## Notes")
    [f] = findings(text)
    assert f.message == "Missing section '## Progress Log' (after 'Notes')"
    assert f.span == Span(Pos(notes, 0), Pos(notes, 8))


def test_near_miss_title_is_suggested() -> None:
    # A misspelling is a typo to fix (a singular or plural form is the same section, renamed).
    text = PLAN.replace("## Risks & Mitigations", "## Risks & Mitigatoins")
    [f] = findings(text)
    assert f.code == "missing-section"
    line = line_of("## Risks & Mitigations")
    assert f.message.endswith(f"did you mean 'Risks & Mitigatoins' (line {line + 1})?")
    assert f.data["rename"] == line
    assert findings(PLAN.replace("## Risks & Mitigations", "## Risk and Mitigation")) == []


@pytest.mark.parametrize(
    "written",
    ["## risks and mitigations", "##   Risks  &  Mitigations  ", "## RISKS AND MITIGATIONS ##"],
)
def test_headings_match_forgivingly(written: str) -> None:
    assert findings(PLAN.replace("## Risks & Mitigations", written)) == []


def test_swapped_sections_give_section_order() -> None:
    a, b = line_of("## Overview"), line_of("## Prerequisites")
    text = PLAN.replace("## Overview", "## @@").replace("## Prerequisites", "## Overview")
    text = text.replace("## @@", "## Prerequisites")
    [f] = findings(text)
    assert f.code == "section-order"
    assert f.message == "Section 'Prerequisites' is out of order: it belongs after 'Overview'"
    assert f.span == Span(Pos(a, 0), Pos(a, len("## Prerequisites")))
    assert b > a


def test_section_moved_under_the_wrong_parent() -> None:
    block = "### Unit Tests\n\nsome tests\n\n"
    text = remove_section(PLAN, "Unit Tests").replace(
        "## Dependencies\n\n", "## Dependencies\n\n" + block
    )
    found = findings(text)
    lines = text.split("\n")
    line = lines.index("### Unit Tests")
    assert [(f.code, f.message, f.span) for f in found] == [
        (
            "section-order",
            "Section 'Unit Tests' belongs under 'Testing Strategy', not under 'Dependencies'",
            Span(Pos(line, 0), Pos(line, 14)),
        ),
    ]


def test_wrong_heading_level() -> None:
    line = line_of("### Unit Tests")
    [f] = findings(PLAN.replace("### Unit Tests", "#### Unit Tests"))
    assert (f.code, f.message, f.span, f.data["level"]) == (
        "heading-level",
        "Section 'Unit Tests' should be a level-3 heading (###), not level 4",
        Span(Pos(line, 0), Pos(line, 15)),
        3,
    )


def test_a_top_level_heading_at_level_one_does_not_cascade() -> None:
    line = line_of("## Overview")
    found = findings(PLAN.replace("## Overview", "# Overview"))
    assert [(f.code, f.span.start.line) for f in found] == [("heading-level", line)]


def test_duplicate_section() -> None:
    text = PLAN.replace("## Notes\n", "## Notes\n\nfirst\n\n## Notes\n", 1)
    lines = text.split("\n")
    second = [i for i, ln in enumerate(lines) if ln == "## Notes"][1]
    [f] = findings(text)
    assert (f.code, f.message, f.span) == (
        "duplicate-section",
        f"Duplicate section 'Notes' (first at line {line_of('## Notes') + 1})",
        Span(Pos(second, 0), Pos(second, 8)),
    )


def test_empty_section() -> None:
    text = PLAN.replace("Sign in by password or passkey.\n", "")
    line = line_of("## Overview")
    [f] = findings(text)
    assert (f.code, f.message, f.span, f.severity) == (
        "empty-section",
        "Section 'Overview' is empty",
        Span(Pos(line, 0), Pos(line, 11)),
        "warning",
    )


def test_a_parent_with_only_subsections_is_not_empty() -> None:
    assert "empty-section" not in codes(PLAN)


def test_numbering_of_phases_and_steps() -> None:
    text = remove_section(PLAN, "Phase 2: Core Implementation")
    lines = text.split("\n")
    p3 = lines.index("### Phase 3: Integration & Testing")
    s31 = lines.index("#### Step 3.1: Write Tests")
    found = findings(text)
    assert [
        (f.code, f.message, f.span.start.line, f.data["expected"], f.data["number"]) for f in found
    ] == [
        ("numbering", "Phase 3 should be numbered 2", p3, "2", [p3, 10, 11]),
        ("numbering", "Step 3.1 should be numbered 2.1", s31, "2.1", [s31, 10, 13]),
        ("numbering", "Step 3.2 should be numbered 2.2", s31 + 12, "2.2", [s31 + 12, 10, 13]),
    ]


def test_step_numbered_for_another_phase() -> None:
    text = PLAN.replace("#### Step 2.1:", "#### Step 1.3:")
    [f] = findings(text)
    assert f.code == "numbering" and f.message == "Step 1.3 should be numbered 2.1"


def test_a_phase_without_steps_misses_its_first_step() -> None:
    text = remove_section(PLAN, "Step 2.1: Wire the form")
    [f] = findings(text)
    assert f.code == "missing-section"
    assert f.message == (
        "Missing section '#### Step 2.1: <<Step Title>>' (under 'Phase 2: Core Implementation')"
    )
    assert f.data["numbers"] == [2, 1]


def test_unresolved_field_range_and_message() -> None:
    text = PLAN.replace("**Issue:** ABC-123", "**Issue:** <<ISSUE_ID>>")
    line = line_of("**Issue:**")
    [f] = findings(text)
    assert (f.code, f.message, f.span, f.severity) == (
        "unresolved-field",
        "Unresolved field 'ISSUE_ID': Tracker id of the issue (e.g. ABC-123)",
        Span(Pos(line, 11), Pos(line, 23)),
        "hint",  # the plan is a Draft: its rules make unresolved fields hints
    )


def test_field_description_from_metadata_in_message() -> None:
    [f] = findings(PLAN.replace("**Author:** Zoë Müller", "**Author:** <<AUTHOR>>"))
    assert f.message == "Unresolved field 'AUTHOR': Who writes and owns the plan"


def test_template_token() -> None:
    text = PLAN.replace("alembic upgrade head", "{{ MIGRATION_COMMAND }}")
    line = line_of("alembic upgrade head")
    [f] = findings(text)
    assert (f.code, f.message, f.span, f.severity) == (
        "template-token",
        "Leftover template token '{{ MIGRATION_COMMAND }}'",
        Span(Pos(line, 0), Pos(line, 23)),
        "error",
    )


def test_raw_reference_template_gives_one_token_finding_per_placeholder() -> None:
    from support import SEED

    found = [f for f in findings(SEED) if f.code == "template-token"]
    assert len(found) == SEED.count("{{") == 26
    starts = [(f.span.start.line, f.span.start.character) for f in found]
    expected = []
    for n, line in enumerate(SEED.split("\n")):
        i = line.find("{{")
        while i >= 0:
            expected.append((n, i))
            i = line.find("{{", i + 1)
    assert starts == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Done", "Invalid Status 'Done': expected one of Draft, In Progress, Completed"),
        ("", "Status is empty: expected one of Draft, In Progress, Completed"),
        (
            "Draft | In Progress | Completed",
            "Invalid Status 'Draft | In Progress | Completed': expected one of Draft, "
            "In Progress, Completed",
        ),
    ],
)
def test_invalid_enumerated_value(value: str, message: str) -> None:
    text = PLAN.replace("**Status:** Draft", f"**Status:** {value}".rstrip())
    line = line_of("**Status:**")
    start = 12 if value else 11
    [f] = findings(text)
    assert (f.code, f.message, f.span) == (
        "invalid-value",
        message,
        Span(Pos(line, start), Pos(line, start + len(value))),
    )
    assert f.data["values"] == ["Draft", "In Progress", "Completed"]


@pytest.mark.parametrize("value", ["In Progress", "in progress", "COMPLETED", "In  Progress"])
def test_valid_values_forgiving_case_and_spacing(value: str) -> None:
    done = PLAN.replace("- [ ] ", "- [x] ")  # Completed requires every task ticked
    assert findings(done.replace("**Status:** Draft", f"**Status:** {value}")) == []


def test_missing_front_field() -> None:
    text = PLAN.replace("**Status:** Draft\n", "")
    [f] = findings(text)
    assert (f.code, f.message, f.span) == (
        "missing-section",
        "Missing field '**Status:**' in the header of 'Implementation Plan: User Login 🔐'",
        Span(Pos(0, 0), Pos(0, len(LINES[0]))),
    )


def test_severity_overrides_and_off() -> None:
    text = PLAN.replace("**Status:** Draft", "**Status:** Done")
    [f] = findings(text, severity={"invalid-value": "hint"})
    assert f.severity == "hint"
    assert findings(text, severity={"invalid-value": "off"}) == []


def test_findings_are_capped_with_a_final_count() -> None:
    text = PLAN + "\n" + "<<X>> " * 50 + "\n"
    found = findings(text, max_findings=10)
    assert len(found) == 10
    assert found[-1].code == "too-many"
    assert found[-1].message == "41 more findings not shown (limit 10)"


def test_a_missing_title_does_not_make_every_section_misplaced() -> None:
    text = PLAN.replace("# Implementation Plan: User Login 🔐", "Implementation Plan", 1)
    [f] = findings(text)
    assert f.code == "missing-section"
    assert f.message == "Missing section '# Implementation Plan: <<FEATURE_NAME>>'"


def test_broken_links_take_their_severity_like_every_code() -> None:
    from plan_lsp.core import engine

    text = PLAN.replace(
        "## Notes\n", "## Notes\n\nSee [the spec](missing.md) and [up](#nowhere).\n"
    )
    nothing = lambda path: None  # noqa: E731  (no file exists)
    kind = kinds.builtin_plan()

    def found(**severity: str) -> list[tuple[str, str, str]]:
        opts = engine.Options(severity=severity)
        got = engine.check(text, "/w/x-plan.md", [kind], opts, lookup=nothing).findings
        return [(f.code, f.severity, f.message) for f in got]

    assert found() == [
        ("broken-link", "warning", "Broken link: 'missing.md' does not exist"),
        ("broken-link", "warning", "Broken link: this document has no heading '#nowhere'"),
    ]
    assert [s for _, s, _ in found(**{"broken-link": "error"})] == ["error", "error"]
    assert found(**{"broken-link": "off"}) == []
