"""The pygls-free Workspace, driven in-process: documents, checks, re-check decisions, files."""

from __future__ import annotations

from pathlib import Path

from plan_lsp.core.text import Pos, Span
from plan_lsp.workspace import Change, Files, Recheck, Workspace
from support import remove_section


class Messages:
    """A Reporter keeping what it is told."""

    def __init__(self) -> None:
        self.logged: list[tuple[str, str]] = []
        self.warned: list[str] = []

    def log(self, message: str, level: str = "log") -> None:
        self.logged.append((level, message))

    def warn(self, message: str) -> None:
        self.warned.append(message)


def workspace(root: Path | None = None, files: Files | None = None) -> Workspace:
    return Workspace(files, Messages(), (lambda: [root]) if root else None)


def test_open_check_and_close(tmp_path: Path, plan: str) -> None:
    ws = workspace(tmp_path)
    uri = (tmp_path / "x-plan.md").as_uri()
    stale = ws.open(uri, remove_section(plan, "Timeline"), 1)
    assert stale == Recheck([uri])
    findings = ws.findings(uri)
    assert findings is not None
    assert [f.code for f in findings] == ["missing-section"]
    assert "Timeline" in findings[0].message
    assert ws.close(uri) == Recheck()
    assert ws.findings(uri) is None
    assert ws.analyze(uri) is None


def test_not_markdown_is_ignored(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    assert ws.open((tmp_path / "x.py").as_uri(), "# Implementation Plan: X\n", 1, "python") is None
    assert ws.documents == {}


def test_edits_in_client_units(tmp_path: Path, plan: str) -> None:
    ws = workspace(tmp_path)
    uri = (tmp_path / "x-plan.md").as_uri()
    ws.open(uri, "😀 <<A>>\n", 1)
    # Column 3 in UTF-16 is after the emoji and its space.
    assert ws.change(uri, 2, [Change("<<B>> ", (0, 3), (0, 3))]) == Recheck([uri])
    doc = ws.document(uri)
    assert doc is not None and doc.text == "😀 <<B>> <<A>>\n" and doc.version == 2
    assert ws.change(uri, 3, [Change("new\n")]) == Recheck([uri])
    assert doc.text == "new\n"
    assert ws.change("file:///nowhere.md", 1, [Change("x")]) is None


def test_settings_make_everything_stale(tmp_path: Path, plan: str) -> None:
    ws = workspace(tmp_path)
    uri = (tmp_path / "x-plan.md").as_uri()
    ws.open(uri, remove_section(plan, "Timeline"), 1)
    assert ws.findings(uri)
    assert ws.apply_settings({"severity": {"missing-section": "off"}}) == Recheck(all=True)
    assert ws.findings(uri) == []


def test_a_link_target_appearing_rechecks_only_documents_linking_to_it(
    tmp_path: Path, plan: str
) -> None:
    ws = workspace(tmp_path)
    linking = (tmp_path / "a-plan.md").as_uri()
    other = (tmp_path / "b-plan.md").as_uri()
    ws.open(linking, plan + "\nSee [notes](notes.md).\n", 1)
    ws.open(other, plan, 1)
    findings = ws.findings(linking)
    assert findings is not None and [f.code for f in findings] == ["broken-link"]
    assert ws.findings(other) == []
    (tmp_path / "notes.md").write_text("# Notes\n", "utf-8")
    assert ws.file_changed((tmp_path / "notes.md").as_uri(), "created") == Recheck([linking])
    assert ws.findings(linking) == []
    # Opening a document re-checks the documents linking to it, and itself.
    (tmp_path / "notes.md").unlink()
    ws.links_changed(str(tmp_path / "notes.md"))
    notes = (tmp_path / "notes.md").as_uri()
    assert ws.open(notes, "# Notes\n", 1) == Recheck([notes])  # not checked since: not stale


def test_definition_reads_through_the_files_seam(tmp_path: Path, plan: str) -> None:
    class Counting(Files):
        def __init__(self) -> None:
            self.read: list[str] = []

        def read_bytes(self, path: str, limit: int | None = None) -> bytes:
            self.read.append(path)
            return super().read_bytes(path, limit)

    (tmp_path / "notes.md").write_text("# Notes\n\ntext\n\n## Why\n", "utf-8")
    files = Counting()
    ws = workspace(tmp_path, files)
    uri = (tmp_path / "a-plan.md").as_uri()
    ws.open(uri, "# A\n\nSee [why](notes.md#why).\n", 1)
    found = ws.definition(uri, Pos(2, 12))
    assert found is not None
    assert (found.uri, found.line) == ((tmp_path / "notes.md").as_uri(), 4)
    assert files.read and set(files.read) == {str(tmp_path / "notes.md")}
    assert ws.definition(uri, Pos(2, 0)) is None


def test_template_problems_are_findings(tmp_path: Path) -> None:
    folder = tmp_path / ".plan-templates"
    folder.mkdir()
    (folder / "adr.md").write_text("# ADR {{N}}: {{T}}\n\n## Context\n", "utf-8")
    ws = workspace(tmp_path)
    assert [k.name for k in ws.kinds()] == ["adr", "plan"]
    uri = (folder / "adr.md").as_uri()
    stale = ws.open(uri, "# ADR {{N}}: {{T}}\n\n## Context\n\n## Context\n", 1)
    assert stale is not None and stale.all
    findings = ws.findings(uri)
    assert findings is not None
    assert [(f.code, f.severity, f.span.start.line) for f in findings] == [
        ("invalid-template", "error", 4)
    ]
    # Closing it goes back to the file on disk, which is fine.
    assert ws.close(uri) == Recheck(all=True)
    assert ws.registry.problems.get(str(folder / "adr.md")) == []


WIRE = """\
# Implementation Plan: Wire

**Issue:** ABC-1
**Status:** Done
**Created:** 2026-11-25
**Author:** <<AUTHOR>>

## Overview

Text.
"""


def test_features_by_uri(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    uri = (tmp_path / "wire-plan.md").as_uri()
    ws.open(uri, WIRE, 3)
    # Completion of the Status values, over the value written.
    items = ws.completions(uri, Pos(3, 12), snippets=True)
    assert items is not None
    assert [(i.label, i.kind, i.insert, i.span) for i in items] == [
        (v, "value", v, Span(Pos(3, 12), Pos(3, 16))) for v in ("Draft", "In Progress", "Completed")
    ]
    # Hover on the Overview heading says what the template asks for there.
    found = ws.hover(uri, Pos(7, 4))
    assert found is not None and found[1] == Span(Pos(7, 3), Pos(7, 11))
    assert found[0].startswith("**Overview** — required section, level 2")
    # The outline and its folds.
    symbols = ws.symbols(uri)
    assert symbols is not None
    assert [s.name for s in symbols] == ["Implementation Plan: Wire"]
    assert [c.name for c in symbols[0].children] == ["Overview"]
    assert ws.folding(uri) == [(0, 9), (7, 9)]
    # Status bar data, and the fixes of the invalid value.
    status = ws.status(uri)
    assert status is not None and (status.kind, status.status) == ("plan", "Done")
    findings = ws.findings(uri) or []
    invalid = [f for f in findings if f.code == "invalid-value"]
    assert [f.title for f in ws.fixes(uri, invalid)] == [
        "Set Status to 'Draft'",
        "Set Status to 'In Progress'",
        "Set Status to 'Completed'",
    ]
    # Nothing for a document that is not open.
    other = (tmp_path / "other.md").as_uri()
    assert ws.completions(other, Pos(0, 0), snippets=True) is None
    assert (ws.hover(other, Pos(0, 0)), ws.symbols(other), ws.folding(other)) == (None,) * 3
    assert (ws.status(other), ws.fixes(other, invalid)) == (None, [])


def test_blank_documents_get_one_scaffold_per_kind(tmp_path: Path) -> None:
    folder = tmp_path / ".plan-templates"
    folder.mkdir()
    (folder / "adr.md").write_text("# ADR {{N}}: {{T}}\n\n## Context\n", "utf-8")
    ws = workspace(tmp_path)
    uri = (tmp_path / "new.md").as_uri()
    ws.open(uri, "\n", 1)
    items = ws.completions(uri, Pos(0, 0), snippets=True)
    assert items is not None and [(i.label, i.filter) for i in items] == [
        ("adr: new document from the template", "adr"),
        ("plan: new document from the template", "plan"),
    ]
    # Given scaffolds (the protocol layer's guarded part) are used as they are.
    assert ws.completions(uri, Pos(0, 0), snippets=True, scaffolds=[]) == []


def test_new_file_fixes_for_links_to_missing_files(tmp_path: Path, plan: str) -> None:
    ws = workspace(tmp_path)
    uri = (tmp_path / "x-plan.md").as_uri()
    ws.open(uri, plan + "\nSee [the spec](spec.md) and [notes](notes.md#why).\n", 1)
    findings = ws.findings(uri) or []
    new = ws.new_file_fixes(findings)
    assert [(n.title, n.path) for n in new] == [
        ("Create 'spec.md' from the plan template", str(tmp_path / "spec.md")),
        ("Create 'notes.md' from the plan template", str(tmp_path / "notes.md")),
    ]
    assert new[0].text.startswith("# Implementation Plan:")


def test_template_changes_on_disk_and_in_the_editor(tmp_path: Path) -> None:
    folder = tmp_path / ".plan-templates"
    folder.mkdir()
    template = folder / "adr.md"
    template.write_text("# ADR {{N}}: {{T}}\n\n## Context\n", "utf-8")
    ws = workspace(tmp_path)
    doc = (tmp_path / "adr" / "7.md").as_uri()
    ws.open(doc, "# ADR 7: Use SQLite\n\n## Context\n\nWhy.\n", 1)
    assert ws.findings(doc) == []
    # A new section in the template, on disk: every document is re-checked against it.
    template.write_text("# ADR {{N}}: {{T}}\n\n## Context\n\n## Decision\n", "utf-8")
    assert ws.file_changed(template.as_uri(), "changed") == Recheck(all=True)
    assert [f.code for f in ws.findings(doc) or []] == ["missing-section"]
    # Opened in the editor, the template's text wins over the file's.
    ws.open(template.as_uri(), "# ADR {{N}}: {{T}}\n\n## Context\n", 1)
    assert ws.findings(doc) == []
    assert ws.file_changed(template.as_uri(), "changed") == Recheck()
    # Deleted: the kind is gone, and so are the document's findings.
    ws.close(template.as_uri())
    template.unlink()
    assert ws.file_changed(template.as_uri(), "deleted") == Recheck(all=True)
    assert ws.findings(doc) == []
    assert "plan-lsp: template " + str(template) + " deleted" in [
        m
        for _, m in ws.reporter.logged  # type: ignore[attr-defined]
    ]
