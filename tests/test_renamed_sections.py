"""Renamed sections, on real templates through the real CLI and server: a required section
renamed in its place (React RFC 0051's 'Usage example' for the template's 'Basic example') is
that section; out of its place, beside another unknown heading, misspelt or deleted, it is
still reported, once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lsprotocol import types

CORPUS = Path(__file__).parent / "corpus"
REACT = CORPUS / "held-out" / "react-rfc"
PROFILER = (REACT / "text" / "0051-profiler.md").read_text("utf-8")
RUST = CORPUS / "rust-rfc"
DERIVE = (RUST / "text" / "3809-derive-from.md").read_text("utf-8")
UNRESOLVED = "missing-section Missing section '# Unresolved questions' (after 'How we teach this')"


def _block(text: str, heading: str, following: str) -> tuple[int, int]:
    """Where a section runs in ``text``: from its heading line to the next one given."""
    start = text.index(f"\n{heading}\n") + 1
    return start, text.index(f"\n{following}\n", start) + 1


def _check(tmp_path: Path, docs: dict[str, str], family: Path = REACT) -> dict[str, list[str]]:
    """``plan-lsp check`` on the family's template and these documents: each one's findings as
    'line: code message'."""
    repo = tmp_path / "repo"
    shutil.copytree(family / ".plan-templates", repo / ".plan-templates")
    (repo / "text").mkdir()
    for name, text in docs.items():
        (repo / "text" / name).write_text(text, "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--no-cache", "text"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stderr == ""
    found: dict[str, list[str]] = {name: [] for name in docs}
    for line in out.stdout.splitlines():
        path, ln, _col, rest = line.split(":", 3)
        found[path.removeprefix("text/")].append(f"{ln}: {rest.split(' ', 2)[2]}")
    return found


def test_a_section_renamed_in_its_place_is_that_section_in_a_react_rfc(tmp_path: Path) -> None:
    start, end = _block(PROFILER, "# Usage example", "# Motivation")
    usage = PROFILER[start:end]
    alternatives = _block(PROFILER, "# Alternatives", "# Adoption strategy")[0]
    summary = _block(PROFILER, "# Summary", "# Usage example")
    docs = {
        "renamed.md": PROFILER,
        # Out of its place: after Drawbacks, where 'Basic example' does not belong.
        "moved.md": PROFILER[:start] + PROFILER[end:alternatives] + usage + PROFILER[alternatives:],
        # Two unknown headings in its place: neither is taken for it.
        "two.md": PROFILER[:end] + "# More examples\n\nA second one.\n\n" + PROFILER[end:],
        "deleted.md": PROFILER[:start] + PROFILER[end:],
        # A misspelt title is a typo to fix, not a rename: reported with its "did you mean".
        "typo.md": PROFILER.replace("# Usage example", "# Basic exmaple"),
        # A heading standing for two sections (merged) is taken for neither.
        "merged.md": PROFILER.replace("# Usage example", "# Usage example and motivation"),
        # A section deleted beside the renamed one is the one reported.
        "summary-deleted.md": PROFILER[: summary[0]] + PROFILER[summary[1] :],
        # Taken as that section, it is checked as that section: left empty, it is reported.
        "emptied.md": PROFILER[:start] + "# Usage example\n\n" + PROFILER[end:],
    }
    found = _check(tmp_path, docs)
    missing = "missing-section Missing section '# Basic example' (after 'Summary', before "
    assert found["renamed.md"] == [f"134: {UNRESOLVED}"]
    assert found["moved.md"] == [f"13: {missing}'Motivation')", f"134: {UNRESOLVED}"]
    assert found["two.md"] == [f"67: {missing}'Motivation')", f"138: {UNRESOLVED}"]
    assert found["deleted.md"] == [f"13: {missing}'Motivation')", f"84: {UNRESOLVED}"]
    assert found["typo.md"] == [
        f"63: {missing}'Motivation'); did you mean 'Basic exmaple' (line 13)?",
        f"134: {UNRESOLVED}",
    ]
    assert found["merged.md"] == [f"63: {missing}'Motivation')", f"134: {UNRESOLVED}"]
    assert found["summary-deleted.md"] == [
        "5: missing-section Missing section '# Summary' (before 'Basic example')",
        f"126: {UNRESOLVED}",
    ]
    assert found["emptied.md"] == [
        "13: empty-section Section 'Basic example' is empty",
        f"86: {UNRESOLVED}",
    ]


def test_a_renamed_rust_rfc_section(tmp_path: Path) -> None:
    # Renamed in place, taken; a word other sections share tells them apart from nothing.
    start, end = _block(DERIVE, "## Drawbacks", "## Rationale and alternatives")
    docs = {
        "renamed.md": DERIVE.replace("## Rationale and alternatives", "## Alternatives"),
        "plural.md": DERIVE.replace("## Drawbacks", "## Drawback"),
        "shared-word.md": DERIVE.replace("## Guide-level explanation", "## Explanation"),
        "deleted.md": DERIVE[:start] + DERIVE[end:],
    }
    found = _check(tmp_path, docs, RUST)
    # Taken as 'Rationale and alternatives'; its own link to that anchor is broken now.
    assert found["renamed.md"] == [
        "61: broken-link Broken link: this document has no heading '#rationale-and-alternatives'"
    ]
    assert found["plural.md"] == []
    assert found["shared-word.md"] == [
        "127: missing-section Missing section '## Guide-level explanation' (after 'Motivation', "
        "before 'Reference-level explanation')"
    ]
    assert found["deleted.md"] == [
        "153: missing-section Missing section '## Drawbacks' (after 'Reference-level "
        "explanation', before 'Rationale and alternatives')"
    ]


async def test_the_editor_says_what_a_renamed_section_stands_for(tmp_path: Path) -> None:
    from lsp_support import diagnostics, open_doc, session

    root = tmp_path / "repo"
    shutil.copytree(RUST / ".plan-templates", root / ".plan-templates")
    path = root / "text" / "3809-derive-from.md"
    path.parent.mkdir()
    text = DERIVE.replace("## Guide-level explanation", "## User guide")
    path.write_text(text, "utf-8")
    line = text.split("\n").index("## User guide")
    async with session(root=str(root)) as client:
        open_doc(client, path.as_uri(), text)
        assert await diagnostics(client, path.as_uri(), version=1) == []
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
                position=types.Position(line=line, character=4),
            )
        )
        # Moved out of its place (after Drawbacks), it is reported.
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=_moved(text))],
            )
        )
        diags = await diagnostics(client, path.as_uri(), version=2)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith(
        "**User guide** stands for the template's **Guide-level explanation** (renamed in its "
        "place) — required section, level 2 (`##`) of the rfc template"
    )
    assert [(d.code, d.message) for d in diags] == [
        (
            "missing-section",
            "Missing section '## Guide-level explanation' (after 'Motivation', before "
            "'Reference-level explanation')",
        )
    ]


def _moved(text: str) -> str:
    """``text`` with its '## User guide' section moved after '## Drawbacks'."""
    start, end = _block(text, "## User guide", "## Reference-level explanation")
    after = _block(text, "## Drawbacks", "## Rationale and alternatives")[1]
    return text[:start] + text[end:after] + text[start:end] + text[after:]
