"""The pygls-free Workspace, driven in-process: documents, checks, re-check decisions, files."""

from __future__ import annotations

from pathlib import Path

from plan_lsp.core.text import Pos
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
