"""The whole workspace through the real server: background index with work-done progress,
planLsp/plans, workspace/symbol, workspace/diagnostic, live file events, diagnostics scope."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_support import capabilities, change, diagnostics, open_doc, session
from lsprotocol import types
from support import complete_plan

PLAN = complete_plan()
EXAMPLES = Path(__file__).parent.parent / "examples" / "templates"


def plan(status: str, ticked: int) -> str:
    text = PLAN.replace("**Status:** Draft", f"**Status:** {status}", 1)
    return text.replace("- [ ] ", "- [x] ", ticked)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(EXAMPLES, root)  # an ADR, a KEP and a runbook with their templates
    (root / "plans").mkdir()
    (root / "plans" / "login-plan.md").write_text(plan("In Progress", 7), "utf-8")
    (root / "plans" / "search-plan.md").write_text(plan("Completed", 3), "utf-8")
    (root / "README.md").write_text("# Not a plan\n", "utf-8")
    return root


def caps(**extra: Any) -> types.ClientCapabilities:
    c = capabilities(**extra)
    c.window = types.WindowClientCapabilities(work_done_progress=True)
    return c


async def indexed(client: Any, timeout: float = 30) -> list[Any]:
    """Wait for the index's work-done progress to end; its reports."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for reports in client.progress_reports.values():
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                return list(reports)
        if loop.time() > deadline:
            raise TimeoutError(f"no end of progress: {client.progress_reports}")
        await asyncio.sleep(0.01)


def plain(value: Any) -> Any:
    """pygls' answer to a custom request (named tuples) as plain JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def plans_of(client: Any) -> dict[str, Any]:
    return plain(await client.protocol.send_request_async("planLsp/plans", {}))  # type: ignore[no-any-return]


def rows(answer: dict[str, Any], root: Path) -> list[tuple[Any, ...]]:
    return [
        (
            p["uri"].removeprefix(root.as_uri() + "/"),
            p["kind"],
            p["status"],
            p["tasksDone"],
            p["tasksTotal"],
            p["problems"],
        )
        for p in answer["plans"]
    ]


async def test_index_in_the_background_with_progress_then_plans_and_symbols(ws: Path) -> None:
    async with session(caps(), root=str(ws)) as client:
        reports = await indexed(client)
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert reports[0].title == "Indexing plans"
        assert reports[-1].message == "5 plans"
        answer = await plans_of(client)
        assert answer["indexing"] is False
        # Every kind's Status values, in template order: team templates, then the plan.
        assert answer["statuses"] == [
            *("Proposed", "Accepted", "Rejected", "Deprecated", "Superseded"),
            *("provisional", "implementable", "implemented", "withdrawn"),
            *("Draft", "In Progress", "Completed"),
        ]
        assert rows(answer, ws) == [
            ("adr/0001-use-sqlite.md", "adr", "Accepted", 0, 0, 0),
            ("keps/1234-faster-builds.md", "kep", "implementable", 1, 3, 0),
            ("plans/login-plan.md", "plan", "In Progress", 7, 28, 0),
            ("plans/search-plan.md", "plan", "Completed", 3, 28, 1),
            ("runbooks/payments.md", "runbook", None, 0, 0, 0),
        ]
        search = answer["plans"][3]
        assert search["mismatch"] == "Status is Completed but 25 of 28 tasks are open"
        assert search["title"] == "Implementation Plan: User Login 🔐"

        # An open document counts with the editor's text.
        uri = (ws / "plans" / "login-plan.md").as_uri()
        text = plan("In Progress", 7)
        open_doc(client, uri, text)
        await diagnostics(client, uri, version=1)
        line = text.split("\n").index("**Status:** In Progress")
        change(client, uri, 2, ((line, 12), (line, 23), "Draft"))
        await diagnostics(client, uri, version=2)
        answer = await plans_of(client)
        assert rows(answer, ws)[2] == ("plans/login-plan.md", "plan", "Draft", 7, 28, 0)

        # workspace/symbol: plans, phases and steps across plans.
        found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="step 1.1"))
        assert found is not None
        assert [
            (s.name.split(":")[0], s.location.uri.removeprefix(ws.as_uri() + "/"), s.kind)
            for s in found
        ] == [
            ("Step 1.1", "plans/login-plan.md", types.SymbolKind.Function),
            ("Step 1.1", "plans/search-plan.md", types.SymbolKind.Function),
        ]
        assert found[0].container_name == "Implementation Plan: User Login 🔐"
        step = text.split("\n").index(next(ln for ln in text.split("\n") if "Step 1.1" in ln))
        assert found[0].location.range.start.line == step
        adr = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="ADR sqlite"))
        assert [(s.name, s.kind) for s in adr or []] == [
            ("ADR 1: Use SQLite for the local cache", types.SymbolKind.File)
        ]


async def test_the_next_start_reads_unchanged_plans_from_what_the_last_kept(
    ws: Path, tmp_path: Path
) -> None:
    """The index's entries are kept in the cache folder: a second server on the same workspace
    answers the same, having checked only the plan that changed in between."""
    env = {"PLAN_LSP_CACHE_DIR": str(tmp_path / "cache")}

    async def start() -> tuple[dict[str, Any], list[str]]:
        async with session(caps(), root=str(ws), env=env) as client:
            await indexed(client)
            answer = await plans_of(client)
            logs = [m.message for m in client.log_messages if "indexed" in m.message]
            return answer, logs

    first, logs = await start()
    assert logs == [logs[0]] and "unchanged since the last start" in logs[0]
    assert "(0 unchanged" in logs[0]
    second, logs = await start()
    assert second == first
    assert "(6 unchanged" in logs[0]  # the 5 plans and the README, which no kind claims
    (ws / "plans" / "login-plan.md").write_text(plan("Completed", 28), "utf-8")
    third, logs = await start()
    assert "(5 unchanged" in logs[0]
    assert rows(third, ws)[2] == ("plans/login-plan.md", "plan", "Completed", 28, 28, 0)


async def test_file_events_keep_the_index_live(ws: Path) -> None:
    async with session(caps(), root=str(ws)) as client:
        changed: list[Any] = []
        client.feature("planLsp/plansChanged")(lambda params: changed.append(params))
        await indexed(client)
        new = ws / "plans" / "export-plan.md"
        new.write_text(plan("Completed", 28), "utf-8")
        before = len(changed)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=new.as_uri(), type=types.FileChangeType.Created)]
            )
        )
        for _ in range(500):
            if len(changed) > before:
                break
            await asyncio.sleep(0.01)
        assert len(changed) > before
        answer = await plans_of(client)
        assert ("plans/export-plan.md", "plan", "Completed", 28, 28, 0) in rows(answer, ws)
        new.unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=new.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        answer = await plans_of(client)
        assert [r[0] for r in rows(answer, ws)].count("plans/export-plan.md") == 0
        # A template changed in the templates folder is a template, not a plan to list.
        template = ws / ".plan-templates" / "adr.md"
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=template.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        answer = await plans_of(client)
        assert all(".plan-templates" not in r[0] for r in rows(answer, ws))
        # An open plan whose tasks move: the client is told too (once the typing pauses).
        uri = (ws / "plans" / "login-plan.md").as_uri()
        text = plan("In Progress", 7)
        open_doc(client, uri, text)
        await diagnostics(client, uri, version=1)
        await asyncio.sleep(0.5)
        before = len(changed)
        task = text.split("\n").index(next(ln for ln in text.split("\n") if ln.startswith("- [ ]")))
        change(client, uri, 2, ((task, 3), (task, 4), "x"))
        for _ in range(500):
            if len(changed) > before:
                break
            await asyncio.sleep(0.01)
        assert len(changed) > before
        answer = await plans_of(client)
        assert ("plans/login-plan.md", "plan", "In Progress", 8, 28, 0) in rows(answer, ws)
        before = len(changed)
        change(client, uri, 3, ((0, 0), (0, 0), ""))  # nothing moved: no notification
        await diagnostics(client, uri, version=3)
        await asyncio.sleep(0.6)
        assert len(changed) == before


async def test_diagnostics_scope_workspace_pushes_problems_of_closed_plans(ws: Path) -> None:
    search = (ws / "plans" / "search-plan.md").as_uri()
    async with session(caps(), root=str(ws)) as client:
        await indexed(client)
        await asyncio.sleep(0.3)
        assert search not in {p.uri for p in client.published}  # type: ignore[attr-defined]
        # The setting changed while running: the index is built again and the problems come.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"planLsp": {"diagnosticsScope": "workspace"}}
            )
        )
        got = await diagnostics(client, search)
        assert [d.code for d in got] == ["status-mismatch"]
        after = len(client.published)  # type: ignore[attr-defined]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"planLsp": {}})
        )
        assert await diagnostics(client, search, after=after) == []  # cleared
    options = {"planLsp": {"diagnosticsScope": "workspace"}}
    async with session(caps(), init_options=options, root=str(ws)) as client:
        got = await diagnostics(client, search)
        assert [(d.code, d.message) for d in got] == [
            ("status-mismatch", "Status is Completed but 25 of 28 tasks are open")
        ]
        line = plan("Completed", 3).split("\n").index("**Status:** Completed")
        assert (got[0].range.start.line, got[0].range.start.character) == (line, 12)


async def test_workspace_diagnostic_pull(ws: Path) -> None:
    pull = caps()
    pull.text_document.diagnostic = types.DiagnosticClientCapabilities()  # type: ignore[union-attr]
    options = {"planLsp": {"diagnosticsScope": "workspace"}}
    async with session(pull, init_options=options, root=str(ws)) as client:
        await indexed(client)
        report = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        full = {i.uri.removeprefix(ws.as_uri() + "/"): i for i in report.items}
        assert sorted(full) == [
            "adr/0001-use-sqlite.md",
            "keps/1234-faster-builds.md",
            "plans/login-plan.md",
            "plans/search-plan.md",
            "runbooks/payments.md",
        ]
        assert [d.code for d in full["plans/search-plan.md"].items] == ["status-mismatch"]  # type: ignore[union-attr]
        again = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(
                previous_result_ids=[
                    types.PreviousResultId(uri=i.uri, value=i.result_id or "") for i in report.items
                ]
            )
        )
        assert {i.kind for i in again.items} == {"unchanged"}
        # The scope narrowed: what was shown is taken back once, then nothing is reported.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"planLsp": {"diagnosticsScope": "openFiles"}}
            )
        )
        await asyncio.sleep(0.2)
        back = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        assert sorted((i.kind, len(i.items)) for i in back.items) == [("full", 0)] * 5  # type: ignore[union-attr]
        after = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        assert list(after.items) == []
    async with session(pull, root=str(ws)) as client:  # openFiles: nothing for closed plans
        await indexed(client)
        report = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        assert list(report.items) == []
