"""``source.fixAll.plan-lsp``: one code action applying every fix safe to apply unattended, the
same text as ``plan-lsp check --fix`` gives (one implementation: features/actions.py
``fix_all``), through the real server and the real command on real documents."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lsp_support import change, diagnostics, open_doc, rng, session, utf16
from lsprotocol import types
from support import complete_plan, lsp_edit, remove_section
from test_cli import run
from test_cli_fix import broken

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = Path(__file__).parent.parent / "examples" / "templates"
FIX_ALL = "source.fixAll.plan-lsp"


def whole(text: str) -> types.Range:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return rng((0, 0), (len(lines) - 1, utf16(lines[-1])))


async def ask(
    client: object,
    uri: str,
    text: str,
    only: Sequence[str] | None = (FIX_ALL,),
) -> list[types.CodeAction]:
    """The code actions over the whole document, as VS Code asks on save for
    ``editor.codeActionsOnSave: {"source.fixAll.plan-lsp": "explicit"}``."""
    got = await client.text_document_code_action_async(  # type: ignore[attr-defined]
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=whole(text),
            context=types.CodeActionContext(
                diagnostics=[],
                only=list(only) if only is not None else None,
                trigger_kind=types.CodeActionTriggerKind.Automatic,
            ),
        )
    )
    return [a for a in got or [] if isinstance(a, types.CodeAction)]


def applied(text: str, action: types.CodeAction, uri: str, version: int) -> str:
    """The document's text after the action's edit (checked to be for ``uri`` at ``version``)."""
    assert action.edit is not None and action.edit.document_changes is not None
    [doc_edit] = action.edit.document_changes
    assert isinstance(doc_edit, types.TextDocumentEdit)
    assert (doc_edit.text_document.uri, doc_edit.text_document.version) == (uri, version)
    edits = sorted(
        doc_edit.edits,
        key=lambda e: (e.range.start.line, e.range.start.character),
        reverse=True,
    )
    for e in edits:
        start = (e.range.start.line, e.range.start.character)
        end = (e.range.end.line, e.range.end.character)
        text = lsp_edit(text, start, end, e.new_text)
    return text


async def same_as_check_fix(root: Path, docs: dict[str, str]) -> None:
    """For each document (path under ``root`` -> its text, written there): the server's fix-all
    of the open document gives what ``plan-lsp check --fix`` then writes to the file; with
    nothing to fix, no action and the file unchanged."""
    for rel, text in docs.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode("utf-8"))
    served: dict[str, str] = {}
    async with session(root=str(root)) as client:
        for rel, text in docs.items():
            uri = (root / rel).as_uri()
            open_doc(client, uri, text)
            await diagnostics(client, uri, version=1)
            actions = await ask(client, uri, text)
            assert [a.kind for a in actions] in ([], [FIX_ALL]), rel
            served[rel] = applied(text, actions[0], uri, 1) if actions else text
    for rel in docs:
        out = run("check", "--fix", "--no-cache", rel, cwd=root)
        assert out.returncode in (0, 1), out.stderr
        fixed = (root / rel).read_bytes().decode("utf-8")
        assert served[rel] == fixed, rel


def scaffold_missing_sections(tmp_path: Path) -> str:
    """A plan from ``plan-lsp new``, two sections deleted and a heading demoted."""
    (tmp_path / "scaffold").mkdir()
    out = run("new", "scaffold/export-plan.md", "--issue", "ABC-1", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "scaffold" / "export-plan.md").read_text("utf-8")
    text = remove_section(remove_section(text, "Overview"), "Risks & Mitigations")
    return text.replace("\n## Notes\n", "\n### Notes\n")


async def test_fix_all_gives_what_check_fix_writes_on_plans(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    docs = {
        "plans/broken-plan.md": broken(),
        "plans/crlf-plan.md": broken().replace("\n", "\r\n"),
        "plans/scaffold-plan.md": scaffold_missing_sections(tmp_path),
        "plans/fine-plan.md": complete_plan(),
        "plans/empty-plan.md": "",  # a plan by its name: check --fix writes the template's
    }
    assert "Overview" not in docs["plans/scaffold-plan.md"]
    await same_as_check_fix(root, docs)
    # Something was fixed where there was something to fix, nothing where there was not.
    assert (root / "plans/fine-plan.md").read_text("utf-8") == complete_plan()
    assert "## Overview" in (root / "plans/scaffold-plan.md").read_text("utf-8")
    assert "\r\n## Overview\r\n" in (root / "plans/crlf-plan.md").read_bytes().decode()


async def test_fix_all_gives_what_check_fix_writes_on_real_documents(tmp_path: Path) -> None:
    """Real RFCs and design documents with their projects' templates (tests/corpus), and the
    example ADR with a section gone."""
    for family, names in (
        (
            "rust-rfc",
            ["3692-feature-unification", "3722-explicit-extern-abis", "3984-libs-team-refactor"],
        ),
        ("go-proposal", ["17280-profile-labels", "42372-wasmexport", "55022-pgo"]),
    ):
        root = tmp_path / family
        shutil.copytree(CORPUS / family, root)
        folder = "text" if family == "rust-rfc" else "design"
        docs = {f"{folder}/{n}.md": (root / folder / f"{n}.md").read_text("utf-8") for n in names}
        await same_as_check_fix(root, docs)
        assert any((root / rel).read_text("utf-8") != text for rel, text in docs.items())
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root)
    adr = (root / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    damaged = remove_section(adr, "Consequences").replace("## Decision", "### Decision")
    await same_as_check_fix(root, {"adr/0001-use-sqlite.md": damaged})
    assert (root / "adr" / "0001-use-sqlite.md").read_text("utf-8") != damaged


async def test_fix_all_is_offered_for_its_kinds_and_once(tmp_path: Path) -> None:
    """Asked by its kind or a kind above it; not computed for the light bulb's questions; the
    action's edit fixes everything at once, after which nothing is left to offer."""
    uri = (tmp_path / "a-plan.md").as_uri()
    text = broken()
    async with session(root=str(tmp_path)) as client:
        kinds = client.init_result.capabilities.code_action_provider.code_action_kinds  # type: ignore[attr-defined]
        assert FIX_ALL in kinds and types.CodeActionKind.QuickFix in kinds
        open_doc(client, uri, text)
        await diagnostics(client, uri, version=1)
        for only in ([FIX_ALL], ["source.fixAll"], ["source"]):
            actions = await ask(client, uri, text, only)
            assert [(a.kind, a.title) for a in actions] == [
                (FIX_ALL, "Fix all auto-fixable plan problems")
            ], only
        for only in (["quickfix"], None):  # quick fixes only: fixing all is not computed
            actions = await ask(client, uri, text, only)
            assert actions and {a.kind for a in actions} == {types.CodeActionKind.QuickFix}, only
        assert await ask(client, uri, text, ["refactor"]) == []
        [action] = await ask(client, uri, text)
        fixed = applied(text, action, uri, 1)
        lines = text.split("\n")
        change(client, uri, 2, ((0, 0), (len(lines) - 1, utf16(lines[-1])), fixed))
        after = await diagnostics(client, uri, version=2)
        assert "missing-section" not in {d.code for d in after}
        assert await ask(client, uri, fixed) == []  # a second fix-all finds nothing


async def test_no_fix_all_for_a_document_that_is_no_plan(tmp_path: Path) -> None:
    text = "# Notes\n\n## Whatever\n\n**Status:** Done\n"
    await same_as_check_fix(tmp_path, {"notes.md": text})
    assert (tmp_path / "notes.md").read_text("utf-8") == text


# -- the edits sent: only the lines that changed --------------------------------------------------

_LINES = st.lists(st.sampled_from(["", "# A", "## B", "text", "- [ ] task", "x"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_LINES, _LINES)
def test_edits_between_turn_the_old_text_into_the_new(old: list[str], new: list[str]) -> None:
    from plan_lsp.features.actions import apply_keeping_line_ends, edits_between

    a, b = "\n".join(old), "\n".join(new)
    assert apply_keeping_line_ends(a, edits_between(a, b)) == b


def test_edits_of_a_long_plan_touch_only_what_changed() -> None:
    from plan_lsp.features.actions import MAX_COMPARED, apply_keeping_line_ends, edits_between

    old = [f"line {i % 7}" for i in range(3 * MAX_COMPARED)]
    near = old[:10] + ["inserted"] + old[10:]
    edits = edits_between("\n".join(old), "\n".join(near))
    assert [(e.span.start.line, e.span.end.line, e.new_text) for e in edits] == [
        (10, 10, "inserted\n")
    ]
    # Two changes far apart: one edit from the first to the last (not a quadratic comparison).
    far = ["changed"] + near[1:-1] + ["changed too"]
    edits = edits_between("\n".join(old), "\n".join(far))
    assert len(edits) == 1
    assert apply_keeping_line_ends("\n".join(old), edits) == "\n".join(far)
