"""Team templates end to end: the example ADR and runbook, and a template written here."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from lsp_support import diagnostics, open_doc, rng, session
from lsprotocol import types
from test_cli import run
from test_lsp_workspace_index import plain, plans_of

EXAMPLES = Path(__file__).parent.parent / "examples" / "templates"
RFC = """\
---
plan-lsp:
  description: Request for comments
  fields:
    Stage:
      description: How far the RFC got
      values: [Draft, Review, Final]
---
# RFC {{N}}: {{Title}}

**Stage:** Draft | Review | Final
**Champion:** {{CHAMPION}}

## Summary

One paragraph.

## Motivation

Why.
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)
    (root / ".plan-templates" / "rfc.md").write_text(RFC, "utf-8")
    return root


# -- command line ------------------------------------------------------------------------------


def test_examples_check_clean_each_with_its_kind(workspace: Path) -> None:
    out = run("check", "--format", "json", ".", cwd=workspace)
    assert out.returncode == 0, out.stdout + out.stderr
    kinds = {f["path"]: (f["kind"], f["findings"]) for f in json.loads(out.stdout)["files"]}
    assert kinds == {
        "./adr/0001-use-sqlite.md": ("adr", []),
        "./keps/1234-faster-builds.md": ("kep", []),
        "./runbooks/payments.md": ("runbook", []),
    }


def test_new_with_set_then_check(workspace: Path) -> None:
    made = run(
        "new",
        "adr/0002-use-redis.md",
        "--template",
        "adr",
        "--set",
        "NUMBER=2",
        "--set",
        "TITLE=Use Redis",
        "--set",
        "DECIDERS=Ana",
        "--set",
        "OPTION=Memcached",
        cwd=workspace,
    )
    assert made.returncode == 0, made.stderr
    text = (workspace / "adr" / "0002-use-redis.md").read_text("utf-8")
    assert text.startswith("# ADR 2: Use Redis\n\n**Status:** Proposed\n**Date:** ")
    assert "**Deciders:** Ana\n" in text and "| Memcached |" in text
    assert not text.startswith("---")  # the metadata stays in the template
    checked = run("check", "adr/0002-use-redis.md", cwd=workspace)
    # Its fields are filled, but a never-edited scaffold does not pass: one error for the
    # document, and a warning at each section whose text is still the template's.
    assert checked.returncode == 1
    [first, *rest] = checked.stdout.splitlines()
    assert first.endswith(
        ":1:1: error unedited-document Nothing written yet: all 3 sections with text from the "
        "template still hold it, unchanged"
    )
    assert [ln.split(" warning empty-section ")[1] for ln in rest] == [
        f"Section '{name}' still holds the template's text, unchanged"
        for name in ("Context", "Decision", "Consequences")
    ]


def test_new_and_check_with_a_template_written_here(workspace: Path) -> None:
    made = run(
        "new",
        "rfcs/7.md",
        "--template",
        "rfc",
        "--set",
        "N=7",
        "--set",
        "Title=Faster builds",
        cwd=workspace,
    )
    assert made.returncode == 0, made.stderr
    text = (workspace / "rfcs" / "7.md").read_text("utf-8")
    assert text.startswith("# RFC 7: Faster builds\n\n**Stage:** Draft\n**Champion:** <<CHAMPION>>")
    (workspace / "rfcs" / "7.md").write_text(
        text.replace("**Stage:** Draft", "**Stage:** Done").replace("## Motivation\n\nWhy.\n", ""),
        "utf-8",
    )
    out = run("check", "rfcs/7.md", cwd=workspace)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert (
        "rfcs/7.md:3:12: error invalid-value Invalid Stage 'Done': expected one of Draft, "
        "Review, Final" in lines
    )
    assert any(
        "error missing-section Missing section '## Motivation' (after 'Summary')" in x
        for x in lines
    )


def test_template_option_forces_a_kind_by_name_or_path(workspace: Path) -> None:
    (workspace / "notes.md").write_text("# Anything\n", "utf-8")
    by_name = run("check", "--template", "runbook", "notes.md", cwd=workspace)
    by_path = run("check", "--template", ".plan-templates/runbook.md", "notes.md", cwd=workspace)
    assert by_name.stdout == by_path.stdout
    assert "title-mismatch Title 'Anything' does not follow the template's title" in by_name.stdout
    assert "Missing section '## Overview'" in by_name.stdout  # the title hides nothing


def test_a_broken_template_is_reported_and_the_others_still_work(workspace: Path) -> None:
    (workspace / ".plan-templates" / "bad.md").write_text(
        "---\nplan-lsp:\n  descripton: typo\n---\n# Bad {% if %}\n", "utf-8"
    )
    out = run("check", "--no-cache", ".", cwd=workspace)
    assert out.returncode == 0
    assert "bad.md:5: template syntax error" in out.stderr
    assert "(the template is not used)" in out.stderr


# -- language server ---------------------------------------------------------------------------


def uri(root: Path, rel: str) -> str:
    return (root / rel).as_uri()


async def test_scaffold_by_command_with_a_template_name(workspace: Path) -> None:
    target = uri(workspace, "adr/0003-new.md")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, "")
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="plan.scaffold", arguments=[{"uri": target, "template": "adr"}]
            )
        )
        assert result["applied"] is True
        [edit] = client.applied[0].edit.document_changes[0].edits
    assert edit.new_text.startswith("# ADR <<NUMBER>>: <<TITLE>>\n\n**Status:** Proposed\n")


async def test_empty_document_offers_one_scaffold_per_kind(workspace: Path) -> None:
    target = uri(workspace, "notes/new.md")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, "")
        got = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                position=types.Position(line=0, character=0),
            )
        )
    assert [(i.label, i.detail) for i in got.items] == [
        (
            "adr: new document from the template",
            "Architecture decision record, one decision per file",
        ),
        (
            "kep: new document from the template",
            "Enhancement proposal (after Kubernetes KEPs), from idea to graduation",
        ),
        ("rfc: new document from the template", "Request for comments"),
        ("runbook: new document from the template", "Operational runbook for a service"),
        (
            "plan: new document from the template",
            "Implementation plan for a feature, from overview to progress log",
        ),
    ]


async def test_completion_of_headings_fields_and_values(workspace: Path) -> None:
    doc = (workspace / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    lines = doc.split("\n")
    decision = lines.index("## Decision")
    end = lines.index("## Alternatives Considered")
    text = "\n".join(lines[:decision] + ["## "] + lines[end:])
    target = uri(workspace, "adr/0001-use-sqlite.md")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, text)

        async def at(line: int, ch: int, text_now: str | None = None) -> list[str]:
            got = await client.text_document_completion_async(
                types.CompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=target),
                    position=types.Position(line=line, character=ch),
                )
            )
            return [i.label for i in got.items]

        assert await at(decision, 3) == ["## Decision"]
        status = lines.index("**Status:** Accepted")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=rng((status, 12), (status, 20)), text=""
                    )
                ],
            )
        )
        assert await at(status, 12) == [
            "Proposed",
            "Accepted",
            "Rejected",
            "Deprecated",
            "Superseded",
        ]
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=3),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=rng((decision + 1, 0), (decision + 1, 0)), text="<<"
                    )
                ],
            )
        )
        assert (await at(decision + 1, 2))[:4] == [
            "<<NUMBER>>",
            "<<TITLE>>",
            "<<DATE>>",
            "<<DECIDERS>>",
        ]


async def test_missing_section_and_its_quick_fix(workspace: Path) -> None:
    doc = (workspace / "runbooks" / "payments.md").read_text("utf-8")
    lines = doc.split("\n")
    a, b = lines.index("## Escalation"), len(lines)
    text = "\n".join(lines[:a])
    target = uri(workspace, "runbooks/payments.md")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, text)
        [diag] = await diagnostics(client, target, version=1)
        assert (diag.code, diag.message) == (
            "missing-section",
            "Missing section '## Escalation' (after 'Procedures')",
        )
        [act] = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                range=diag.range,
                context=types.CodeActionContext(diagnostics=[diag]),
            )
        )
        [edit] = act.edit.document_changes[0].edits
        assert edit.new_text.endswith(
            "## Escalation\n\nWho to call when the procedures do not help.\n"
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
                ],
            )
        )
        # The section is back; the template's guidance it brings is still to be written over.
        assert [(d.code, d.message) for d in await diagnostics(client, target, version=2)] == [
            ("empty-section", "Section 'Escalation' still holds the template's text, unchanged")
        ]
    assert b > a


async def test_a_template_change_on_disk_rechecks_open_documents(workspace: Path) -> None:
    target = uri(workspace, "runbooks/payments.md")
    template = workspace / ".plan-templates" / "runbook.md"
    async with session(root=str(workspace)) as client:
        open_doc(client, target, (workspace / "runbooks" / "payments.md").read_text("utf-8"))
        assert await diagnostics(client, target, version=1) == []
        mark = len(client.published)
        template.write_text(
            template.read_text("utf-8") + "\n## Postmortem\n\nWhat we learned.\n", "utf-8"
        )
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=template.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        got = await diagnostics(client, target, version=1, after=mark)
        assert [(d.code, d.message) for d in got] == [
            ("missing-section", "Missing section '## Postmortem' (after 'Escalation')")
        ]
        mark = len(client.published)
        template.unlink()  # deleted: the document no longer has a kind
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=template.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        assert await diagnostics(client, target, version=1, after=mark) == []


async def test_a_broken_template_is_diagnosed_while_the_last_good_one_serves(
    workspace: Path,
) -> None:
    target = uri(workspace, "runbooks/payments.md")
    template = workspace / ".plan-templates" / "runbook.md"
    good = template.read_text("utf-8")
    broken = good.replace("## Procedures", "## Procedures {% if %}")
    line = broken.split("\n").index("## Procedures {% if %}")
    async with session(root=str(workspace)) as client:
        text = (workspace / "runbooks" / "payments.md").read_text("utf-8")
        open_doc(client, target, text.replace("## Escalation", "## Contacts"))
        before = await diagnostics(client, target, version=1)
        assert [d.code for d in before] == ["missing-section"]
        open_doc(client, template.as_uri(), broken)  # unsaved text counts
        [problem] = await diagnostics(client, template.as_uri(), version=1)
        assert (problem.code, problem.range.start.line, problem.severity) == (
            "invalid-template",
            line,
            types.DiagnosticSeverity.Error,
        )
        assert "template syntax error" in problem.message
        # The last good runbook schema still serves the open runbook.
        mark = len(client.published)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        assert await diagnostics(client, target, version=2, after=mark) == []


async def test_unknown_metadata_key_is_diagnosed_on_the_template(workspace: Path) -> None:
    template = workspace / ".plan-templates" / "rfc.md"
    text = RFC.replace("  description: Request for comments", "  descripton: Request")
    async with session(root=str(workspace)) as client:
        open_doc(client, template.as_uri(), text)
        [problem] = await diagnostics(client, template.as_uri(), version=1)
    assert problem.range.start.line == 2
    assert problem.message.startswith("unknown metadata key 'descripton'")


async def test_broken_link_with_a_fix_that_creates_the_file(workspace: Path) -> None:
    target = uri(workspace, "adr/0001-use-sqlite.md")
    text = (workspace / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    text = text.replace("Store the cache", "Follows [ADR 2](0002-cache-layout.md). Store the cache")
    line = text.split("\n").index(next(x for x in text.split("\n") if "0002-cache" in x))
    async with session(root=str(workspace)) as client:
        open_doc(client, target, text)
        [diag] = await diagnostics(client, target, version=1)
        assert (diag.code, diag.message) == (
            "broken-link",
            "Broken link: '0002-cache-layout.md' does not exist",
        )
        assert diag.range == rng((line, 16), (line, 36))
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                range=diag.range,
                context=types.CodeActionContext(diagnostics=[diag]),
            )
        )
        [act] = [a for a in acts if a.title.startswith("Create")]
        assert act.title == "Create 'adr/0002-cache-layout.md' from the adr template"
        create, fill = act.edit.document_changes
        new_uri = uri(workspace, "adr/0002-cache-layout.md")
        assert create.kind == "create" and create.uri == new_uri
        assert fill.edits[0].new_text.startswith("# ADR <<NUMBER>>: <<TITLE>>\n")
        # As the editor would apply it: create, then the link arrives.
        (workspace / "adr" / "0002-cache-layout.md").write_text(fill.edits[0].new_text, "utf-8")
        mark = len(client.published)
        open_doc(client, new_uri, fill.edits[0].new_text)
        assert await diagnostics(client, target, version=1, after=mark) == []


async def test_definition_follows_a_link_to_its_heading(workspace: Path) -> None:
    target = uri(workspace, "adr/0001-use-sqlite.md")
    text = (workspace / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    line = text.split("\n").index(next(x for x in text.split("\n") if "runbook" in x))
    col = text.split("\n")[line].index("../runbooks") + 3
    async with session(root=str(workspace)) as client:
        open_doc(client, target, text)
        got = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                position=types.Position(line=line, character=col),
            )
        )
    runbook = (workspace / "runbooks" / "payments.md").read_text("utf-8").split("\n")
    assert got == types.Location(
        uri=uri(workspace, "runbooks/payments.md"),
        range=rng((runbook.index("## Escalation"), 0), (runbook.index("## Escalation"), 0)),
    )


async def test_a_template_written_here_through_the_server(workspace: Path) -> None:
    target = uri(workspace, "rfcs/9.md")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, "")
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command="plan.scaffold",
                arguments=[{"uri": target, "template": "rfc", "fields": {"N": "9"}}],
            )
        )
        assert result["applied"] is True
        [edit] = client.applied[0].edit.document_changes[0].edits
        text = edit.new_text
        assert text.startswith("# RFC 9: <<Title>>\n\n**Stage:** Draft\n**Champion:** <<CHAMPION>>")
        # The document, written without its Motivation and with a bad Stage:
        text = text.replace("**Stage:** Draft", "**Stage:** ").replace(
            "## Motivation\n\nWhy.\n", ""
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        diags = await diagnostics(client, target, version=2)
        assert [(d.code, d.message) for d in diags if d.code != "unresolved-field"] == [
            (
                "unedited-document",
                "Nothing written yet: its one section with text from the template still holds "
                "it, unchanged",
            ),
            ("invalid-value", "Stage is empty: expected one of Draft, Review, Final"),
            ("missing-section", "Missing section '## Motivation' (after 'Summary')"),
            ("empty-section", "Section 'Summary' still holds the template's text, unchanged"),
        ]
        values = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                position=types.Position(line=2, character=11),
            )
        )
        assert [i.label for i in values.items] == ["Draft", "Review", "Final"]
        missing = next(d for d in diags if d.code == "missing-section")
        acts = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                range=missing.range,
                context=types.CodeActionContext(diagnostics=[missing]),
            )
        )
        fix = next(a for a in acts if a.title == "Insert section '## Motivation'")
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=target, version=3),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                    for e in fix.edit.document_changes[0].edits
                ],
            )
        )
        after = await diagnostics(client, target, version=3)
        assert "missing-section" not in [d.code for d in after]


async def test_a_linked_file_created_outside_the_editor_fixes_the_link(workspace: Path) -> None:
    target = uri(workspace, "adr/0001-use-sqlite.md")
    text = (workspace / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    text = text.replace("Store the cache", "See [notes](notes.md). Store the cache")
    async with session(root=str(workspace)) as client:
        open_doc(client, target, text)
        [diag] = await diagnostics(client, target, version=1)
        assert diag.code == "broken-link"
        (workspace / "adr" / "notes.md").write_text("# Notes\n", "utf-8")
        mark = len(client.published)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=uri(workspace, "adr/notes.md"), type=types.FileChangeType.Created
                    )
                ]
            )
        )
        assert await diagnostics(client, target, version=1, after=mark) == []


async def test_each_workspace_folder_has_its_own_templates(tmp_path: Path) -> None:
    """Multi-root: a document gets the templates of the workspace folder holding it (and its
    templates folder setting), not the first folder's; a folder added later brings its own."""
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    shutil.copytree(EXAMPLES, a)  # adr, kep, runbook
    (b / ".plan-templates").mkdir(parents=True)
    (b / ".plan-templates" / "rfc.md").write_text(RFC, "utf-8")
    (c / "templates").mkdir(parents=True)
    (c / "templates" / "rfc.md").write_text(RFC.replace("## Motivation", "## Rationale"), "utf-8")
    (c / ".plan-lsp.toml").write_text('templatesDir = "templates"\n', "utf-8")
    rfc = "# RFC 7: Faster builds\n\n**Stage:** Draft\n**Champion:** Ana\n\n## Summary\n\nCache.\n"
    adr = (a / "adr" / "0001-use-sqlite.md").read_text("utf-8")
    adr = adr.replace("## Consequences", "## Afterwards")
    (b / "rfcs").mkdir()
    (b / "rfcs" / "8-on-disk.md").write_text(rfc.replace("RFC 7", "RFC 8"), "utf-8")

    async def scaffolds(client: object, target: str) -> list[str]:
        open_doc(client, target, "")  # type: ignore[arg-type]
        got = await client.text_document_completion_async(  # type: ignore[attr-defined]
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=target),
                position=types.Position(line=0, character=0),
            )
        )
        return [i.label.split(":")[0] for i in got.items]

    async with session(root=str(a), folders=[str(b)]) as client:
        in_a, in_b = uri(a, "adr/0002-x.md"), uri(b, "rfcs/7-faster.md")
        open_doc(client, in_a, adr)
        got = await diagnostics(client, in_a, version=1)
        assert [d.message for d in got if d.code == "missing-section"] == [
            "Missing section '## Consequences' (after 'Alternatives Considered')"
        ]
        open_doc(client, in_b, rfc)
        got = await diagnostics(client, in_b, version=1)
        assert [(d.code, d.message) for d in got] == [
            ("missing-section", "Missing section '## Motivation' (after 'Summary')")
        ]
        assert await scaffolds(client, uri(a, "notes/new.md")) == ["adr", "kep", "runbook", "plan"]
        assert await scaffolds(client, uri(b, "notes/new.md")) == ["rfc", "plan"]
        # The workspace index checks each closed plan with its folder's templates too.
        on_disk = uri(b, "rfcs/8-on-disk.md")
        for _ in range(400):
            listed = plain(await plans_of(client))["plans"]
            if any(p["uri"] == on_disk for p in listed):
                break
            await asyncio.sleep(0.025)
        assert [(p["kind"], p["problems"]) for p in listed if p["uri"] == on_disk] == [("rfc", 1)]
        # The second folder's template, opened and broken in the editor: diagnosed on it, the
        # last good version still serves its documents.
        template = uri(b, ".plan-templates/rfc.md")
        open_doc(client, template, RFC.replace("{{N}}", "{{N"))
        [problem] = await diagnostics(client, template, version=1)
        assert problem.code == "invalid-template"
        # A third folder, added later, with its own templates folder (its configuration file).
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=c.as_uri(), name="c")], removed=[]
                )
            )
        )
        in_c = uri(c, "rfcs/7-faster.md")
        open_doc(client, in_c, rfc)
        got = await diagnostics(client, in_c, version=1)
        assert [(d.code, d.message) for d in got] == [
            ("missing-section", "Missing section '## Rationale' (after 'Summary')")
        ]
        mark = len(client.published)  # type: ignore[attr-defined]
        change_b = rfc + "\n## Motivation\n\nSlow.\n"
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=in_b, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=change_b)],
            )
        )
        assert await diagnostics(client, in_b, version=2, after=mark) == []
