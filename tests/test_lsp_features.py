"""Completion, quick fixes, scaffolding, outline, folding and hover over the real protocol.

Tests taking ``client`` share one server for the module (each closes what it opened); the others
start their own, with other capabilities or a workspace root.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lsp_support import capabilities, change, diagnostics, open_doc, rng, session
from lsprotocol import types
from plan_lsp.core import engine, kinds
from plan_lsp.core.text import Pos, Span, TextEdit, apply_edits
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient
from support import complete_plan, remove_section

URI = "file:///work/plans/user-login-plan.md"
PLAN = complete_plan()

pytestmark = pytest.mark.asyncio(loop_scope="module")


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc_id(uri: str = URI) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def complete(client, uri: str, line: int, character: int):  # type: ignore[no-untyped-def]
    got = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(line, character))
    )
    return got.items if got is not None else []


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits to ASCII/BMP text (the tests keep edited lines free of astral chars)."""
    return apply_edits(
        text,
        [
            TextEdit(
                Span(
                    Pos(e.range.start.line, e.range.start.character),
                    Pos(e.range.end.line, e.range.end.character),
                ),
                e.new_text,
            )
            for e in edits
        ],
    )


# -- completion --------------------------------------------------------------------------------


async def test_completion_offers_the_missing_section_where_it_belongs(
    client: LanguageClient,
) -> None:
    text = remove_section(PLAN, "Risks & Mitigations")
    lines = text.split("\n")
    dod = lines.index("## Definition of Done")
    text = "\n".join([*lines[:dod], "## ", *lines[dod:]])
    open_doc(client, URI, text)
    items = await complete(client, URI, dod, 3)
    assert [i.label for i in items] == ["## Risks & Mitigations"]
    [item] = items
    assert item.text_edit.range == rng((dod, 0), (dod, 3))
    assert item.insert_text_format == types.InsertTextFormat.Snippet
    assert item.text_edit.new_text == (
        "## Risks & Mitigations\n\n"
        "| Risk             | Mitigation Strategy |\n"
        "| ---------------- | ------------------- |\n"
        "| Risk description | How to address      |\n"
    )


async def test_completion_of_next_phase_and_step_numbers_with_snippet_tabstops(
    client: LanguageClient,
) -> None:
    lines = PLAN.split("\n")
    at = lines.index("## Testing Strategy") - 1  # the blank line closing Step 3.2
    text = "\n".join([*lines[:at], "#", *lines[at:]])
    open_doc(client, URI, text)
    items = await complete(client, URI, at, 1)
    assert [i.label for i in items] == [
        "### Phase 4: <<Phase Title>>",
        "#### Step 3.3: <<Step Title>>",
    ]
    step = items[1].text_edit.new_text
    assert step.startswith("#### Step 3.3: ${1:<<Step Title>>}\n\n**Files:**\n\n")
    assert "- `path/to/file1.${2:<<FILE_EXTENSION>>}`\n- `path/to/file2.$2`" in step
    phase = items[0].text_edit.new_text
    assert "#### Step 4.1: ${2:<<Step Title>>}" in phase and "#### Step 4.2:" in phase


async def test_completion_without_snippet_support_inserts_plain_text() -> None:
    caps = capabilities("neovim")
    caps.text_document.completion.completion_item.snippet_support = False
    text = remove_section(PLAN, "Notes")
    lines = text.split("\n")
    at = lines.index("## Progress Log")
    text = "\n".join([*lines[:at], "", *lines[at:]])
    async with session(caps) as client:
        open_doc(client, URI, text)
        items = await complete(client, URI, at, 0)
    [item] = [i for i in items if i.label == "## Notes"]
    assert item.insert_text_format == types.InsertTextFormat.PlainText
    assert item.text_edit.new_text.startswith("## Notes\n\nAdditional implementation notes")


async def test_completion_of_fields_after_double_angle(client: LanguageClient) -> None:
    lines = PLAN.split("\n")
    at = lines.index("Sign in by password or passkey.")
    text = PLAN.replace("Sign in by password or passkey.", "See <<Own Field>> and <<")
    open_doc(client, URI, text)
    items = await complete(client, URI, at, 24)
    labels = [i.label for i in items]
    assert labels[:3] == ["<<FEATURE_NAME>>", "<<ISSUE_ID>>", "<<SPEC>>"]
    assert "<<Step Title>>" in labels and labels[-1] == "<<Own Field>>"
    assert items[0].text_edit.range == rng((at, 22), (at, 24))
    assert items[0].detail == "Name of the feature this plan implements"


async def test_completion_of_status_values(client: LanguageClient) -> None:
    lines = PLAN.split("\n")
    at = lines.index("**Status:** Draft")
    open_doc(client, URI, PLAN.replace("**Status:** Draft", "**Status:** "))
    items = await complete(client, URI, at, 12)
    assert [(i.label, i.text_edit.range) for i in items] == [
        ("Draft", rng((at, 12), (at, 12))),
        ("In Progress", rng((at, 12), (at, 12))),
        ("Completed", rng((at, 12), (at, 12))),
    ]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("**Status:** ", ""),
        ("**Status**: ", ""),
        ("**Status:**", ""),
        ("- **Status:** ", "In"),
        ("* **Status:** ", ""),
        ("+ **Status:** ", ""),
        ("1. **Status:** ", ""),
        ("12) **Status:** ", "Comp"),
        ("> **Status:** ", ""),
        ("> - **Status:** ", ""),
        ("  3. **Status:** ", "Dr"),
        ("**Author:** Ann | **Status:** ", ""),
    ],
)
async def test_completion_of_values_after_every_label_form_the_outline_reads(
    client: LanguageClient, written: str, typed: str
) -> None:
    """Bullets, numbers, quotes, ``**Label**:``, a second label after ``|``: wherever the outline
    reads a label, its values are offered, over the value typed so far (and no further: a
    label after it on the line stays)."""
    from plan_lsp.core.outline import line_labels

    lines = PLAN.split("\n")
    at = lines.index("**Status:** Draft")
    line = written + typed
    assert [lab.label for lab in line_labels(line, 0)][-1] == "Status"  # the outline's reading
    want = rng((at, len(written)), (at, len(line)))
    for n, rest in enumerate(("", " | **Owner:** Bo")):
        uri = URI.replace(".md", f"-{n}.md")  # a document of its own for each line
        open_doc(client, uri, PLAN.replace("**Status:** Draft", line + rest))
        items = await complete(client, uri, at, len(line))
        assert [(i.label, i.text_edit.range) for i in items] == [
            ("Draft", want),
            ("In Progress", want),
            ("Completed", want),
        ], rest


async def test_no_values_outside_a_labels_value(client: LanguageClient) -> None:
    lines = PLAN.split("\n")
    at = lines.index("**Status:** Draft")
    line = "1. **Status:** Draft | **Owner:** Bo"
    open_doc(client, URI, PLAN.replace("**Status:** Draft", line))
    for col in (line.index("Status"), line.index("| **") + 1, len(line)):
        items = await complete(client, URI, at, col)
        assert not [i for i in items if i.kind == types.CompletionItemKind.Value], col


async def test_completion_of_front_field_labels(client: LanguageClient) -> None:
    lines = PLAN.split("\n")
    at = lines.index("**Status:** Draft")
    open_doc(client, URI, PLAN.replace("**Status:** Draft", "**"))
    items = await complete(client, URI, at, 2)
    assert [(i.label, i.text_edit.new_text) for i in items] == [
        ("**Status:**", "**Status:** ${1|Draft,In Progress,Completed|}")
    ]


async def test_completion_on_an_empty_document_offers_the_scaffold(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = f"file://{tmp_path}/checkout-plan.md"
    open_doc(client, uri, "")
    items = await complete(client, uri, 0, 0)
    [item] = items
    assert item.label == "plan: new document from the template"
    assert item.text_edit.new_text.startswith("# Implementation Plan: Checkout\n")


# -- code actions ------------------------------------------------------------------------------


async def actions_at(client, uri: str, line: int, diags):  # type: ignore[no-untyped-def]
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=rng((line, 0), (line, 0)),
            context=types.CodeActionContext(diagnostics=diags),
        )
    )


async def test_quick_fix_inserts_a_missing_section_with_its_version(client: LanguageClient) -> None:
    text = remove_section(PLAN, "Risks & Mitigations")
    open_doc(client, URI, text, version=3)
    [diag] = await diagnostics(client, URI, version=3)
    acts = await actions_at(client, URI, diag.range.start.line, [diag])
    [act] = acts
    assert act.title == "Insert section '## Risks & Mitigations'"
    assert act.kind == types.CodeActionKind.QuickFix and act.is_preferred
    assert list(act.diagnostics) == [diag]
    [doc_edit] = act.edit.document_changes
    assert doc_edit.text_document == types.OptionalVersionedTextDocumentIdentifier(
        uri=URI, version=3
    )
    fixed = apply(text, doc_edit.edits)
    # The section comes back as the template writes it, for its author to write.
    assert fixed == PLAN.replace(
        "| Passkeys unsupported | Keep passwords too |",
        "| Risk description | How to address      |",
    )
    # Applied as the editor would: the error goes; the section's text is still to write.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=4),
            content_changes=[
                types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                for e in doc_edit.edits
            ],
        )
    )
    [left] = await diagnostics(client, URI, version=4)
    assert (left.code, left.message, left.severity) == (
        "empty-section",
        "Section 'Risks & Mitigations' still holds the template's text, unchanged",
        types.DiagnosticSeverity.Warning,
    )


async def test_quick_fixes_renumber_and_set_values(client: LanguageClient) -> None:
    text = remove_section(PLAN, "Phase 2: Core Implementation").replace(
        "**Status:** Draft", "**Status:** Done"
    )
    open_doc(client, URI, text)
    diags = await diagnostics(client, URI, version=1)
    numbering = [d for d in diags if d.code == "numbering"]
    acts = await actions_at(client, URI, numbering[0].range.start.line, numbering[:1])
    titles = [a.title for a in acts]
    assert titles == ["Renumber to 2", "Renumber all phases and steps"]
    fixed = apply(text, acts[1].edit.document_changes[0].edits)
    assert [
        f.code
        for f in engine.check(
            fixed, None, [kinds.builtin_plan()], force=kinds.builtin_plan()
        ).findings
    ] == ["invalid-value"]
    [value] = [d for d in diags if d.code == "invalid-value"]
    acts = await actions_at(client, URI, value.range.start.line, [value])
    assert [a.title for a in acts] == [
        "Set Status to 'Draft'",
        "Set Status to 'In Progress'",
        "Set Status to 'Completed'",
    ]
    assert list(acts[1].edit.document_changes[0].edits) == [
        types.TextEdit(range=value.range, new_text="In Progress")
    ]


async def test_a_fix_for_an_old_version_names_that_version(client: LanguageClient) -> None:
    text = remove_section(PLAN, "Notes")
    open_doc(client, URI, text, version=3)
    [diag] = await diagnostics(client, URI, version=3)
    [act] = await actions_at(client, URI, diag.range.start.line, [diag])
    overview = text.split("\n").index("Sign in by password or passkey.")
    change(client, URI, 4, ((overview, 0), (overview, 0), "x"))
    # The fix computed at version 3 says so: an editor refuses it at version 4.
    assert act.edit.document_changes[0].text_document.version == 3
    [act4] = await actions_at(client, URI, diag.range.start.line, [diag])
    assert act4.edit.document_changes[0].text_document.version == 4


async def test_empty_document_gets_a_scaffold_code_action(client: LanguageClient) -> None:
    open_doc(client, URI, "\n")
    [act] = await actions_at(client, URI, 0, [])
    assert act.title == "Insert the plan template"
    [edit] = act.edit.document_changes[0].edits
    assert edit.range == rng((0, 0), (1, 0))
    assert edit.new_text.startswith("# Implementation Plan: User Login\n")


# -- scaffolding -------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


async def test_scaffold_fills_known_fields_from_file_git_and_folder(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "feature/ABC-123-login")
    git(tmp_path, "config", "user.name", "Ada Lovelace")
    (tmp_path / "spec.md").write_text("# Spec\n")
    uri = f"file://{tmp_path}/user-login-plan.md"
    async with session(root=str(tmp_path)) as client:
        open_doc(client, uri, "", version=5)
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="plan.scaffold", arguments=[{"uri": uri}])
        )
        assert result["applied"] is True
        [params] = client.applied
        [doc_edit] = params.edit.document_changes
        assert doc_edit.text_document.version == 5
        [edit] = doc_edit.edits
    import datetime as dt

    assert edit.range == rng((0, 0), (0, 0))
    assert edit.new_text.startswith(
        "# Implementation Plan: User Login\n\n**Issue:** ABC-123\n**Spec:** [spec.md](spec.md)\n"
        f"**Author:** Ada Lovelace\n**Created:** {dt.date.today().isoformat()}\n"
        "**Status:** Draft\n"
    )
    assert "<<Step Title>>" in edit.new_text


async def test_scaffold_arguments_override_and_never_overwrite(client: LanguageClient) -> None:
    open_doc(client, URI, "# Existing text\n")
    with pytest.raises(JsonRpcException) as info:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="plan.scaffold", arguments=[{"uri": URI}])
        )
    assert "never overwritten" in str(info.value)
    assert client.applied == []
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="plan.scaffold",
            arguments=[
                {
                    "uri": URI,
                    "feature": "Payments",
                    "issue": "PAY-9",
                    "author": "Bo",
                    "position": {"line": 1, "character": 0},
                }
            ],
        )
    )
    assert result["applied"] is True
    [edit] = client.applied[0].edit.document_changes[0].edits
    assert edit.range == rng((1, 0), (1, 0))
    assert edit.new_text.startswith("# Implementation Plan: Payments\n\n**Issue:** PAY-9\n")
    assert "**Author:** Bo\n" in edit.new_text


@pytest.mark.parametrize(
    "arguments",
    [[], ["file:///x.md"], [{"feature": "x"}], [{"uri": URI, "bogus": 1}], [{"uri": 3}]],
)
async def test_scaffold_rejects_bad_arguments(
    client: LanguageClient, arguments: list[object]
) -> None:
    with pytest.raises(JsonRpcException):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="plan.scaffold", arguments=arguments)
        )
    # and keeps serving
    open_doc(client, URI, PLAN)
    assert await diagnostics(client, URI, version=1) == []


# -- navigation --------------------------------------------------------------------------------


async def test_document_symbols_are_the_outline(client: LanguageClient) -> None:
    open_doc(client, URI, PLAN)
    syms = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc_id())
    )
    [root] = syms
    lines = PLAN.split("\n")
    assert root.name == "Implementation Plan: User Login 🔐"
    assert root.detail == "0/28 done"
    assert [c.name for c in root.children] == [
        "Overview",
        "Prerequisites",
        "Architecture",
        "Implementation Steps",
        "Testing Strategy",
        "Migration/Deployment",
        "Dependencies",
        "Risks & Mitigations",
        "Definition of Done",
        "Timeline",
        "Notes",
        "Progress Log",
    ]
    steps = root.children[3]
    assert [p.name for p in steps.children] == [
        "Phase 1: Foundation",
        "Phase 2: Core Implementation",
        "Phase 3: Integration & Testing",
    ]
    assert [s.name for s in steps.children[0].children] == [
        "Step 1.1: Wire the form",
        "Step 1.2: Wire the form",
    ]
    overview = root.children[0]
    at = lines.index("## Overview")
    assert overview.range == rng((at, 0), (at + 2, len(lines[at + 2])))
    assert overview.selection_range == rng((at, 3), (at, 11))
    assert root.selection_range == rng((0, 2), (0, 36))  # 🔐 counts two UTF-16 units


async def test_folding_ranges_per_section(client: LanguageClient) -> None:
    open_doc(client, URI, PLAN)
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=doc_id())
    )
    lines = PLAN.split("\n")
    at = lines.index("## Overview")
    assert (
        types.FoldingRange(start_line=at, end_line=at + 2, kind=types.FoldingRangeKind.Region)
        in folds
    )
    assert folds[0].start_line == 0 and folds[0].end_line == len(lines) - 2


async def test_hover_on_heading_field_and_status(client: LanguageClient) -> None:
    text = PLAN.replace("**Author:** Zoë Müller", "**Author:** <<AUTHOR>>")
    lines = text.split("\n")
    open_doc(client, URI, text)

    async def hover(line: int, character: int) -> types.Hover:
        return await client.text_document_hover_async(
            types.HoverParams(text_document=doc_id(), position=pos(line, character))
        )

    h = await hover(lines.index("## Prerequisites"), 5)
    assert h.contents.value.startswith("**Prerequisites** — required section, level 2 (`##`)")
    assert "> - [ ] Feature spec approved" in h.contents.value
    assert h.contents.value.endswith("Tasks: 0/4 done")
    author = lines.index("**Author:** <<AUTHOR>>")
    h = await hover(author, 15)
    assert h.contents.value == (
        "**Field `<<AUTHOR>>`** — to resolve\n\nWho writes and owns the plan"
    )
    assert h.range == rng((author, 12), (author, 22))
    h = await hover(lines.index("**Status:** Draft"), 3)
    assert h.contents.value == (
        "**Status** — Where the plan stands\n\nOne of: Draft, In Progress, Completed"
    )
    assert await hover(lines.index("Sign in by password or passkey."), 3) is None


async def test_status_request_for_status_bars(client: LanguageClient) -> None:
    text = PLAN.replace("**Status:** Draft", "**Status:** In Progress").replace(
        "- [ ] Feature spec approved", "- [x] Feature spec approved"
    )
    open_doc(client, URI, text)
    got = await client.protocol.send_request_async("planLsp/status", {"textDocument": {"uri": URI}})
    readme = "file:///work/README.md"
    open_doc(client, readme, "# Readme\n")
    none = await client.protocol.send_request_async(
        "planLsp/status", {"textDocument": {"uri": readme}}
    )
    assert got._asdict() == {
        "kind": "plan",
        "status": "In Progress",
        "tasksDone": 1,
        "tasksTotal": 28,
        "problems": 0,
    }
    assert none is None
