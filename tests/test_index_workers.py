"""The workspace index's first build in forked worker processes (``workspace/workers.py``),
through the real server: the same answers as the build in the loop (``PLAN_LSP_INDEX_WORKERS=0``),
kept entries written for the next start, a file event newer than a worker's result winning, a
worker killed mid-build, and no worker process left behind (looked up in ``/proc``)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_support import change, diagnostics, open_doc, session
from lsprotocol import types
from plan_lsp.workspace import workers as workers_module
from support import complete_plan, remove_section
from test_lsp_workspace_index import caps, indexed, plans_of, rows

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not os.path.isdir("/proc/self/task"),
    reason="worker processes are forked, and found in /proc",
)

PLAN = complete_plan()
EXAMPLES = Path(__file__).parent.parent / "examples" / "templates"


def variant(i: int) -> str:
    """Plans that differ: Status, ticked tasks, a missing section, a link to another plan."""
    text = PLAN.replace("User Login", f"User Login {i}", 1)
    status = ("Draft", "In Progress", "Completed")[i % 3]
    text = text.replace("**Status:** Draft", f"**Status:** {status}", 1)
    text = text.replace("- [ ] ", "- [x] ", i % 9)
    if i % 4 == 1:
        text = remove_section(text, "Testing Strategy")
    if i % 5 == 2:
        text += f"\nSee [the first plan](p{(i + 1) % 7:03}-plan.md#phase-1-foundation).\n"
    if i % 11 == 3:
        text += "\nSee [usage](../notes.md#usage).\n"
    return text


def workspace(root: Path, count: int) -> Path:
    shutil.copytree(EXAMPLES, root)  # an ADR, a KEP and a runbook with their templates
    (root / "plans").mkdir()
    for i in range(count):
        (root / "plans" / f"p{i:03}-plan.md").write_text(variant(i), "utf-8")
    (root / "notes.md").write_text("# Notes\n\n## Usage\n\nRun it.\n", "utf-8")
    return root


def env(tmp_path: Path, name: str, workers: int | None = 2) -> dict[str, str]:
    out = {"PLAN_LSP_CACHE_DIR": str(tmp_path / f"cache-{name}")}
    if workers is not None:
        out["PLAN_LSP_INDEX_WORKERS"] = str(workers)
    return out


def server_pid(client: Any) -> int:
    return int(client._server.pid)


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (every thread's children)."""
    out: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out |= {int(x) for x in fh.read().split()}
        except OSError:
            pass
    return out


def alive(pid: int) -> bool:
    """Whether ``pid`` is a process (a zombie counts: nobody reaped it)."""
    return os.path.exists(f"/proc/{pid}")


async def workers_of(client: Any, timeout: float = 30) -> set[int]:
    """The server's worker processes, as soon as there are any."""
    pid = server_pid(client)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        got = children(pid)
        if got:
            return got
        await asyncio.sleep(0.002)
    raise AssertionError("no worker process was forked")


def log_of(client: Any) -> str:
    got = [m.message for m in client.log_messages if "plan-lsp: indexed" in m.message]
    assert len(got) == 1, got
    return got[0]


def pull_caps() -> types.ClientCapabilities:
    c = caps()
    c.text_document.diagnostic = types.DiagnosticClientCapabilities()  # type: ignore[union-attr]
    return c


async def answers(client: Any, root: Path) -> dict[str, Any]:
    """Everything the index answers with: plans, symbols, workspace diagnostics."""
    symbols = []
    for query in ("", "step 1", "ADR"):
        found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))
        symbols.append(
            [(s.name, s.kind, s.location.uri, s.location.range, s.container_name) for s in found]
        )
    report = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    problems = sorted(
        (i.uri.removeprefix(root.as_uri()), [(d.code, d.message, d.range) for d in i.items])
        for i in report.items
    )
    return {"plans": await plans_of(client), "symbols": symbols, "problems": problems}


WORKSPACE_SCOPE = {"planLsp": {"diagnosticsScope": "workspace"}}


async def test_the_forked_build_answers_exactly_as_the_build_in_the_loop(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", 90)
    got = {}
    for name, workers in (("loop", 0), ("forked", 2)):
        async with session(
            pull_caps(), WORKSPACE_SCOPE, root=str(root), env=env(tmp_path, name, workers)
        ) as client:
            await indexed(client)
            assert children(server_pid(client)) == set()  # none left once the build ended
            got[name] = await answers(client, root)
            log = log_of(client)
            if workers:
                assert "94 checked by 2 worker processes" in log, log
            else:
                assert "worker" not in log, log
    assert len(got["loop"]["plans"]["plans"]) == 93  # 90 plans, an ADR, a KEP, a runbook
    assert sum(1 for _, items in got["loop"]["problems"] if items) > 40
    assert got["forked"] == got["loop"]


async def test_the_next_start_reads_what_a_forked_build_kept(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", 60)
    cache = env(tmp_path, "kept")

    async def start() -> tuple[dict[str, Any], str]:
        async with session(caps(), root=str(root), env=cache) as client:
            await indexed(client)
            return await plans_of(client), log_of(client)

    first, log = await start()
    assert "(0 unchanged" in log and "64 checked by 2 worker processes" in log, log
    second, log = await start()
    assert "(64 unchanged" in log and "worker" not in log, log  # 63 plans, notes.md
    assert second == first
    # The link target of p003, p014, ... changes: they are checked again (what they depend
    # on was kept too), and now link to a heading that is gone.
    (root / "notes.md").write_text("# Notes\n\nNothing here.\n", "utf-8")
    third, log = await start()
    linking = [i for i in range(60) if i % 11 == 3]
    assert f"({64 - 1 - len(linking)} unchanged" in log, log
    problems = {p["uri"].rsplit("/", 1)[1]: p["problems"] for p in third["plans"]}
    before = {p["uri"].rsplit("/", 1)[1]: p["problems"] for p in first["plans"]}
    for i in linking:
        assert problems[f"p{i:03}-plan.md"] == before[f"p{i:03}-plan.md"] + 1


async def hold(client: Any, root: Path) -> str:
    """Open a plan and keep typing in it (:func:`type_on`): the index merges nothing from its
    workers while the editor is busy (they check on, then wait on their full pipes)."""
    uri = (root / "typing-plan.md").as_uri()
    open_doc(client, uri, PLAN)
    await diagnostics(client, uri, version=1)
    return uri


def type_on(client: Any, uri: str, version: int) -> None:
    change(client, uri, version, ((0, 0), (0, 0), ""))


async def ended(client: Any, builds: int, timeout: float = 60) -> None:
    """Wait until ``builds`` builds of the index have ended their work-done progress."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        done = [
            r
            for r in client.progress_reports.values()
            if r and isinstance(r[-1], types.WorkDoneProgressEnd)  # a new one may have none
        ]
        if len(done) >= builds:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {builds} builds ended: {client.progress_reports}")


async def test_a_file_event_during_the_build_wins_over_a_workers_older_result(
    tmp_path: Path,
) -> None:
    root = workspace(tmp_path / "ws", 300)
    target = root / "plans" / "p010-plan.md"  # among the first files a worker checks
    async with session(caps(), root=str(root), env=env(tmp_path, "event")) as client:
        await workers_of(client)
        await hold(client, root)  # p010's result, read before the change, is merged after it
        await asyncio.sleep(0.1)
        target.write_text(variant(10).replace("**Status:** In Progress", "**Status:** Completed"))
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=target.as_uri(), type=types.FileChangeType.Changed)]
            )
        )
        await indexed(client)
        got = {r[0]: r for r in rows(await plans_of(client), root)}
    assert got["plans/p010-plan.md"][2:4] == ("Completed", 1)
    assert len(got) == 304  # 300 plans, an ADR, a KEP, a runbook, the open one


async def test_a_killed_worker_leaves_its_files_to_the_server(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", 300)
    async with session(caps(), root=str(root), env=env(tmp_path, "loop", 0)) as client:
        await indexed(client)
        expected = await plans_of(client)
    async with session(caps(), root=str(root), env=env(tmp_path, "killed")) as client:
        victim = min(await workers_of(client))  # just forked: at its first files
        os.kill(victim, signal.SIGKILL)
        await indexed(client)
        assert await plans_of(client) == expected
        assert "of them by the server (a worker stopped)" in log_of(client)
        assert not alive(victim)  # reaped
        assert children(server_pid(client)) == set()


async def test_no_worker_outlives_a_cancelled_build_or_shutdown(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", 300)
    async with session(caps(), root=str(root), env=env(tmp_path, "cancel")) as client:
        pids = await workers_of(client)
        uri = await hold(client, root)
        # The settings change: the build under way is cancelled (its workers were waiting on
        # their full pipes), then built again once the typing stops.
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"planLsp": {"maxDiagnostics": 50}})
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        version = 1
        while any(alive(p) for p in pids):
            assert loop.time() < deadline, "the cancelled build's workers are still there"
            version += 1
            type_on(client, uri, version)
            await asyncio.sleep(0.1)
        await ended(client, 2)
        assert len((await plans_of(client))["plans"]) == 304
        assert children(server_pid(client)) == set()

    async with session(caps(), root=str(root), env=env(tmp_path, "exit")) as client:
        pids = await workers_of(client)
        await hold(client, root)
        server = client._server
    assert server.returncode == 0  # shut down, then exit
    assert [p for p in pids if alive(p)] == []


def state(pid: int) -> str | None:
    """A process's state letter (``Z``: a zombie), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def test_workers_leave_when_the_server_dies(tmp_path: Path) -> None:
    """Killed outright, the server ends nothing: its workers see their pipe closed at their
    next write (EPIPE) and leave, blocked on a full pipe or not."""
    import time

    from raw_client import RawServer

    root = workspace(tmp_path / "ws", 300)
    with RawServer(env=env(tmp_path, "killed-server")) as server:
        uri = root.as_uri()
        server.initialize(rootUri=uri, workspaceFolders=[{"uri": uri, "name": "ws"}])
        deadline = time.monotonic() + 30
        while not (pids := children(server.proc.pid)):
            assert time.monotonic() < deadline, "no worker process was forked"
            time.sleep(0.002)
        # The editor is busy: the server merges nothing, the workers fill their pipes.
        typing = (root / "typing-plan.md").as_uri()
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": typing, "languageId": "markdown", "version": 1, "text": PLAN}},
        )
        server.proc.kill()
        server.proc.wait()
        deadline = time.monotonic() + 30
        while [p for p in pids if state(p) not in (None, "Z")]:
            assert time.monotonic() < deadline, [(p, state(p)) for p in pids]
            time.sleep(0.01)


class Opaque:
    """Not plain data: a worker sending it sends garbage as far as the server is concerned."""


def pool_results(
    paths: list[str], compute: Any, workers: int = 2
) -> tuple[dict[str, Any], set[int]]:
    """What a real :class:`workers.Pool` gives for ``paths``, and the workers it forked."""

    async def run() -> tuple[dict[str, Any], set[int]]:
        pool = workers_module.Pool(paths, compute, workers)
        pids = set(pool.pids())
        out: dict[str, Any] = {}
        try:
            while (batch := await pool.next()) is not None:
                for path, got in batch:
                    assert path not in out
                    out[path] = got
        finally:
            pool.close()
        return out, pids

    return asyncio.run(run())


def test_a_pool_gives_each_files_result_once_and_leaves_no_worker() -> None:
    paths = [f"/plans/p{i:03}-plan.md" for i in range(100)]
    got, pids = pool_results(paths, lambda path: (path.upper(), len(path), None))
    assert got == {p: (p.upper(), len(p), None) for p in paths}
    assert len(pids) == 2
    assert [p for p in pids if alive(p)] == []


def test_what_a_worker_could_not_check_or_sent_garbled_is_left_to_the_server() -> None:
    paths = [f"/plans/p{i:03}-plan.md" for i in range(60)]

    def failing(path: str) -> str:
        if path.endswith(("7-plan.md", "3-plan.md")):
            raise ValueError("a bug in a check")
        return path

    got, _ = pool_results(paths, failing)
    lost = {p for p, v in got.items() if v is workers_module.LOST}
    assert lost == {p for p in paths if p.endswith(("7-plan.md", "3-plan.md"))}
    assert all(got[p] == p for p in paths if p not in lost)

    # A worker sending what is not plain data is stopped at that batch: whatever it did not
    # send before is the server's to check; the other worker is not disturbed.
    def garbled(path: str) -> Any:
        return Opaque() if path == paths[21] else path

    got, pids = pool_results(paths, garbled)
    assert sorted(got) == sorted(paths)
    odd = paths[1::2]  # the second worker's files, paths[21] among them
    assert all(got[p] == p for p in paths[0::2])
    assert got[paths[21]] is workers_module.LOST
    assert all(got[p] in (p, workers_module.LOST) for p in odd)
    assert [p for p in pids if alive(p)] == []


if sys.platform != "linux":  # pragma: no cover
    pytest.skip("Linux only", allow_module_level=True)
