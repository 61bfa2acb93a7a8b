"""Behaviour from real public templates (tests/corpus): titles, declared placeholders, comments
and code, repeatable patterns, optional sections in the template's own words, numbering that
starts where the template starts, several labels on one line, and matching in linear time."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from plan_lsp.core import engine, kinds
from plan_lsp.core.checks import Finding
from plan_lsp.core.outline import parse
from plan_lsp.core.placeholders import compile_syntax, find
from test_cli import run as cli_run

CORPUS = Path(__file__).parent / "corpus"


def _kind(family: str, name: str) -> kinds.Kind:
    folder = CORPUS / family / ".plan-templates"
    path = folder / f"{name}.md"
    if not path.exists():
        path = CORPUS / family / ".specify" / "templates" / f"{name}-template.md"
    return kinds.load_kind(name, path.read_text("utf-8"), str(path))


def _check(kind: kinds.Kind, text: str, path: str = "doc.md") -> list[Finding]:
    return engine.check(text, path, [kind], force=kind).findings


def _codes(found: list[Finding]) -> list[tuple[str, int]]:
    return [(f.code, f.span.start.line + 1) for f in found]


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """A hang guard (not a speed target): fails instead of running for minutes."""

    def boom(*_: object) -> None:
        raise TimeoutError("matching did not finish")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


NYGARD = (CORPUS / "nygard/doc/adr/0001-record-architecture-decisions.md").read_text("utf-8")


def test_the_first_heading_is_the_title_whatever_its_placeholder_words() -> None:
    adr = _kind("nygard", "adr")  # "# NUMBER. TITLE", NUMBER and TITLE declared
    assert _check(adr, NYGARD) == []
    renamed = NYGARD.replace(
        "# 1. Record architecture decisions", "# Record architecture decisions"
    )
    found = _check(adr, renamed.replace("## Consequences", "## After"))
    # One finding for the title, and the other checks still run.
    assert [f.code for f in found] == ["title-mismatch", "missing-section"]


def test_a_template_of_sections_alone_has_no_title() -> None:
    rfc = _kind("rust-rfc", "rfc")  # "## Summary" first, every heading at level 2
    assert rfc.schema.title is None
    text = (CORPUS / "rust-rfc/text/3928-todo-overreach.md").read_text("utf-8")
    assert _check(rfc, text) == []


def test_declared_placeholders_are_fields_outside_code_and_comments() -> None:
    madr = _kind("madr", "adr")  # placeholders: ["{…}"]
    text = (
        CORPUS / "madr/docs/decisions/0012-use-curly-braces-to-denote-placeholder.md"
    ).read_text("utf-8")
    assert _check(madr, text) == []  # "Example: `{option 1}`." is code
    left = text.replace(
        "How to mark the placeholders?",
        "How to mark the placeholders? {Describe the context}\n\n<!-- {not this} -->",
    )
    found = _check(madr, left)
    assert _codes(found) == [("unresolved-field", 10)]
    assert found[0].message == "Unresolved placeholder '{Describe the context}'"


def test_literal_placeholder_words_and_bracket_placeholders() -> None:
    go = _kind("go-proposal", "proposal")  # placeholders: ["[…]", "NNNNN"]
    text = (CORPUS / "go-proposal/design/4899-testing-helper.md").read_text("utf-8")
    assert _check(go, text) == []  # its [links](…), [refs] and a[i] are not placeholders
    left = text.replace("Last updated: 2016-12-27", "Last updated: [Date]").replace(
        "https://golang.org/issue/4899", "https://go.dev/issue/NNNNN", 1
    )
    assert _codes(_check(go, left)) == [("unresolved-field", 5), ("unresolved-field", 7)]


def test_a_section_holding_only_a_comment_is_empty() -> None:
    go = _kind("go-proposal", "proposal")
    text = (CORPUS / "go-proposal/design/4899-testing-helper.md").read_text("utf-8")
    start = text.index("## Compatibility")
    end = text.index("## Implementation")
    emptied = text[:start] + "## Compatibility\n\n<!-- to do -->\n\n" + text[end:]
    assert [f.code for f in _check(go, emptied)] == ["empty-section"]


def test_a_pattern_written_twice_is_one_repeatable_section() -> None:
    madr = _kind("madr", "adr")  # "### {title of option 1}" and "### {title of other option}"
    text = CORPUS / "madr/docs/decisions/0009-support-links-between-adrs-inside-an-adrs.md"
    assert _check(madr, text.read_text("utf-8")) == []  # six options, no duplicate


def test_optional_in_the_templates_own_words() -> None:
    madr = _kind("madr", "adr")  # "<!-- This is an optional element. Feel free to remove. -->"
    optional = {s.title for s in madr.schema.sections if s.optional}
    assert {"Decision Drivers", "Consequences", "Confirmation", "More Information"} <= optional
    go = _kind("go-proposal", "proposal")  # "## Open issues (if applicable)"
    assert [s.title for s in go.schema.sections if s.optional] == ["Open issues (if applicable)"]
    text = (CORPUS / "go-proposal/design/19480-xml-stream.md").read_text("utf-8")
    assert "## Open issues\n" in text and _check(go, text) == []  # the suffix may be dropped
    spec = _kind("speckit", "spec")  # "*(mandatory)*" marks the only required sections
    required = {s.title for s in spec.schema.sections if not s.optional and s.parent is not None}
    assert "User Scenarios & Testing *(mandatory)*" in required
    assert "Execution Flow (main)" not in required


def test_numbering_starts_where_the_template_starts() -> None:
    tasks = _kind("speckit", "tasks")  # "## Phase 3.1: Setup" … "## Phase 3.5: Polish"
    text = (CORPUS / "speckit/specs/004-lts-lts/tasks.md").read_text("utf-8")
    assert _check(tasks, text, "specs/004-lts-lts/tasks.md") == []
    wrong = text.replace("## Phase 3.2:", "## Phase 3.3:", 1)
    assert [f.code for f in _check(tasks, wrong, "specs/004-lts-lts/tasks.md")] == ["numbering"]


def test_several_labels_on_one_line_are_separate_fields() -> None:
    plan = parse(
        "# Implementation Plan: X\n\n**Branch**: `001-x` | **Date**: 2025-09-26 | "
        "**Spec**: [spec.md](./spec.md) <!-- from spec -->\n"
    )
    labels = [(lab.label, lab.value) for lab in plan.sections[0].labels]
    assert labels == [
        ("Branch", "`001-x`"),
        ("Date", "2025-09-26"),
        ("Spec", "[spec.md](./spec.md)"),
    ]


def test_title_patterns_and_placeholders_match_in_linear_time() -> None:
    kind = kinds.load_kind(
        "runbook", "# {{TEAM}} {{SERVICE}} {{REGION}} Runbook\n\n## Steps\n\nDo it.\n"
    )
    title = kind.schema.title
    assert title is not None
    long_heading = "# " + "a " * 20_000 + "b"  # no "Runbook" at the end: the worst case
    with deadline(20):
        for _ in range(20):
            assert not kind.schema.matches(title, long_heading[2:])
        engine.check(long_heading + "\n", "x.md", [kind], force=kind)
    assert kind.schema.matches(title, "Payments API eu-west-1 Runbook")
    # Declared text is never a regular expression; long or nested declarations stay literal.
    syntax = compile_syntax("((a+)+…)")
    assert not isinstance(syntax, str)
    with deadline(20):
        assert find([syntax], "((a+)+" + "a" * 100_000) == []
    assert isinstance(compile_syntax("x" * 200), str)


def test_spec_kit_repository_checked_with_no_set_up(tmp_path: Path) -> None:
    import shutil
    import subprocess

    shutil.copytree(CORPUS / "speckit", tmp_path / "repo")
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "specs"],
        cwd=tmp_path / "repo",
        capture_output=True,
        text=True,
        check=False,
    )
    lines = out.stdout.splitlines()
    assert (
        "specs/004-tag-log/plan.md:2:24: warning unresolved-field Unresolved placeholder "
        "'[FEATURE]'"
    ) in lines
    assert any(line.startswith("specs/001-web-x-twitter/spec.md:48:") for line in lines)
    # ansible-zerossl's 001 spec really is not UTF-8 (its arrows were saved as byte 0x92)
    assert (
        "specs/001-develop-an-ansible/spec.md:1:1: error unreadable cannot read: not UTF-8 "
        "(byte 660)"
    ) in lines
    assert len(lines) == 7, out.stdout  # and two sections of 004-tag-log left as written


def test_a_same_named_subsection_elsewhere_does_not_take_a_sections_place() -> None:
    rfc = _kind("rust-rfc", "rfc")
    text = (CORPUS / "rust-rfc/text/3928-todo-overreach.md").read_text("utf-8")
    at = text.index("## Drawbacks")
    inside = (
        text[:at] + "### Drawbacks of the old lint\n\n### Drawbacks\n\nSee below.\n\n" + text[at:]
    )
    assert _check(rfc, inside) == []  # the real "## Drawbacks" is still there
    demoted = text.replace("## Drawbacks", "### Drawbacks")
    assert [f.code for f in _check(rfc, demoted)] == ["heading-level"]  # nowhere else: demoted


def test_files_no_template_claims_are_listed_with_the_reason(tmp_path: Path) -> None:
    import json
    import shutil
    import subprocess

    shutil.copytree(CORPUS / "nygard", tmp_path / "repo")
    (tmp_path / "repo" / "README.md").write_text("# GOV.UK AWS\n\nNotes.\n", "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "--format", "json", "."],
        cwd=tmp_path / "repo",
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(out.stdout)
    assert [s["path"] for s in data["skipped"]] == ["./README.md"]
    assert "no template claims it" in data["skipped"][0]["reason"]
    assert len(data["files"]) == 23


def test_completion_on_a_heading_line_offers_missing_sections_where_they_belong() -> None:
    from plan_lsp.core.text import Pos
    from plan_lsp.features.completion import complete

    adr = _kind("nygard", "adr")
    text = NYGARD.replace("## Context", "## Background") + "\n## "
    result = engine.check(text, "doc.md", [adr], force=adr)
    last = len(text.split("\n")) - 1
    items = complete(result, Pos(last, 3))
    assert [(i.label, i.detail) for i in items] == [
        ("## Context", "missing section; belongs after 'Status', before 'Decision'")
    ]


def test_links_resolve_as_github_does(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from plan_lsp.core.links import anchors, slug

    # GitHub's slugs: rendered text (code kept, link targets and emoji dropped), punctuation
    # dropped, repeated headings numbered -1, -2; explicit HTML anchors as they are.
    assert slug("Trusted Publisher Configuration on crates.io") == (
        "trusted-publisher-configuration-on-cratesio"
    )
    assert slug("Use `foo::bar` with [links](https://x.y/z) 🚀 now") == (
        "use-foobar-with-links--now"
    )
    assert anchors(["Examples", "Examples", "Examples", "\0custom"]) == [
        "examples",
        "examples-1",
        "examples-2",
        "custom",
    ]
    repo = tmp_path / "repo"
    shutil.copytree(CORPUS / "rust-rfc", repo)
    (repo / ".git").mkdir()
    doc = repo / "text" / "3928-todo-overreach.md"
    doc.write_text(
        doc.read_text("utf-8")
        + '\n<a id="pinned"></a>\n\nSee [the template](/.plan-templates/rfc.md#summary), '
        "[pinned](#pinned), [trusted](/text/3691-trusted-publishing-cratesio.md"
        "#trusted-publisher-configuration-on-cratesio), [gone](/text/nope.md) and "
        "[above](/../../etc/passwd).\n",
        "utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "text/3928-todo-overreach.md"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert [line.split(": ", 1)[1] for line in out.stdout.splitlines()] == [
        "warning broken-link Broken link: '/text/nope.md' does not exist (from the "
        "repository's root)",
        "warning broken-link Broken link: '/../../etc/passwd' does not exist (from the "
        "repository's root)",
    ]


def test_template_text_left_unchanged_is_reported_fixed_text_is_not() -> None:
    plan = _kind("speckit", "plan")
    text = (CORPUS / "speckit/specs/004-tag-log/plan.md").read_text("utf-8")
    found = [
        (f.code, f.span.start.line + 1)
        for f in _check(plan, text, "specs/004-tag-log/plan.md")
        if "unchanged" in f.message
    ]
    assert found == [("empty-section", 33), ("empty-section", 36)]  # Summary, Technical Context
    # The plan's process notes (Phase N, Complexity Tracking …) may stay as spec-kit writes them.
    assert plan.schema.metadata.boilerplate


def test_optional_in_a_comment_opening_the_section_and_title_prefixes() -> None:
    # EIP's template: "<!-- This section is optional. … -->" opening a section's body.
    eip_text = (
        "# EIP\n\n## Abstract\n\nA summary.\n\n## Motivation\n\n<!--\n  This section is optional."
        "\n\n  The motivation …\n-->\n\n## Copyright\n\nCopyright and related rights waived via "
        "[CC0](../LICENSE.md).\n"
    )
    eip = kinds.load_kind("eip", "---\nplan-lsp:\n  boilerplate: [Copyright]\n---\n" + eip_text)
    assert [s.title for s in eip.schema.sections if s.optional] == ["Motivation"]
    doc = "# EIP\n\n## Abstract\n\nWhat it does.\n\n## Copyright\n\nCopyright and related rights "
    doc += "waived via [CC0](../LICENSE.md).\n"
    assert _check(eip, doc) == []  # fixed text the metadata lists as boilerplate may stay
    # Not listed, the same line kept as it is is the template's text left unchanged.
    bare = kinds.load_kind("eip", eip_text)
    assert [(f.code, f.span.start.line + 1) for f in _check(bare, doc)] == [("empty-section", 7)]
    # KEP's title: its fixed words before the first placeholder are what a title follows.
    kep = kinds.load_kind(
        "kep",
        "---\nplan-lsp:\n  placeholders: [NNNN]\n---\n# KEP-NNNN: Your short, descriptive title\n"
        "\n## Summary\n\nText.\n",
    )
    assert _check(kep, "# KEP-3973: Consider Terminating Pods\n\n## Summary\n\nWhy.\n") == []
    assert [f.code for f in _check(kep, "# Terminating Pods\n\n## Summary\n\nWhy.\n")] == [
        "title-mismatch"
    ]


def test_front_matter_rendered_required_and_choices_enumerated(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from plan_lsp.core.text import Pos
    from plan_lsp.features.completion import complete

    # MADR: its front matter comes into new documents; "These are optional metadata elements",
    # so no key is required, and its status choice ends in "…" (open: any value may be used).
    repo = tmp_path / "repo"
    shutil.copytree(CORPUS / "madr", repo)
    made = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "new", "docs/decisions/0019-x.md", "--template", "adr"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    new = (repo / "docs/decisions/0019-x.md").read_text("utf-8")
    assert new.startswith("---\n# These are optional metadata elements.")
    assert 'status: "{proposed | rejected | accepted' in new
    madr = _kind("madr", "adr")
    assert all(k.optional for k in madr.schema.front_keys)
    status = next(k for k in madr.schema.front_keys if k.key == "status")
    assert status.open and status.values[:3] == ("proposed", "rejected", "accepted")
    # A closed choice (the issue's own example): required, enumerated, completed.
    kind = kinds.load_kind(
        "adr",
        '---\nstatus: "{proposed | accepted | rejected}"\ndate: "{YYYY-MM-DD}"\n---\n'
        "# {{TITLE}}\n\n## Context\n\nWhy.\n",
    )
    doc = "---\nstatus: done\n---\n# Use SQLite\n\n## Context\n\nBecause.\n"
    found = _check(kind, doc)
    assert [(f.code, f.span.start.line, f.message) for f in found] == [
        ("missing-section", 0, "Missing front matter key 'date'"),
        ("invalid-value", 1, "Invalid status 'done': expected one of proposed, accepted, rejected"),
    ]
    result = engine.check(doc, "doc.md", [kind], force=kind)
    items = complete(result, Pos(1, len("status: ")))
    assert [i.label for i in items] == ["proposed", "accepted", "rejected"]


async def test_a_spec_kit_repository_is_checked_in_the_editor_with_no_set_up(
    tmp_path: Path,
) -> None:
    import shutil

    from lsp_support import diagnostics, open_doc, session

    root = tmp_path / "repo"
    shutil.copytree(CORPUS / "speckit", root)
    path = root / "specs" / "004-tag-log" / "plan.md"
    async with session(root=str(root)) as client:
        open_doc(client, path.as_uri(), path.read_text("utf-8"))
        diags = await diagnostics(client, path.as_uri(), version=1)
    assert ("unresolved-field", 1) in [(d.code, d.range.start.line) for d in diags]


def test_guidance_left_verbatim_in_a_real_rfc_is_reported_once() -> None:
    # The Rust RFC template's Summary guidance holds no placeholder: plain prose to replace.
    rfc = _kind("rust-rfc", "rfc")
    real = (CORPUS / "rust-rfc/text/3809-derive-from.md").read_text("utf-8")
    assert _check(rfc, real) == []
    start = real.index("Allow deriving an implementation of the `From` trait")
    end = real.index("## Motivation")

    def summary(body: str) -> str:  # the document with its Summary's own text replaced
        return real[:start] + body + "\n\n" + real[end:]

    assert _check(rfc, summary(real[start:end].strip())) == []
    kept = summary("One paragraph explanation of the feature.")
    found = _check(rfc, kept)
    assert [(f.code, f.data.get("unchanged"), f.span.start.line + 1) for f in found] == [
        ("empty-section", True, 6)
    ]
    assert found[0].message == "Section 'Summary' still holds the template's text, unchanged"
    # Compared word for word, whitespace normalised and HTML comments set aside.
    reflowed = summary("<!-- TODO -->\nOne paragraph\n   explanation of the feature.")
    assert [f.span.start.line + 1 for f in _check(rfc, reflowed)] == [6]
    # One word of the writer's own is no longer the template's text.
    edited = summary("One paragraph explanation of the derive feature.")
    assert _check(rfc, edited) == []


def test_a_never_edited_scaffold_does_not_pass_check(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(CORPUS / "rust-rfc", repo)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli_run(*args, cwd=repo)

    made = run("new", "text/9999-my-feature.md", "--template", "rfc")
    assert made.returncode == 0, made.stderr
    path = repo / "text/9999-my-feature.md"
    lines = path.read_text("utf-8").splitlines()
    # Its fields filled, as a writer does first; every section's body left as the template wrote it.
    assert lines[0].startswith("- Feature Name: (fill me in") and "Start Date" in lines[1]
    lines[0] = "- Feature Name: `my_feature`"
    lines[1] = "- Start Date: 2026-11-30"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    checked = run("check", "--format", "json", "text/9999-my-feature.md")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    findings = [f for doc in report["files"] for f in doc["findings"]]
    # One error for the whole document, and a warning at each section still to write.
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["unedited-document"]
    assert {f["code"] for f in findings} == {"empty-section", "unedited-document"}
    # No fix offers to insert the template's text a second time.
    assert [f["fix"] for f in findings] == [None] * len(findings)
    template = _kind("rust-rfc", "rfc").schema
    with_body = [s.title for s in template.sections if s.has_body and s is not template.title]
    assert len(findings) == len(with_body) + 1 == 10
    # Once one section is written, the document is edited: only the others stay reported.
    text = path.read_text("utf-8")
    summary = text.index("## Summary")
    body = text.index("\n\n", summary) + 2
    end = text.index("\n## ", body)
    path.write_text(text[:body] + "Adds `my_feature`, in one paragraph.\n" + text[end:], "utf-8")
    checked = run("check", "--format", "json", "text/9999-my-feature.md")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    findings = [f for doc in json.loads(checked.stdout)["files"] for f in doc["findings"]]
    assert {f["code"] for f in findings} == {"empty-section"} and len(findings) == 8


@pytest.mark.parametrize(
    "family",
    [
        "madr",
        "nygard",
        "rust-rfc",
        "go-proposal",
        "held-out/swift-evolution",
        "held-out/react-rfc",
        "held-out/kep",
        "held-out/nix-rfc",
    ],
)
def test_a_never_edited_scaffold_of_each_real_template_fails_check(
    family: str, tmp_path: Path
) -> None:
    """Every real template of the corpus, as installed: its scaffold, never edited (fields left
    as `new` leaves them), is one `unedited-document` error; one written section ends it."""
    shutil.copytree(CORPUS / family / ".plan-templates", tmp_path / ".plan-templates")
    [name] = [p.stem for p in (tmp_path / ".plan-templates").glob("*.md")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli_run(*args, cwd=tmp_path)

    assert run("new", "doc.md", "--template", name).returncode == 0
    checked = run("check", "--template", name, "--format", "json", "doc.md")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    found = [f for doc in json.loads(checked.stdout)["files"] for f in doc["findings"]]
    assert [f["code"] for f in found if f["severity"] == "error"] == ["unedited-document"]
    unchanged = [f for f in found if f["code"] == "empty-section" and "unchanged" in f["message"]]
    assert unchanged
    # The writer replaces the first section's text with their own: not unedited any more.
    lines = (tmp_path / "doc.md").read_text("utf-8").split("\n")
    first = unchanged[0]["line"] - 1
    body = next(i for i in range(first + 1, len(lines)) if lines[i].strip())
    lines[body] = "Our own words, at last."
    (tmp_path / "doc.md").write_text("\n".join(lines), "utf-8")
    again = run("check", "--template", name, "--format", "json", "doc.md")
    found = [f for doc in json.loads(again.stdout)["files"] for f in doc["findings"]]
    assert "unedited-document" not in [f["code"] for f in found]
    assert len([f for f in found if "unchanged" in f["message"]]) == len(unchanged) - 1


def test_a_never_edited_scaffold_of_a_template_of_comments_alone_fails_check(
    tmp_path: Path,
) -> None:
    """A template whose sections hold only guidance comments (sections that may stay empty):
    its scaffold, never edited, is still one `unedited-document` error; one written section
    (even beside its comment) ends it, and the others left as they are say nothing."""
    (tmp_path / ".plan-templates").mkdir()
    (tmp_path / ".plan-templates" / "note.md").write_text(
        "---\nplan-lsp:\n  applies-to: ['notes/*.md']\n---\n# {{TITLE}}\n\n## Context\n\n"
        "<!-- What is the issue we are seeing? -->\n\n## Decision\n\n"
        "<!-- What do we do about it? -->\n\n## Consequences (optional)\n\n"
        "<!-- What becomes easier or harder? -->\n",
        "utf-8",
    )
    made = cli_run("new", "notes/a.md", "--template", "note", "--set", "TITLE=Cache", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = cli_run("check", "notes/a.md", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (
        1,
        "notes/a.md:1:1: error unedited-document Nothing written yet: all 2 sections with "
        "text from the template still hold it, unchanged\n",
    )
    doc = tmp_path / "notes" / "a.md"
    text = doc.read_text("utf-8")
    comment = "<!-- What do we do about it? -->"
    doc.write_text(text.replace(comment, comment + "\nWe keep a cache."), "utf-8")
    checked = cli_run("check", "notes/a.md", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "")
