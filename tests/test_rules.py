"""Status-aware rules: the built-in plan's, team templates' own, and bad rules reported."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from plan_lsp.core import engine, kinds
from plan_lsp.core.text import Pos, Span
from plan_lsp.features import actions
from support import complete_plan, findings
from test_cli import run

EXAMPLES = Path(__file__).parent.parent / "examples" / "templates"

PLAN = complete_plan()


def with_status(text: str, status: str) -> str:
    return text.replace("**Status:** Draft", f"**Status:** {status}", 1)


def tick_all(text: str) -> str:
    return text.replace("- [ ] ", "- [x] ")


def status_line(text: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n")) if ln.startswith("**Status:**"))


def test_a_completed_plan_with_every_task_ticked_has_no_findings() -> None:
    assert findings(with_status(tick_all(PLAN), "Completed")) == []


def test_completed_with_open_tasks_is_one_finding_at_the_status_line() -> None:
    text = with_status(PLAN, "Completed").replace("- [ ] Feature spec approved", "- [x] Feature", 1)
    found = findings(text)
    assert [(f.code, f.severity, f.message) for f in found] == [
        ("status-mismatch", "error", "Status is Completed but 27 of 28 tasks are open")
    ]
    n = status_line(text)
    assert found[0].span == Span(Pos(n, 12), Pos(n, 21))


def test_the_mismatch_names_empty_sections_too() -> None:
    text = with_status(tick_all(PLAN), "Completed")
    text = text.replace("Sign in by password or passkey.\n", "", 1)
    text = text.replace("- The user directory service\n", "", 1)
    found = findings(text)
    mismatch = [f for f in found if f.code == "status-mismatch"]
    assert [f.message for f in mismatch] == [
        "Status is Completed but empty: Overview, Internal Dependencies"
    ]
    assert sorted(f.code for f in found) == ["empty-section", "empty-section", "status-mismatch"]


@pytest.mark.parametrize("status", ["Draft", "In Progress", "in  progress"])
def test_draft_and_in_progress_require_nothing(status: str) -> None:
    assert findings(with_status(PLAN, status)) == []


@pytest.mark.parametrize(
    ("status", "severity"),
    [("Draft", "hint"), ("In Progress", "warning"), ("Completed", "error"), ("Done", "warning")],
)
def test_unresolved_fields_grow_with_the_status(status: str, severity: str) -> None:
    text = with_status(tick_all(PLAN), status).replace("Zoë Müller", "<<AUTHOR>>", 1)
    found = [f for f in findings(text) if f.code == "unresolved-field"]
    assert [f.severity for f in found] == [severity]


def test_settings_still_win_over_the_rules() -> None:
    text = with_status(tick_all(PLAN), "Completed").replace("Zoë Müller", "<<AUTHOR>>", 1)
    found = findings(text, severity={"unresolved-field": "information"})
    assert [(f.code, f.severity) for f in found] == [("unresolved-field", "information")]
    assert findings(with_status(PLAN, "Completed"), severity={"status-mismatch": "off"}) == []


def test_the_quick_fix_sets_the_status_back_and_ticks_nothing() -> None:
    text = with_status(PLAN, "Completed")
    result = engine.check(text, "x-plan.md", [kinds.builtin_plan()])
    fixes = actions.fixes(result, result.findings)
    assert [(x.title, [e.new_text for e in x.edits]) for x in fixes] == [
        ("Set Status back to 'In Progress'", ["In Progress"])
    ]
    assert fixes[0].edits[0].span == result.findings[0].span


ADR = textwrap.dedent(
    """\
    ---
    plan-lsp:
      fields:
        Status: {values: [Proposed, Accepted, Rejected]}
      rules:
        - when: {Status: Accepted}
          require: [no-unresolved-fields, sections: [Decision]]
        - when: {Status: [Accepted, Rejected]}
          require: [all-tasks-done]
    ---
    # ADR {{NUMBER}}: {{TITLE}}

    **Status:** Proposed | Accepted | Rejected

    ## Context

    Why.

    ## Decision

    What.

    ## Notes

    Anything.
    """
)
ADR_PLAN = "# ADR 7: Use SQLite\n\n**Status:** Accepted\n\n## Context\n\nSlow disks.\n\n"


def adr_findings(text: str) -> list[tuple[str, str]]:
    kind = kinds.load_kind("adr", ADR)
    assert kind.schema.problems == []
    opts = engine.Options(optional=("Notes",))
    return [(f.code, f.message) for f in engine.check(text, "adr/7.md", [kind], opts).findings]


def test_an_accepted_adr_needs_its_decision() -> None:
    assert adr_findings(ADR_PLAN + "## Decision\n\nUse it.\n") == []
    assert adr_findings(ADR_PLAN + "## Decision\n\n") == [
        ("status-mismatch", "Status is Accepted but empty: Decision"),
        ("empty-section", "Section 'Decision' is empty"),
    ]
    assert adr_findings(ADR_PLAN) == [
        ("status-mismatch", "Status is Accepted but missing: Decision"),
        ("missing-section", "Missing section '## Decision' (after 'Context')"),
    ]


def test_rules_add_up_and_the_fix_goes_back_to_a_value_that_holds() -> None:
    text = ADR_PLAN + "## Decision\n\n<<WHAT>>\n\n- [ ] try it\n"
    assert adr_findings(text) == [
        ("status-mismatch", "Status is Accepted but 1 of 1 tasks is open; 1 unresolved field"),
        ("unresolved-field", "Unresolved field 'WHAT'"),
    ]
    kind = kinds.load_kind("adr", ADR)
    result = engine.check(text, "adr/7.md", [kind])
    fix = actions.fixes(result, [f for f in result.findings if f.code == "status-mismatch"])
    assert [x.title for x in fix] == ["Set Status back to 'Proposed'"]
    rejected = text.replace("**Status:** Accepted", "**Status:** Rejected")
    assert adr_findings(rejected)[0] == (
        "status-mismatch",
        "Status is Rejected but 1 of 1 tasks is open",
    )


def test_a_rule_names_a_field_as_the_header_writes_it() -> None:
    """Rules' fields compare as labels and headings do (one ``title_key``): a rule copying a
    decorated header label (``Status (required)``) is that field."""
    header = "**Status:** Proposed | Accepted | Rejected"
    decorated = ADR.replace(header, header.replace("Status:", "Status (required):")).replace(
        "{Status: [Accepted, Rejected]}", "{Status (required): [Accepted, Rejected]}"
    )
    assert "Status (required): [" in decorated and "**Status (required):**" in decorated
    kind = kinds.load_kind("adr", decorated)
    assert kind.schema.problems == []
    text = ADR_PLAN.replace("**Status:**", "**Status (Required):**") + "## Decision\n\n- [ ] a\n"
    findings = engine.check(text, "adr/7.md", [kind], engine.Options(optional=("Notes",)))
    assert [(f.code, f.message) for f in findings.findings] == [
        ("status-mismatch", "Status (Required) is Accepted but 1 of 1 tasks is open")
    ]


BAD = [
    ("rules: {Status: Done}", "'rules' must be a list of rules (when, require, severity)"),
    ("rules: [{require: [all-tasks-done]}]", "rule 1: 'when' must map a field to a value"),
    ("rules: [{when: {Status: Accepted}, need: []}]", "unknown key 'need' in rule 1"),
    ("rules: [{when: {Status: Accepted}, require: [all-done]}]", "unknown requirement 'all-done'"),
    ("rules: [{when: {Status: Accepted}, severity: {nope: error}}]", "unknown diagnostic code"),
    ("rules: [{when: {Status: Accepted}, severity: {numbering: loud}}]", "must be one of error"),
    ("rules: [{when: {Status: Done}}]", "rule 1: 'Done' is not a value of Status"),
    ("rules: [{when: {Owner: Ana}}]", "rule 1: 'Owner' is not a field of the template's header"),
    (
        "rules: [{when: {Status: Accepted}, require: [sections: [Verdict]]}]",
        "rule 1: section 'Verdict' is not in the template",
    ),
]


@pytest.mark.parametrize(("rules", "message"), BAD, ids=[b[1][:30] for b in BAD])
def test_bad_rules_are_template_problems_at_their_line(rules: str, message: str) -> None:
    text = f"---\nplan-lsp:\n  {rules}\n---\n# ADR {{{{N}}}}\n\n**Status:** Proposed | Accepted\n"
    text += "\n## Decision\n\nWhat.\n"
    problems = kinds.load_kind("adr", text).schema.problems
    assert [m for m, _ in problems if message in m] != [], problems
    assert {line for _, line in problems} == {2}


async def test_through_the_server_the_status_changes_severities_and_the_fix_goes_back() -> None:
    from lsp_support import change, diagnostics, open_doc, rng, session
    from lsprotocol import types

    uri = "file:///work/plans/user-login-plan.md"
    text = PLAN.replace("**Author:** Zoë Müller", "**Author:** <<AUTHOR>>")
    n = status_line(text)
    author = n - 2
    async with session() as client:
        open_doc(client, uri, text)
        got = await diagnostics(client, uri, version=1)
        assert [(d.code, d.severity, d.range.start.line) for d in got] == [
            ("unresolved-field", types.DiagnosticSeverity.Hint, author)
        ]
        change(client, uri, 2, ((n, 12), (n, 17), "Completed"))
        got = await diagnostics(client, uri, version=2)
        assert [(d.code, d.severity, d.message) for d in got] == [
            (
                "unresolved-field",
                types.DiagnosticSeverity.Error,
                "Unresolved field 'AUTHOR': Who writes and owns the plan",
            ),
            (
                "status-mismatch",
                types.DiagnosticSeverity.Error,
                "Status is Completed but 28 of 28 tasks are open",
            ),
        ]
        mismatch = got[1]
        assert mismatch.range == rng((n, 12), (n, 21))
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=mismatch.range,
                context=types.CodeActionContext(diagnostics=[mismatch]),
            )
        )
        assert acts is not None
        assert [a.title for a in acts] == ["Set Status back to 'In Progress'"]
        [edit] = acts[0].edit.document_changes[0].edits  # type: ignore[union-attr,index]
        assert (edit.range, edit.new_text) == (mismatch.range, "In Progress")
        change(client, uri, 3, ((n, 12), (n, 21), "In Progress"))
        got = await diagnostics(client, uri, version=3)
        assert [(d.code, d.severity) for d in got] == [
            ("unresolved-field", types.DiagnosticSeverity.Warning)
        ]


def test_the_example_kep_and_adr_follow_their_status_on_the_command_line(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    kep = root / "keps" / "1234-faster-builds.md"
    text = kep.read_text("utf-8")
    start = text.index("### Test Plan")
    kep.write_text(text[:start] + "### Test Plan\n\n" + text[text.index("### Graduation") :])
    adr = root / "adr" / "0001-use-sqlite.md"
    text = adr.read_text("utf-8")
    adr.write_text(text[: text.index("## Consequences")])
    out = run("check", ".", cwd=root)
    assert out.returncode == 1, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "./adr/0001-use-sqlite.md:3:13: error status-mismatch "
        "Status is Accepted but missing: Consequences",
        "./adr/0001-use-sqlite.md:16:1: error missing-section "
        "Missing section '## Consequences' (after 'Alternatives Considered')",
        "./keps/1234-faster-builds.md:3:13: error status-mismatch "
        "Status is implementable but empty: Test Plan",
        "./keps/1234-faster-builds.md:28:1: warning empty-section Section 'Test Plan' is empty",
    ]
    # Back to provisional: the KEP's requirements no longer hold it; the empty section is a hint.
    kep.write_text(kep.read_text("utf-8").replace("implementable", "provisional", 1))
    out = run("check", "keps", cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "keps/1234-faster-builds.md:28:1: hint empty-section Section 'Test Plan' is empty"
    ]


async def test_an_open_template_with_a_bad_rule_is_diagnosed_at_its_rules(tmp_path: Path) -> None:
    from lsp_support import diagnostics, open_doc, session
    from lsprotocol import types

    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    template = root / ".plan-templates" / "adr.md"
    text = template.read_text("utf-8").replace("sections: [Decision, Consequences]", "all-done")
    line = text.split("\n").index("  rules:")
    async with session(root=str(root)) as client:
        open_doc(client, template.as_uri(), text)
        got = await diagnostics(client, template.as_uri(), version=1)
        assert [(d.code, d.range.start.line, d.severity) for d in got] == [
            ("invalid-template", line, types.DiagnosticSeverity.Error)
        ]
        assert "rule 1: unknown requirement 'all-done'" in got[0].message
