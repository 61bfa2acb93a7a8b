"""The server reads the repository's configuration file (``.plan-lsp.toml`` or
``[tool.plan-lsp]`` in ``pyproject.toml``) for each workspace folder, merges the editor's
settings over it, re-checks open documents when it changes, and reports an invalid one on the
file itself (``invalid-config``), defaults applying."""

from __future__ import annotations

from pathlib import Path

from lsp_support import capabilities, diagnostics, open_doc, session
from lsprotocol import types
from support import complete_plan

DEMOTED = complete_plan().replace("\n## Notes\n", "\n### Notes\n")  # one heading-level warning


def _notify(client: object, path: Path, how: types.FileChangeType) -> None:
    client.workspace_did_change_watched_files(  # type: ignore[attr-defined]
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=how)])
    )


def _levels(diags: list[types.Diagnostic]) -> list[tuple[object, types.DiagnosticSeverity | None]]:
    return [(d.code, d.severity) for d in diags]


async def test_the_file_applies_and_a_change_rechecks(tmp_path: Path) -> None:
    config = tmp_path / ".plan-lsp.toml"
    config.write_text('severity = { heading-level = "error" }\n', "utf-8")
    doc = (tmp_path / "a-plan.md").as_uri()
    async with session(root=str(tmp_path)) as client:
        open_doc(client, doc, DEMOTED)
        got = await diagnostics(client, doc, version=1)
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Error)]
        mark = len(client.published)  # type: ignore[attr-defined]
        config.write_text('severity = { heading-level = "off" }\n', "utf-8")
        _notify(client, config, types.FileChangeType.Changed)
        assert await diagnostics(client, doc, version=1, after=mark) == []
        mark = len(client.published)  # type: ignore[attr-defined]
        config.unlink()
        _notify(client, config, types.FileChangeType.Deleted)
        got = await diagnostics(client, doc, version=1, after=mark)
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Warning)]


async def test_editor_settings_win_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.plan-lsp]\nseverity = { heading-level = "error", numbering = "error" }\n'
        'optionalSections = ["Notes"]\n',
        "utf-8",
    )
    doc = (tmp_path / "a-plan.md").as_uri()
    text = DEMOTED.replace("### Phase 2:", "### Phase 5:")
    # The editor sets heading-level (its severity map merges over the file's, code by code) and
    # leaves optionalSections at its default (which does not override the file).
    editor = {"severity": {"heading-level": "hint"}, "optionalSections": [], "maxDiagnostics": 500}
    async with session(root=str(tmp_path), init_options=editor) as client:
        open_doc(client, doc, text)
        got = await diagnostics(client, doc, version=1)
        assert sorted(_levels(got), key=str) == [
            ("heading-level", types.DiagnosticSeverity.Hint),
            ("numbering", types.DiagnosticSeverity.Error),
        ]


async def test_an_invalid_file_is_a_diagnostic_on_it_and_defaults_apply(tmp_path: Path) -> None:
    config = tmp_path / ".plan-lsp.toml"
    config.write_text('severity = { heading-level = "error" }\nmaxDiagnostics = "many"\n')
    doc = (tmp_path / "a-plan.md").as_uri()
    async with session(root=str(tmp_path)) as client:
        open_doc(client, doc, DEMOTED)
        got = await diagnostics(client, doc, version=1)
        # The valid setting applies; the invalid one keeps its default.
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Error)]
        [problem] = await diagnostics(client, config.as_uri())
        assert (problem.code, problem.severity, problem.range.start.line) == (
            "invalid-config",
            types.DiagnosticSeverity.Error,
            1,
        )
        assert problem.message == "'maxDiagnostics' must be a whole number ≥ 0 (defaults apply)"
        mark = len(client.published)  # type: ignore[attr-defined]
        config.write_text("severity = [\n")  # not TOML at all: defaults everywhere
        _notify(client, config, types.FileChangeType.Changed)
        got = await diagnostics(client, doc, version=1, after=mark)
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Warning)]
        [problem] = await diagnostics(client, config.as_uri(), after=mark)
        assert problem.message.startswith("invalid TOML")
        mark = len(client.published)  # type: ignore[attr-defined]
        config.write_text("")  # fixed: the diagnostic on the file is cleared
        _notify(client, config, types.FileChangeType.Changed)
        assert await diagnostics(client, config.as_uri(), after=mark) == []


async def test_each_workspace_folder_has_its_own_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (b / ".plan-lsp.toml").write_text('severity = { heading-level = "error" }\n')
    async with session(root=str(a)) as client:
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(uri=b.as_uri(), name="b")], removed=[]
                )
            )
        )
        for folder, level in (
            (a, types.DiagnosticSeverity.Warning),
            (b, types.DiagnosticSeverity.Error),
        ):
            doc = (folder / "x-plan.md").as_uri()
            open_doc(client, doc, DEMOTED)
            got = await diagnostics(client, doc, version=1)
            assert _levels(got) == [("heading-level", level)], folder


async def _indexed(client: object) -> list[str]:
    """The log messages once the server has indexed the workspace (after its settings pull)."""
    import asyncio

    for _ in range(400):
        got = [m.message for m in client.log_messages]  # type: ignore[attr-defined]
        if any("plan-lsp: indexed" in m for m in got):
            return got
        await asyncio.sleep(0.025)
    raise AssertionError("the server never said it indexed the workspace")


async def test_pulled_settings_equal_to_the_initialization_options_change_nothing(
    tmp_path: Path,
) -> None:
    """VS Code answers the settings pull with what it sent in ``initialize``: no reload, no
    ``workspace/diagnostic/refresh`` (the client would pull the first diagnostics again)."""
    editor = {"severity": {"heading-level": "hint"}, "maxDiagnostics": 500}
    doc = (tmp_path / "a-plan.md").as_uri()
    caps = capabilities(
        text_document__diagnostic=types.DiagnosticClientCapabilities(),
        workspace__diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True),
    )
    async with session(
        caps, root=str(tmp_path), init_options=editor, configuration=editor
    ) as client:
        open_doc(client, doc, DEMOTED)
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=doc))
        )
        assert [(d.code, d.severity) for d in report.items] == [  # type: ignore[union-attr]
            ("heading-level", types.DiagnosticSeverity.Hint)
        ]
        logs = await _indexed(client)
        assert sum(m.startswith("plan-lsp settings:") for m in logs) == 1
        assert client.diagnostic_refresh_count == 0
    # Other settings pulled: applied, and the client asked to pull again.
    async with session(
        caps, root=str(tmp_path), init_options=editor, configuration={"maxDiagnostics": 1}
    ) as client:
        logs = await _indexed(client)
        assert sum(m.startswith("plan-lsp settings:") for m in logs) == 2
        assert client.diagnostic_refresh_count == 1


async def test_unchanged_settings_sent_again_change_nothing(tmp_path: Path) -> None:
    """An editor sends ``workspace/didChangeConfiguration`` after a change of any setting (any
    extension's): settings equal to those in force, sent or pulled, start no index build, no
    re-check, no reload; changed ones still do all of that."""
    import asyncio

    editor = {"severity": {"heading-level": "hint"}, "maxDiagnostics": 500}
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "b-plan.md").write_text(DEMOTED, "utf-8")
    doc = (tmp_path / "a-plan.md").as_uri()
    caps = capabilities()
    caps.window = types.WindowClientCapabilities(work_done_progress=True)
    async with session(
        caps, root=str(tmp_path), init_options=editor, configuration=editor
    ) as client:
        open_doc(client, doc, DEMOTED)
        got = await diagnostics(client, doc, version=1)
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Hint)]
        await _indexed(client)

        def state() -> tuple[int, int, int, int]:
            logs = [m.message for m in client.log_messages]
            return (
                len(client.progress_reports),  # window/workDoneProgress/create
                sum("plan-lsp: indexed" in m for m in logs),
                sum(m.startswith("plan-lsp settings:") for m in logs),
                len(client.published),  # type: ignore[attr-defined]
            )

        before = state()
        assert before[:3] == (1, 1, 1)
        # The same settings, sent: in full, with a default set explicitly, with the extension's
        # own settings beside them; then announced without settings (pulled again).
        for sent in (
            editor,
            {**editor, "optionalSections": [], "diagnosticsScope": "openFiles"},
            {**editor, "trace": {"server": "verbose"}},
        ):
            client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings={"planLsp": sent})
            )
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        # A request answered after the notifications were handled, then longer than the
        # index's rebuild delay and a re-check: nothing happened meanwhile.
        await client.protocol.send_request_async("planLsp/text", {"textDocument": {"uri": "x:"}})
        await asyncio.sleep(1.5)
        assert state() == before
        # Other settings: re-checked, indexed again.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"planLsp": {**editor, "severity": {"heading-level": "error"}}}
            )
        )
        got = await diagnostics(client, doc, version=1, after=before[3])
        assert _levels(got) == [("heading-level", types.DiagnosticSeverity.Error)]
        for _ in range(400):
            if state()[1] == 2:
                break
            await asyncio.sleep(0.025)
        assert state()[:3] == (2, 2, 2)
