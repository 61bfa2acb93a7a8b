"""The workspace index on its own: walking, checking in chunks that yield, live updates."""

from __future__ import annotations

import asyncio
from pathlib import Path

from plan_lsp.core import engine, kinds
from plan_lsp.workspace import index
from plan_lsp.workspace.files import Files
from support import complete_plan

PLAN = complete_plan()


def tree(root: Path) -> None:
    (root / "plans").mkdir()
    (root / "plans" / "a-plan.md").write_text(PLAN, "utf-8")
    (root / "plans" / "b-plan.md").write_text(
        PLAN.replace("**Status:** Draft", "**Status:** Completed"), "utf-8"
    )
    (root / "notes.md").write_text("# Notes\n", "utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "x-plan.md").write_text(PLAN, "utf-8")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "y-plan.md").write_text(PLAN, "utf-8")
    (root / "bin-plan.md").write_bytes(b"\0\0binary")


def checker(files: index.Files):  # type: ignore[no-untyped-def]
    plan = [kinds.builtin_plan()]
    return lambda path: index.check_file(files, path, plan, engine.Options())


def test_walk_skips_hidden_and_dependency_folders(tmp_path: Path) -> None:
    tree(tmp_path)
    got = [Path(p).relative_to(tmp_path).as_posix() for p in index.walk(Files(), [str(tmp_path)])]
    assert got == ["bin-plan.md", "notes.md", "plans/a-plan.md", "plans/b-plan.md"]


def test_build_indexes_plans_only_and_yields_between_files(tmp_path: Path) -> None:
    tree(tmp_path)
    files = Files()
    idx = index.Index()
    reports: list[tuple[int, int]] = []
    ticks = 0

    async def run() -> int:
        nonlocal ticks

        async def other() -> None:
            nonlocal ticks
            while idx.building or not reports:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(other())
        n = await index.build(
            idx,
            files,
            [str(tmp_path)],
            checker(files),
            report=lambda d, t: reports.append((d, t)),
            budget=0,
        )
        await task
        return n

    assert asyncio.run(run()) == 4
    assert sorted(Path(p).name for p in idx.entries) == ["a-plan.md", "b-plan.md"]
    b = idx.entries[str(tmp_path / "plans" / "b-plan.md")]
    assert (b.summary.status, b.summary.tasks_done, b.summary.tasks_total) == ("Completed", 0, 28)
    assert b.summary.mismatch == "Status is Completed but 28 of 28 tasks are open"
    assert b.uri == (tmp_path / "plans" / "b-plan.md").as_uri()
    assert [(h.name.split(":")[0], h.depth) for h in b.headings][:4] == [
        ("Implementation Plan", 0),
        ("Phase 1", 1),
        ("Step 1.1", 2),
        ("Step 1.2", 2),
    ]
    assert reports == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert ticks >= 4  # the loop ran other work between files


def test_a_rebuild_drops_what_is_gone_and_keeps_what_is_skipped(tmp_path: Path) -> None:
    tree(tmp_path)
    files = Files()
    idx = index.Index()
    check = checker(files)
    asyncio.run(index.build(idx, files, [str(tmp_path)], check))
    gen = idx.generation
    asyncio.run(index.build(idx, files, [str(tmp_path)], check))
    assert idx.generation == gen  # nothing changed
    (tmp_path / "plans" / "a-plan.md").unlink()
    kept = str(tmp_path / "plans" / "b-plan.md")
    asyncio.run(index.build(idx, files, [str(tmp_path)], check, skip=lambda p: p == kept))
    assert list(idx.entries) == [kept]
    assert idx.generation == gen + 1


def test_symbol_matching_is_in_order_and_ignores_case() -> None:
    assert index.matches("ph2", "Phase 2: Core")
    assert index.matches("", "x")
    assert not index.matches("2ph", "Phase 2")
