"""Diagnostics as you type, over stdio against the real server process.

Tests taking ``client`` share one server for the module (each closes what it opened); the others
start their own, with other capabilities, settings or a workspace root.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_support import (
    capabilities,
    change,
    diagnostics,
    open_doc,
    rng,
    session,
    utf16,
)
from lsprotocol import types
from plan_lsp.core import engine, kinds
from pytest_lsp import LanguageClient
from support import complete_plan, remove_section

URI = "file:///work/plans/user-login-plan.md"
PLAN = complete_plan()

pytestmark = pytest.mark.asyncio(loop_scope="module")


def expected(text: str, path: str = "/work/plans/user-login-plan.md") -> list[tuple[object, ...]]:
    """What ``plan-lsp check`` finds, in the wire's terms (UTF-16 columns)."""
    lines = text.split("\n")
    out = []
    for f in engine.check(text, path, [kinds.builtin_plan()]).findings:
        a, b = f.span.start, f.span.end
        out.append(
            (
                (a.line, utf16(lines[a.line][: a.character])),
                (b.line, utf16(lines[b.line][: b.character])),
                f.code,
                f.message,
            )
        )
    return out


def seen(diags: list[types.Diagnostic]) -> list[tuple[object, ...]]:
    return [
        (
            (d.range.start.line, d.range.start.character),
            (d.range.end.line, d.range.end.character),
            d.code,
            d.message,
        )
        for d in diags
    ]


async def test_open_publishes_exact_diagnostics(client: LanguageClient) -> None:
    text = remove_section(PLAN, "Risks & Mitigations").replace(
        "**Author:** Zoë Müller", "**Author:** <<AUTHOR>>"
    )
    lines = text.split("\n")
    author = lines.index("**Author:** <<AUTHOR>>")
    dod = lines.index("## Definition of Done")
    open_doc(client, URI, text, version=7)
    diags = await diagnostics(client, URI, version=7)
    assert [(d.range, d.code, d.source, d.severity, d.message) for d in diags] == [
        (
            rng((author, 12), (author, 22)),
            "unresolved-field",
            "plan-lsp",
            types.DiagnosticSeverity.Hint,  # in a Draft plan
            "Unresolved field 'AUTHOR': Who writes and owns the plan",
        ),
        (
            rng((dod, 0), (dod, 21)),
            "missing-section",
            "plan-lsp",
            types.DiagnosticSeverity.Error,
            "Missing section '## Risks & Mitigations' (after 'Dependencies', "
            "before 'Definition of Done')",
        ),
    ]


async def test_utf16_ranges_with_emoji_and_cjk(client: LanguageClient) -> None:
    text = PLAN.replace("**Author:** Zoë Müller", "**Author:** 🔐登録 👩🏽‍💻 <<AUTHOR>> 🚀")
    line = text.split("\n").index("**Author:** 🔐登録 👩🏽‍💻 <<AUTHOR>> 🚀")
    open_doc(client, URI, text)
    [d] = await diagnostics(client, URI, version=1)
    start = utf16("**Author:** 🔐登録 👩🏽‍💻 ")
    assert d.range == rng((line, start), (line, start + 10))
    assert start == 12 + 2 + 2 + 1 + 7 + 1  # 🔐 and 👩🏽‍💻 count as surrogate pairs


async def test_utf8_negotiated_when_the_client_prefers_it() -> None:
    text = PLAN.replace("**Author:** Zoë Müller", "**Author:** 🔐 <<AUTHOR>>")
    line = text.split("\n").index("**Author:** 🔐 <<AUTHOR>>")
    caps = capabilities()
    caps.general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf8]
    )
    async with session(caps) as client:
        open_doc(client, URI, text)
        [d] = await diagnostics(client, URI, version=1)
    assert d.range == rng((line, 17), (line, 27))


async def test_incremental_changes_many_in_one_notification(client: LanguageClient) -> None:
    text = PLAN
    open_doc(client, URI, text)
    assert await diagnostics(client, URI, version=1) == []
    lines = text.split("\n")
    status = lines.index("**Status:** Draft")
    overview = lines.index("## Overview")
    # Three edits in one notification, each against the text the previous one left.
    change(
        client,
        URI,
        2,
        ((status, 12), (status, 17), "Done"),  # invalid value
        ((overview, 3), (overview, 11), "Overveiw"),  # near miss of a section
        ((0, utf16(lines[0])), (0, utf16(lines[0])), " <<X>>"),  # after an emoji
    )
    model = text.split("\n")
    model[status] = "**Status:** Done"
    model[overview] = "## Overveiw"
    model[0] = model[0] + " <<X>>"
    model_text = "\n".join(model)
    got = await diagnostics(client, URI, version=2)
    assert seen(got) == expected(model_text)
    assert {d.code for d in got} == {"invalid-value", "missing-section", "unresolved-field"}
    # A second notification, a multi-line replacement back to the original Overview.
    change(client, URI, 3, ((overview, 0), (overview + 1, 0), "## Overview\n"))
    model[overview] = "## Overview"
    got = await diagnostics(client, URI, version=3)
    assert seen(got) == expected("\n".join(model))
    assert [d.code for d in got] == ["unresolved-field", "invalid-value"]


async def test_ordinary_markdown_gets_no_plan_diagnostics(client: LanguageClient) -> None:
    uri = "file:///work/README.md"
    open_doc(client, uri, "# My project\n\n## Install\n\n<<TODO>>\n")
    assert await diagnostics(client, uri, version=1) == []


async def test_path_globs_make_a_plan_of_any_title(client: LanguageClient) -> None:
    uri = "file:///work/plans/q3/rollout.md"
    open_doc(client, uri, "# Rollout\n")
    diags = await diagnostics(client, uri, version=1)
    # Its first heading is its title: one title-mismatch, and every other check goes on.
    assert [d.message for d in diags if d.code == "title-mismatch"] == [
        "Title 'Rollout' does not follow the template's title "
        "'# Implementation Plan: <<FEATURE_NAME>>'"
    ]
    assert "Missing section '## Overview' (under 'Rollout')" in [d.message for d in diags]


async def test_close_clears_diagnostics(client: LanguageClient) -> None:
    open_doc(client, URI, "# Implementation Plan: X\n")
    assert await diagnostics(client, URI, version=1)
    mark = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert await diagnostics(client, URI, version=None, after=mark) == []


async def test_pull_diagnostics_for_clients_that_declare_it() -> None:
    caps = capabilities()
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=False)
    text = PLAN.replace("**Status:** Draft", "**Status:** Done")
    async with session(caps) as client:
        open_doc(client, URI, text)
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=URI))
        )
        assert [(d.code, d.message) for d in report.items] == [
            (
                "invalid-value",
                "Invalid Status 'Done': expected one of Draft, In Progress, Completed",
            )
        ]
        assert client.published == []  # pulled, not pushed


async def settled(client, uri: str, want, timeout: float = 10):  # type: ignore[no-untyped-def]
    """Wait until the latest diagnostics for ``uri`` satisfy ``want`` (settings arrive async)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (uri in client.diagnostics and want(client.diagnostics[uri])):
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.005)
    return client.diagnostics.get(uri)


@pytest.mark.parametrize("where", ["init", "configuration"])
async def test_settings_change_severity_and_optional_sections(where: str) -> None:
    settings = {"severity": {"invalid-value": "hint"}, "optionalSections": ["Notes"]}
    text = remove_section(PLAN, "Notes").replace("**Status:** Draft", "**Status:** Done")
    kwargs = (
        {"init_options": {"planLsp": settings}} if where == "init" else {"configuration": settings}
    )
    want = [("invalid-value", types.DiagnosticSeverity.Hint)]
    async with session(**kwargs) as client:  # type: ignore[arg-type]
        open_doc(client, URI, text)
        got = await settled(client, URI, lambda ds: [(d.code, d.severity) for d in ds] == want)
    assert [(d.code, d.severity) for d in got] == want


async def test_changing_settings_rechecks_open_plans() -> None:
    text = remove_section(PLAN, "Notes")
    async with session() as client:
        open_doc(client, URI, text)
        assert [d.code for d in await diagnostics(client, URI, version=1)] == ["missing-section"]
        mark = len(client.published)
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"planLsp": {"optionalSections": ["Notes"]}}
            )
        )
        assert await diagnostics(client, URI, version=1, after=mark) == []


async def test_pulled_diagnostics_are_refreshed_when_a_link_target_comes_or_goes(
    tmp_path: Path,
) -> None:
    caps = capabilities(
        text_document__diagnostic=types.DiagnosticClientCapabilities(),
        workspace__diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True),
    )
    uri = (tmp_path / "x-plan.md").as_uri()
    notes = tmp_path / "notes.md"
    doc = types.TextDocumentIdentifier(uri=uri)

    async def pulled() -> list[str | int | None]:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=doc)
        )
        return [d.code for d in report.items]

    async def refreshed(count: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while client.diagnostic_refresh_count < count and loop.time() < deadline:
            await asyncio.sleep(0.005)
        assert client.diagnostic_refresh_count == count

    async with session(caps, root=str(tmp_path)) as client:
        result = client.init_result.capabilities.diagnostic_provider  # type: ignore[attr-defined]
        assert result is not None and result.inter_file_dependencies is True
        open_doc(client, uri, PLAN + "\nSee [notes](notes.md).\n")
        assert await pulled() == ["broken-link"]
        before = client.diagnostic_refresh_count
        notes.write_text("# Notes\n", "utf-8")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=notes.as_uri(), type=types.FileChangeType.Created)]
            )
        )
        await refreshed(before + 1)
        assert await pulled() == []
        notes.unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=notes.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        await refreshed(before + 2)
        assert await pulled() == ["broken-link"]
        # A file no document links to: no refresh.
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=(tmp_path / "other.md").as_uri(), type=types.FileChangeType.Created
                    )
                ]
            )
        )
        await asyncio.sleep(0.3)
        assert client.diagnostic_refresh_count == before + 2


async def test_a_pulling_client_is_not_asked_to_refresh_for_the_document_it_edits(
    tmp_path: Path,
) -> None:
    """The client pulls the document it opened or edited by itself: no
    ``workspace/diagnostic/refresh`` for it (that would re-pull every open document on every
    keystroke); a document linking to the one opened is another matter."""
    caps = capabilities(
        text_document__diagnostic=types.DiagnosticClientCapabilities(),
        workspace__diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True),
    )
    uri = (tmp_path / "x-plan.md").as_uri()
    notes = (tmp_path / "notes.md").as_uri()
    doc = types.TextDocumentIdentifier(uri=uri)

    async def pulled() -> list[str | int | None]:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=doc)
        )
        return [d.code for d in report.items]

    async with session(caps, root=str(tmp_path)) as client:
        open_doc(client, uri, PLAN + "\nSee [notes](notes.md).\n")
        assert await pulled() == ["broken-link"]
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text=PLAN + "\nSee the [notes](notes.md).\n"
                    )
                ],
            )
        )
        assert await pulled() == ["broken-link"]
        await asyncio.sleep(0.3)
        assert client.diagnostic_refresh_count == 0
        open_doc(client, notes, "# Notes\n")  # x-plan.md's link target: x-plan.md is stale
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while client.diagnostic_refresh_count < 1 and loop.time() < deadline:
            await asyncio.sleep(0.005)
        assert client.diagnostic_refresh_count == 1
        assert await pulled() == []


async def test_the_file_watchers_are_registered_with_the_client(tmp_path: Path) -> None:
    async with session(root=str(tmp_path)) as client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not client.registrations and loop.time() < deadline:  # type: ignore[attr-defined]
            await asyncio.sleep(0.005)
        [reg] = client.registrations  # type: ignore[attr-defined]
        assert (reg.id, reg.method) == ("plan-lsp-templates", "workspace/didChangeWatchedFiles")
        options = reg.register_options
        watchers = options["watchers"] if isinstance(options, dict) else options.watchers
        globs = [w["globPattern"] if isinstance(w, dict) else w.glob_pattern for w in watchers]
        assert globs == [
            "**/.plan-templates/*",
            "**/*.md",
            "**/.plan-lsp.toml",  # configuration files (tests/test_lsp_config.py)
            "**/pyproject.toml",
        ]
