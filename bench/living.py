"""Plans as living documents, measured: progress inlay hints and the workspace index.

Part ``living`` of ``bench/run.py`` (``--only living``):

- inlay hints (task progress on phase and step headings): the ``textDocument/inlayHint``
  round trip for the whole document, idle and right after a keystroke, at each plan size;
- the workspace index: a workspace folder of 1,000 plans (the check corpus); from
  ``initialized`` to the end of the server's work-done progress, and the server's resident size
  before and after; on a first start (nothing kept in its cache folder: the files are checked
  by worker processes), on the next start (the entries the first kept), and on a first start
  with the files checked in the server's loop (``PLAN_LSP_INDEX_WORKERS=0``);
- keystroke -> diagnostics on a 250-line plan while that index is being built (bursts of 10
  keystrokes, 0.4 s apart), against the same bursts once it is done (idle).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

import lsp_client as lsp
import plans
import scenarios


class Client(lsp.Client):
    """The benchmark client, also keeping ``$/progress`` and answering progress creation."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        super().__init__(proc)
        self.progress: list[tuple[dict[str, Any], float]] = []
        self.progress_end: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def _dispatch(self, msg: dict[str, Any], stamp: float) -> None:
        if msg.get("method") == "$/progress":
            value = msg.get("params", {}).get("value", {})
            self.progress.append((value, stamp))
            if value.get("kind") == "end" and not self.progress_end.done():
                self.progress_end.set_result(stamp)
            return
        super()._dispatch(msg, stamp)

    async def start(self, root: str) -> float:
        """``initialize`` (work-done progress supported) and ``initialized``; returns the stamp
        of ``initialized``."""
        root_uri = Path(root).resolve().as_uri()
        caps = {**lsp.CAPABILITIES, "window": {"workDoneProgress": True}}
        await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "plan-lsp-bench"},
                "rootUri": root_uri,
                "capabilities": caps,
                "workspaceFolders": [{"uri": root_uri, "name": Path(root).name}],
            },
        )
        sent = self.notify("initialized", {})
        await self.drain()
        return sent


def _median(xs: list[float]) -> float:
    import statistics

    return statistics.median(xs) if xs else float("nan")


def _p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


async def inlay_hints(
    server: list[str], work: Path, lines: int, quick: bool
) -> dict[str, list[float] | int]:
    """Inlay-hint round trips on a plan of ``lines`` lines: idle, and right after a keystroke."""
    plan = plans.generate(lines, seed=3)
    uri = (work / "docs" / f"hints-{lines}-plan.md").as_uri()
    client = await Client.spawn(server, cwd=str(work))
    try:
        await client.start(str(work / "docs"))
        await client.open(uri, plan.text, 1)
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": plan.lines, "character": 0}}
        params = {"textDocument": {"uri": uri}, "range": whole}
        idle: list[float] = []
        reps = 5 if quick else (30 if lines > 10_000 else 200)
        count = 0
        for _ in range(reps):
            fut, sent = client.send_request("textDocument/inlayHint", params)
            await client.drain()
            hints, got = await asyncio.wait_for(fut, 120)
            idle.append(got - sent)
            count = len(hints or [])
        typed: list[float] = []
        line, col = plan.typing
        version = 1
        for i in range(5 if quick else (15 if lines > 10_000 else 60)):
            version += 1
            diags = client.expect_diagnostics(uri, version)
            client.change(uri, version, (line, col), (line, col), "x")
            fut, sent = client.send_request("textDocument/inlayHint", params)
            await client.drain()
            _, got = await asyncio.wait_for(fut, 120)
            typed.append(got - sent)
            await asyncio.wait_for(diags, 120)
            col += 1
            del i
    finally:
        await client.close()
    return {"idle": idle, "typed": typed, "hints": count}


async def index_and_keystrokes(
    server: list[str], work: Path, corpus: Path, quick: bool
) -> dict[str, Any]:
    """Index a workspace of the corpus' plans, once undisturbed (time, memory), once while
    typing in a 250-line plan in bursts; then the same bursts once it is built."""
    root = work / "index-workspace"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(corpus, root / "plans", ignore=shutil.ignore_patterns(".*"))
    count = len(list((root / "plans").glob("*.md")))
    plan = plans.generate(250, seed=4)
    doc = root / "typing-plan.md"
    uri = doc.as_uri()

    # The index keeps its entries in the cache folder between starts: a first start (an empty
    # folder of its own), then a second one with what the first kept.
    caches = work / "index-caches"
    shutil.rmtree(caches, ignore_errors=True)
    cold = ["env", f"PLAN_LSP_CACHE_DIR={caches / 'cold'}", *server]
    client = await Client.spawn(cold, cwd=str(work))
    try:
        base_rss, _ = lsp.rss_kib(client.pid)
        started = await client.start(str(root))
        ended = await asyncio.wait_for(client.progress_end, 600)
        await asyncio.sleep(0.5)
        rss, hwm = lsp.rss_kib(client.pid)
        reports = sum(1 for v, _ in client.progress if v.get("kind") == "report")
        answer = await client.request("planLsp/plans", {})
        indexed = len(answer["plans"]) if isinstance(answer, dict) else 0
    finally:
        await client.close()

    client = await Client.spawn(cold, cwd=str(work))  # the same folder: what the first kept
    try:
        warm_started = await client.start(str(root))
        warm_ended = await asyncio.wait_for(client.progress_end, 600)
        await asyncio.sleep(0.5)
        warm_rss, _ = lsp.rss_kib(client.pid)
    finally:
        await client.close()

    # The same first start with the files checked in the server's loop, one at a time (as
    # where processes cannot be forked), beside the worker processes' build above.
    in_loop = ["env", f"PLAN_LSP_CACHE_DIR={caches / 'loop'}", "PLAN_LSP_INDEX_WORKERS=0", *server]
    client = await Client.spawn(in_loop, cwd=str(work))
    try:
        loop_started = await client.start(str(root))
        loop_ended = await asyncio.wait_for(client.progress_end, 600)
        await asyncio.sleep(0.5)
        loop_rss, loop_hwm = lsp.rss_kib(client.pid)
    finally:
        await client.close()

    typing = ["env", f"PLAN_LSP_CACHE_DIR={caches / 'typing'}", *server]
    client = await Client.spawn(typing, cwd=str(work))
    try:
        typing_started = await client.start(str(root))
        await client.open(uri, plan.text, 1)
        version, at = 1, plan.typing
        during: list[float] = []
        while not client.progress_end.done():
            keys, version, at = await scenarios.type_keystrokes(client, uri, at, version, BURST, 60)
            during += keys
            await asyncio.sleep(GAP)
        typing_ended = await asyncio.wait_for(client.progress_end, 600)
        idle: list[float] = []
        while len(idle) < max(len(during), 50):
            keys, version, at = await scenarios.type_keystrokes(client, uri, at, version, BURST, 60)
            idle += keys
            await asyncio.sleep(GAP)
    finally:
        await client.close()
    return {
        "files": count,
        "indexed": indexed,
        "index_s": ended - started,
        "index_warm_s": warm_ended - warm_started,
        "index_loop_s": loop_ended - loop_started,
        "loop_rss_kib": loop_rss,
        "loop_hwm_kib": loop_hwm,
        "warm_rss_kib": warm_rss,
        "index_typing_s": typing_ended - typing_started,
        "reports": reports,
        "base_rss_kib": base_rss,
        "rss_kib": rss,
        "hwm_kib": hwm,
        "during": during,
        "idle": idle,
    }


BURST = 10
"""Keystrokes typed in a row (each waiting for its diagnostics) ..."""
GAP = 0.4
"""... then a pause of this many seconds, as a person typing does."""


def rows(raw: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    """Table rows (dicts with run.Row's fields) from the raw figures."""
    from run import ms

    out: list[dict[str, Any]] = []
    for key, val in raw.items():
        if not key.startswith("hints "):
            continue
        label = key.removeprefix("hints ")
        for mode in ("idle", "typed"):
            xs = val[mode]
            out.append(
                {
                    "section": "inlay hints (task progress)",
                    "name": f"whole document, {mode}, {label} lines",
                    "median": ms(_median(xs)),
                    "p95": ms(_p95(xs)),
                    "n": len(xs),
                    "beside": f"{val['hints']} hints",
                    "samples": xs,
                }
            )
    ix = raw.get("index")
    if ix:
        out.append(
            {
                "section": "workspace index",
                "name": f"{ix['files']:,} plans, initialized → progress end",
                "median": f"{ix['index_s']:.2f} s",
                "p95": "",
                "n": 1,
                "beside": f"{ix['indexed']:,} indexed, {ix['reports']} progress reports; "
                f"{ix['index_typing_s']:.1f} s with typing in bursts",
                "ratio": f"{ix['index_s'] / max(1, ix['files']) * 1000:.2f} ms per plan",
            }
        )
        if "index_loop_s" in ix:
            out.append(
                {
                    "section": "workspace index",
                    "name": f"{ix['files']:,} plans, in the server's loop "
                    "(PLAN_LSP_INDEX_WORKERS=0), initialized → progress end",
                    "median": f"{ix['index_loop_s']:.2f} s",
                    "p95": "",
                    "n": 1,
                    "beside": f"{ix['loop_rss_kib'] * 1024 / 1e6:.0f} MB resident after "
                    f"(peak {ix['loop_hwm_kib'] * 1024 / 1e6:.0f} MB)",
                    "ratio": f"{ix['index_loop_s'] / max(1, ix['files']) * 1000:.2f} ms per plan",
                }
            )
        if "index_warm_s" in ix:
            out.append(
                {
                    "section": "workspace index",
                    "name": f"{ix['files']:,} plans, next start (kept entries), initialized → "
                    "progress end",
                    "median": f"{ix['index_warm_s']:.2f} s",
                    "p95": "",
                    "n": 1,
                    "beside": f"{ix['warm_rss_kib'] * 1024 / 1e6:.0f} MB resident after",
                    "ratio": f"{ix['index_warm_s'] / max(1, ix['files']) * 1000:.2f} ms per plan",
                }
            )
        out.append(
            {
                "section": "workspace index",
                "name": f"resident size after indexing {ix['files']:,} plans",
                "median": f"{ix['rss_kib'] * 1024 / 1e6:.0f} MB",
                "p95": f"peak {ix['hwm_kib'] * 1024 / 1e6:.0f} MB",
                "n": 1,
                "beside": f"{ix['base_rss_kib'] * 1024 / 1e6:.0f} MB at spawn",
            }
        )
        for mode in ("during", "idle"):
            xs = ix[mode]
            what = "while indexing" if mode == "during" else "idle (index built)"
            out.append(
                {
                    "section": "workspace index",
                    "name": f"keystroke → diagnostics, 250 lines, {what}",
                    "median": ms(_median(xs)),
                    "p95": ms(_p95(xs)),
                    "n": len(xs),
                    "samples": xs,
                }
            )
    return out


async def run_all(
    server: list[str], work: Path, corpus: Path, sizes: list[int], quick: bool
) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    labels = {v: k for k, v in plans.SIZES.items()}
    for size in sizes:
        raw[f"hints {labels.get(size, size)}"] = await inlay_hints(server, work, size, quick)
    t = time.perf_counter()
    raw["index"] = await index_and_keystrokes(server, work, corpus, quick)
    raw["index"]["bench_s"] = time.perf_counter() - t
    return raw
