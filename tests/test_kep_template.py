"""The Kubernetes KEP template as a team installs it (tests/corpus/held-out/kep), through the real
CLI: heading levels where the template skips one, a checklist kept to be ticked against a form
left unfilled, and the PRR questions that want an answer even where the template gives none."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
KEP = CORPUS / "held-out" / "kep"
USERNS = "keps/sig-node/5607-hostnetwork-userns/README.md"
REAL = (KEP / USERNS).read_text("utf-8")


def _check(
    tmp_path: Path, docs: dict[str, str], *extra: str, template: str | None = None
) -> dict[str, list[dict[str, object]]]:
    """``plan-lsp check --format json`` on the KEP template (or this text in its place) and
    these KEPs (name → text)."""
    repo = tmp_path / "repo"
    shutil.copytree(KEP / ".plan-templates", repo / ".plan-templates")
    if template is not None:
        (repo / ".plan-templates" / "kep.md").write_text(template, "utf-8")
    for name, text in docs.items():
        path = repo / "keps" / "sig-x" / name / "README.md"
        path.parent.mkdir(parents=True)
        path.write_text(text, "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "--format", "json", *extra],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stdout + out.stderr
    files = json.loads(out.stdout)["files"]
    return {Path(f["path"]).parent.name: f["findings"] for f in files}


def _at(text: str, line: str) -> int:
    """1-based number of the line that is exactly ``line``."""
    return text.split("\n").index(line) + 1


def _answered(text: str, question: str, answer: str) -> str:
    """``text`` with ``answer`` written under the heading ``question`` (what it held dropped)."""
    lines = text.split("\n")
    at = lines.index(question)
    end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("#"))
    return "\n".join([*lines[: at + 1], "", answer, "", *lines[end:]])


def test_a_heading_one_level_up_where_the_template_skips_one_is_at_its_level(
    tmp_path: Path,
) -> None:
    """The template puts '##### Unit tests' under '### Test Plan': '#### Unit tests' keeps the
    same outline (most KEPs write it so); deeper than the template's is still reported."""
    up = REAL.replace("##### Unit tests", "#### Unit tests").replace(
        "##### e2e tests", "#### e2e tests"
    )
    deeper = REAL.replace("##### Unit tests", "###### Unit tests")
    # Under '### Feature Enablement and Rollback' the template's questions are '######'.
    question = "###### Does enabling the feature change any default behavior?"
    pulled = REAL.replace(question, question.replace("######", "####"))
    found = _check(tmp_path, {"real": REAL, "up": up, "deeper": deeper, "pulled": pulled}, "keps")
    levels = {name: [f for f in fs if f["code"] == "heading-level"] for name, fs in found.items()}
    assert levels["real"] == levels["up"] == levels["pulled"] == []
    assert [(f["line"], f["message"]) for f in levels["deeper"]] == [
        (
            _at(deeper, "###### Unit tests"),
            "Section 'Unit tests' should be a level-5 heading (#####), not level 6",
        )
    ]
    # Nothing else moved: the other findings are the real KEP's own.
    assert [f["message"] for f in found["up"]] == [f["message"] for f in found["real"]]


def test_a_checklist_stays_to_be_ticked_and_a_form_left_as_it_was_is_reported(
    tmp_path: Path,
) -> None:
    """The Release Signoff Checklist (task boxes, nothing to fill in, and its comment: "Check
    these off as they are completed") is kept unticked and ticked later: not template text left
    unwritten. A form ('- [ ] Events' / '- Event Reason:') left as it was is, and so is the Test
    Plan's acknowledgement '[ ] I/we understand …' until it is ticked."""
    ticked = REAL.replace("[ ] I/we understand", "[x] I/we understand")
    found = _check(tmp_path, {"real": REAL, "ticked": ticked}, "keps")
    template = (KEP / ".plan-templates" / "kep.md").read_text("utf-8")
    said = "Check these off as they are completed for the Release Team to track."
    assert said in template
    found |= {
        "uncommented": _check(
            tmp_path / "uncommented", {"real": REAL}, "keps", template=template.replace(said, "")
        )["real"]
    }
    unchanged = {
        name: [f["line"] for f in fs if "unchanged" in str(f["message"])]
        for name, fs in found.items()
    }
    forms = [
        _at(
            REAL,
            "###### How can someone using this feature know that it is working for their instance?",
        ),
        _at(
            REAL,
            "###### What are the SLIs (Service Level Indicators) an operator can use to "
            "determine the health of the service?",
        ),
    ]
    # The real KEP keeps the checklist unticked as the template has it: not reported.
    assert "- [ ] (R) KEP approvers have approved the KEP status as `implementable`" in REAL
    assert unchanged["real"] == [_at(REAL, "### Test Plan"), *forms]
    assert unchanged["ticked"] == forms
    # Without the comment saying its boxes are ticked, a list of boxes is the template's
    # example text (as the built-in plan's '- [ ] Test case 1: Description'): reported.
    assert unchanged["uncommented"] == [
        _at(REAL, "## Release Signoff Checklist"),
        _at(REAL, "### Test Plan"),
        *forms,
    ]


def test_a_question_left_unanswered_is_empty_and_an_answer_ends_it(tmp_path: Path) -> None:
    """A template heading that asks a question wants its answer even where the template gives
    it no text (or only a comment): left with nothing (or the comment), it is an empty
    section, with no fix (only an answer resolves it). A section that asks nothing and whose
    template text is only a comment (Prerequisite testing updates) may stay empty."""
    q = "###### How can an operator determine if the feature is in use by workloads?"
    answered = _answered(REAL, q, "Pods with `hostNetwork: true` and `hostUsers: false` exist.")
    found = _check(tmp_path, {"real": REAL, "answered": answered}, "keps")
    empty = {
        name: [(f["line"], f["message"], f["fix"]) for f in fs if f["code"] == "empty-section"]
        for name, fs in found.items()
    }
    message = (
        "Section 'How can an operator determine if the feature is in use by workloads?' is empty"
    )
    assert (_at(REAL, q), message, None) in empty["real"]
    assert message not in [m for _, m, _ in empty["answered"]]
    assert len(empty["answered"]) == len(empty["real"]) - 1
    # 'Prerequisite testing updates' is empty in the real KEP and its template text a comment.
    assert _at(REAL, "##### Prerequisite testing updates") not in [ln for ln, _, _ in empty["real"]]
    # --fix inserts nothing under a question (it fills the empty Integration tests with the
    # template's text): a second run has the same finding, the question's text as it was.
    again = _check(tmp_path / "again", {"real": REAL}, "--fix", "keps")["real"]
    fixed = (tmp_path / "again" / "repo" / "keps" / "sig-x" / "real" / "README.md").read_text(
        "utf-8"
    )
    assert _under(fixed, q) == _under(REAL, q)
    assert _under(fixed, "##### Integration tests") != _under(REAL, "##### Integration tests")
    assert message in [f["message"] for f in again]


def _under(text: str, heading: str) -> str:
    """What a heading holds, up to the next heading."""
    lines = text.split("\n")
    at = lines.index(heading)
    end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("#"))
    return "\n".join(lines[at + 1 : end])


def test_a_table_of_contents_linking_to_a_section_left_out_is_that_one_finding(
    tmp_path: Path,
) -> None:
    """A KEP's table of contents links to every section: with the Test Plan (and the template's
    Unit tests, Integration tests … inside it) left out, the missing section is the one
    finding, not five broken links besides (adding it mends them). A link to a heading no
    missing section stands for is still broken, and with missing-section turned off the links
    are reported again."""
    start = REAL.index("### Test Plan\n")
    cut = REAL[:start] + REAL[REAL.index("### Graduation Criteria\n") :]
    typo = cut.replace("(#summary)", "(#sumary)")
    found = _check(tmp_path, {"real": REAL, "cut": cut, "typo": typo}, "keps")
    real = [f["message"] for f in found["real"]]
    added = [f["message"] for f in found["cut"] if f["message"] not in real]
    assert added == ["Missing section '### Test Plan' (before 'Graduation Criteria')"]
    assert [f["message"] for f in found["typo"] if f["message"] not in real] == [
        "Broken link: this document has no heading '#sumary'",
        *added,
    ]
    (tmp_path / "off" / "repo").mkdir(parents=True)
    (tmp_path / "off" / "repo" / ".plan-lsp.toml").write_text(
        'severity = { missing-section = "off" }\n', "utf-8"
    )
    broken = [
        f["message"]
        for f in _check(tmp_path / "off", {"cut": cut}, "keps")["cut"]
        if f["code"] == "broken-link"
    ]
    assert broken == [
        f"Broken link: this document has no heading '#{a}'"
        for a in (
            "test-plan",
            "prerequisite-testing-updates",
            "unit-tests",
            "integration-tests",
            "e2e-tests",
        )
    ]


def test_an_unresolved_block_is_one_finding_and_the_templates_example_none(
    tmp_path: Path,
) -> None:
    """KEP marks a debate with '<<[UNRESOLVED …]>>' … '<<[/UNRESOLVED]>>': left in a KEP it is
    one unresolved field at its opening (the closing marker ends it, it is no field), and the
    template's own example, inside its comment, is nothing. A '#### Scalability' of the
    author's own under Design Details does not take the PRR section's place."""
    block = (
        "<<[UNRESOLVED @rata ]>>\nWhether the gate merges with UserNamespacesSupport.\n"
        "<<[/UNRESOLVED]>>\n"
    )
    live = REAL.replace("## Summary\n", "## Summary\n\n" + block, 1)
    quoted = REAL.replace("## Summary\n", "## Summary\n\n<!--\n" + block + "-->\n", 1)
    own = REAL.replace(
        "**Node Feature Declaration:**",
        "#### Scalability\n\nOne field per node; nothing grows with pods.\n\n"
        "**Node Feature Declaration:**",
    )
    found = _check(tmp_path, {"real": REAL, "live": live, "quoted": quoted, "own": own}, "keps")
    real = [f["message"] for f in found["real"]]
    assert [
        (f["line"], f["message"]) for f in found["live"] if f["code"] == "unresolved-field"
    ] == [(_at(live, "<<[UNRESOLVED @rata ]>>"), "Unresolved field '[UNRESOLVED @rata ]'")]
    assert [f["message"] for f in found["quoted"]] == real
    assert [f["message"] for f in found["own"]] == real


def _blanked(text: str, group: str) -> str:
    """``text`` with every question under the heading ``group`` left without an answer."""
    lines = text.split("\n")
    at = lines.index(group)
    level = len(group) - len(group.lstrip("#"))
    end = next(
        i
        for i in range(at + 1, len(lines))
        if lines[i].startswith("#") and len(lines[i]) - len(lines[i].lstrip("#")) <= level
    )
    kept = [ln for ln in lines[at:end] if ln.startswith("#") or not ln.strip()]
    return "\n".join([*lines[:at], *kept, *lines[end:]])


def test_questions_left_blank_together_are_not_yet_due_one_skipped_among_answers_is(
    tmp_path: Path,
) -> None:
    """A group of questions all left blank (KEP's beta questions in an alpha KEP) is not yet
    due: nothing. One left blank while the others beside it are answered is an omission."""
    group = "### Monitoring Requirements"
    questions = [
        ln
        for ln in _under_group(REAL, group)
        if ln.startswith("###### ") and ln.rstrip().endswith("?")
    ]
    assert len(questions) == 5
    blank = _blanked(REAL, group)
    one = _answered(blank, questions[0], "The `UserNamespacesHostNetworkSupport` gate is on.")
    found = _check(tmp_path, {"blank": blank, "one": one}, "keps")

    def empty(name: str) -> list[str]:
        return [
            str(f["message"])
            for f in found[name]
            if f["code"] == "empty-section"
            and str(f["message"]).endswith("?' is empty")
            and any(q[7:] in str(f["message"]) for q in questions)
        ]

    # Questions the template gives a form to fill (the SLIs' checklist) are empty sections
    # either way; the three with only a comment are the ones that wait for their group.
    form = [f"Section '{q[7:]}' is empty" for q in (questions[1], questions[3])]
    assert empty("blank") == form
    assert empty("one") == [f"Section '{q[7:]}' is empty" for q in questions[1:]]


def _under_group(text: str, group: str) -> list[str]:
    lines = text.split("\n")
    at = lines.index(group)
    end = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("### "))
    return lines[at + 1 : end]


def test_the_entries_nested_under_a_missing_sections_contents_line_go_with_it(
    tmp_path: Path,
) -> None:
    """Graduation Criteria left out with its Alpha, Beta and GA subsections: its contents line
    and the three entries nested under it are that one missing section. A broken link to this
    document outside that nest is still reported."""
    start = REAL.index("### Graduation Criteria\n")
    cut = REAL[:start] + REAL[REAL.index("### Upgrade / Downgrade Strategy\n") :]
    stray = cut.replace(
        "### Upgrade / Downgrade Strategy\n",
        "### Upgrade / Downgrade Strategy\n\nSee [GA](#ga).\n",
        1,
    )
    found = _check(tmp_path, {"real": REAL, "cut": cut, "stray": stray}, "keps")
    real = [f["message"] for f in found["real"]]
    added = [f["message"] for f in found["cut"] if f["message"] not in real]
    assert added == [
        "Missing section '### Graduation Criteria' (after 'Test Plan', before 'Upgrade / "
        "Downgrade Strategy')"
    ]
    assert [f["message"] for f in found["stray"] if f["message"] not in real] == [
        *added,
        "Broken link: this document has no heading '#ga'",
    ]
