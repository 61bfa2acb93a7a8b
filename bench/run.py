"""plan-lsp benchmarks: ``.venv/bin/python bench/run.py`` (``--quick`` for a short smoke run).

Everything that measures the server runs over the real stdio protocol against the real server
process (``python -m plan_lsp``), driven by the minimal client in ``bench/lsp_client.py``. Prints a
table of figures, ratios and targets, and writes it to ``bench/RESULTS.md`` (a ``--quick`` run
writes ``bench/work/RESULTS-quick.md`` instead, unless ``--output`` says otherwise). Raw samples go
to ``bench/work/results.json``.

Figures (median and p95 over many repetitions):

- keystroke -> diagnostics: a one-character incremental ``didChange`` typed inside a paragraph of
  a middle section, to the ``publishDiagnostics`` carrying that version; beside it one
  markdown-it-py parse of the same text (the floor) and the ratio; at ~250, 2,500, 25,000 lines;
- completion at a heading line (``## `` typed above ``## Testing Strategy``) and after ``<<``
  (``See <<`` typed in that paragraph): with the document already checked ("idle") and right after
  the keystroke that triggers it ("typed", which includes checking that keystroke);
- start-up: process spawn to the ``initialize`` result (and to the first diagnostics);
- ``plan-lsp check`` over 1,000 plans of ~260 lines (one in five broken), beside ``mdsmith check``
  and ``markdownlint-cli2``: wall and CPU time (the process's rusage), cold and warm;
- memory: resident size of the server with 200 plans open.

Where a target is missed (full runs), the server is profiled with py-spy and the hot spots are
named in RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare
import lsp_client as lsp
import plans
import profiling
import scenarios

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work"
SERVER = [sys.executable, "-m", "plan_lsp"]
# The same server or command with the compiled parser turned off: markdown-it-py parses alone.
REFERENCE_ONLY = ["env", "PLAN_LSP_PARSER=markdown-it-py"]


# -- statistics --------------------------------------------------------------------------------


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def p95(xs: list[float]) -> float:
    """95th percentile, linear between the closest ranks."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = (len(s) - 1) * 0.95
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "—"
    v = seconds * 1000
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds == seconds else "—"


# -- results -----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the results table."""

    section: str
    name: str
    median: str = ""
    p95: str = ""
    n: int = 0
    beside: str = ""
    ratio: str = ""
    target: str = ""
    status: str = ""
    """``pass``, ``miss`` or '' (no target)."""
    miss_by: str = ""
    samples: list[float] = field(default_factory=list)


def judge(value: float, limit: float, unit: Callable[[float], str]) -> tuple[str, str]:
    """(status, by how much) of ``value`` against an upper ``limit``."""
    if value != value:
        return "", ""
    if value <= limit:
        return "pass", ""
    times = value / limit
    factor = f"{times:.2f}" if times < 2 else f"{times:.1f}"
    return "miss", f"{unit(value - limit)} over ({factor}× the target)"


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    profiles: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(format_row(row), flush=True)
        return row


# -- the server --------------------------------------------------------------------------------


def uri(name: str) -> str:
    return (WORK / "docs" / name).as_uri()


async def start_server() -> lsp.Client:
    client = await lsp.Client.spawn(SERVER, cwd=str(WORK), stderr=open_log())
    await client.initialize(str(WORK))
    return client


_LOG: Any = None


def open_log() -> Any:
    global _LOG
    if _LOG is None:
        _LOG = open(WORK / "server-stderr.log", "ab")  # noqa: SIM115 - kept for the run
    return _LOG


def parse_floor(text: str, count: int, budget: float) -> list[float]:
    """Times of one markdown-it-py parse of ``text`` (CommonMark + tables)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    md.parse(text)
    out: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        t = time.perf_counter()
        md.parse(text)
        out.append(time.perf_counter() - t)
        if i >= 2 and time.perf_counter() - started > budget:
            break
    return out


async def bench_size(label: str, lines: int, quick: bool, res: Results) -> dict[str, Any]:
    """Keystroke and completion figures at one plan size, on a fresh server."""
    plan = plans.generate(lines, seed=1)
    doc = uri(f"bench-{lines}-plan.md")
    client = await start_server()
    raw: dict[str, Any] = {"lines": plan.lines}
    try:
        first = await client.open(doc, plan.text, 1)
        raw["findings_at_open"] = len(first["diagnostics"])
        version = 1
        big = lines >= 20_000
        # Warm-up keystrokes (not counted), then the measured ones.
        _, version, pos = await scenarios.type_keystrokes(client, doc, plan.typing, version, 3, 5)
        count = (5 if big else 20) if quick else (25 if big else 300 if lines < 1000 else 150)
        budget = (20 if big else 5) if quick else (150 if big else 60)
        keys, version, pos = await scenarios.type_keystrokes(
            client, doc, pos, version, count, budget
        )
        raw["keystroke"] = keys
        floor = parse_floor(plan.text, 5 if quick else 50, 10 if quick else 60)
        raw["parse_floor"] = floor
        target = {250: 0.003, 25_000: 0.010}.get(lines)
        status, by = judge(median(keys), target, ms) if target else ("", "")
        res.add(
            Row(
                "keystroke → diagnostics",
                f"{label} lines",
                ms(median(keys)),
                ms(p95(keys)),
                len(keys),
                f"parse {ms(median(floor))}",
                f"{median(keys) / median(floor):.2g}× parse",
                f"median ≤ {ms(target)}" if target else "",
                status,
                by,
                keys,
            )
        )

        # Completion at a heading line ("## " typed on a new line above "## Testing Strategy")
        # and after "<<" ("See <<" typed on a new line below the paragraph typed in above).
        reps = 5 if quick else 40 if big else 200
        typed_reps = 3 if quick else 10 if big else 60
        found = {}
        for where in ("heading", "reference"):
            version, at, trigger = await scenarios.setup_completion(
                client, doc, plan, version, where
            )
            version, idle, typed, items = await scenarios.completion_series(
                client, doc, version, at, trigger, reps, typed_reps
            )
            found[where] = (idle, typed, items)
        heading, ref = found["heading"], found["reference"]
        for what, (idle, typed, items) in (("heading line", heading), ("after <<", ref)):
            raw[f"completion {what}"] = {"idle": idle, "typed": typed, "items": items}
            for mode, xs in (("idle", idle), ("typed", typed)):
                status, by = judge(p95(xs), 0.010, ms)
                res.add(
                    Row(
                        "completion",
                        f"{what}, {mode}, {label} lines",
                        ms(median(xs)),
                        ms(p95(xs)),
                        len(xs),
                        f"{items} items",
                        "",
                        "p95 ≤ 10 ms",
                        status,
                        by,
                        xs,
                    )
                )
        raw["fix all"] = await fix_all_figures(client, plan, lines, label, quick, res)
    finally:
        await client.close()
    return raw


async def fix_all_figures(
    client: lsp.Client, plan: plans.Plan, lines: int, label: str, quick: bool, res: Results
) -> dict[str, list[float]]:
    """``source.fixAll.plan-lsp`` (as on save with ``editor.codeActionsOnSave``): asked of the
    plan with one section removed (one fix: re-check, edits), and of the plan as it is (nothing
    to fix)."""
    out: dict[str, list[float]] = {}
    cases = (
        ("one missing section", plans.broken(plan, "missing-section")),
        ("nothing to fix", plan),
    )
    for what, case in cases:
        doc = uri(f"fix-all-{lines}-{len(out)}-plan.md")
        await client.open(doc, case.text, 1)
        params = {
            "textDocument": {"uri": doc},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll.plan-lsp"]},
        }
        reps = 2 if quick else 5 if lines > 10_000 else 20
        times: list[float] = []
        actions: Any = None
        for _ in range(reps + 1):
            start = time.perf_counter()
            actions = await client.request("textDocument/codeAction", params)
            times.append(time.perf_counter() - start)
        times = times[1:]
        client.notify("textDocument/didClose", {"textDocument": {"uri": doc}})
        out[what] = times
        res.add(
            Row(
                "fix all (source.fixAll)",
                f"{what}, {label} lines",
                ms(median(times)),
                ms(p95(times)),
                len(times),
                f"{len(actions)} action" if actions else "no action",
                "",
                "",
                "",
                "",
                times,
            )
        )
    return out


def compiled_parse_times(text: str, count: int, budget: float) -> list[float]:
    """Times of one parse of ``text`` into the outline's records by core/parse.py with the
    compiled parser (empty where it is not installed)."""
    from plan_lsp.core import parse

    if parse.backend() != "pyromark":
        return []
    parse.parse(text)
    out: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        t = time.perf_counter()
        parse.parse(text)
        out.append(time.perf_counter() - t)
        if i >= 2 and time.perf_counter() - started > budget:
            break
    return out


async def bench_first_open(quick: bool, res: Results) -> dict[str, Any]:
    """A plan opened in a running server (warmed up: one small plan open already; its workspace
    folder empty) → its first diagnostics, with the compiled parser and with markdown-it-py
    alone, runs interleaved."""
    raw: dict[str, Any] = {}
    small = plans.generate(250, seed=3)
    servers = {"compiled parser": SERVER, "markdown-it-py alone": [*REFERENCE_ONLY, *SERVER]}
    for lines in (2500, 25_000):
        plan = plans.generate(lines, seed=4)
        label = f"{lines:,}"
        times: dict[str, list[float]] = {name: [] for name in servers}
        reps = 2 if quick else 10 if lines > 10_000 else 20
        clients = {}
        # An empty workspace folder: no workspace index runs beside the measured opens.
        root = WORK / "empty-workspace"
        root.mkdir(exist_ok=True)
        try:
            for name, argv in servers.items():
                client = await lsp.Client.spawn(argv, cwd=str(root), stderr=open_log())
                await client.initialize(str(root))
                await client.open(uri(f"warm-{lines}-{len(clients)}-plan.md"), small.text, 1)
                clients[name] = client
            for i in range(reps):
                for name, client in clients.items():
                    doc = uri(f"open-{lines}-{i}-plan.md")
                    start = time.perf_counter()
                    await client.open(doc, plan.text, 1)
                    times[name].append(time.perf_counter() - start)
                    client.notify("textDocument/didClose", {"textDocument": {"uri": doc}})
        finally:
            for client in clients.values():
                await client.close()
        raw[label] = times
        fast, ref = times["compiled parser"], times["markdown-it-py alone"]
        parse_fast = compiled_parse_times(plan.text, 3 if quick else 10, 30)
        target = 0.100 if lines == 25_000 else None
        status, by = judge(median(fast), target, ms) if target else ("", "")
        res.add(
            Row(
                "first open → diagnostics",
                f"{label} lines, compiled parser",
                ms(median(fast)),
                ms(p95(fast)),
                len(fast),
                f"one parse {ms(median(parse_fast))}" if parse_fast else "not installed",
                f"{median(ref) / median(fast):.1f}× faster than markdown-it-py alone",
                f"median ≤ {ms(target)}" if target else "",
                status,
                by,
                fast,
            )
        )
        res.add(
            Row(
                "first open → diagnostics",
                f"{label} lines, markdown-it-py alone",
                ms(median(ref)),
                ms(p95(ref)),
                len(ref),
                "PLAN_LSP_PARSER=markdown-it-py",
                samples=ref,
            )
        )
    return raw


async def bench_startup(quick: bool, res: Results) -> dict[str, Any]:
    plan = plans.generate(250, seed=2)
    to_init: list[float] = []
    to_diags: list[float] = []
    for i in range(3 if quick else 20):
        start = time.perf_counter()
        client = await lsp.Client.spawn(SERVER, cwd=str(WORK), stderr=open_log())
        try:
            fut, _ = client.send_request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "rootUri": WORK.as_uri(),
                    "capabilities": lsp.CAPABILITIES,
                },
            )
            await client.drain()
            _, got = await asyncio.wait_for(fut, 60)
            client.notify("initialized", {})
            doc = uri(f"startup-{i}-plan.md")
            dfut = client.expect_diagnostics(doc, 1)
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": doc,
                        "languageId": "markdown",
                        "version": 1,
                        "text": plan.text,
                    }
                },
            )
            await client.drain()
            _, got_diags = await asyncio.wait_for(dfut, 60)
        finally:
            await client.close()
        to_init.append(got - start)
        to_diags.append(got_diags - start)
    status, by = judge(median(to_init), 0.300, ms)
    res.add(
        Row(
            "start-up",
            "spawn → initialize result",
            ms(median(to_init)),
            ms(p95(to_init)),
            len(to_init),
            "",
            "",
            "median ≤ 300 ms",
            status,
            by,
            to_init,
        )
    )
    res.add(
        Row(
            "start-up",
            "spawn → first diagnostics (250-line plan)",
            ms(median(to_diags)),
            ms(p95(to_diags)),
            len(to_diags),
            samples=to_diags,
        )
    )
    return {"initialize": to_init, "first_diagnostics": to_diags}


async def bench_memory(corpus: Path, quick: bool, res: Results) -> dict[str, Any]:
    files = sorted(corpus.glob("*-plan.md"))[: 20 if quick else 200]
    client = await start_server()
    try:
        base, _ = lsp.rss_kib(client.pid)
        for i, f in enumerate(files):
            await client.open(f.resolve().as_uri(), f.read_text("utf-8"), 1)
            if i == 0:
                one, _ = lsp.rss_kib(client.pid)
        await asyncio.sleep(0.2)
        rss, hwm = lsp.rss_kib(client.pid)
    finally:
        await client.close()
    mb = rss * 1024 / 1e6
    status, by = judge(mb, 100.0, lambda v: f"{v:.0f} MB") if not quick else ("", "")
    per_plan = (rss - one) * 1024 / max(1, len(files) - 1) / 1e3
    res.add(
        Row(
            "memory",
            f"resident size, {len(files)} plans open (~260 lines)",
            f"{mb:.0f} MB",
            f"peak {hwm * 1024 / 1e6:.0f} MB",
            1,
            f"{base * 1024 / 1e6:.0f} MB after initialize",
            f"{per_plan:.0f} KB per plan",
            "≤ 100 MB (200 plans)",
            status,
            by,
        )
    )
    return {"rss_kib": rss, "hwm_kib": hwm, "base_kib": base, "plans": len(files)}


# -- the command-line checkers ---------------------------------------------------------------


def prepare_corpus(count: int) -> Path:
    """The check corpus (regenerated when the generator or the count changed)."""
    folder = WORK / f"corpus-{count}"
    stamp = folder / ".stamp"
    source = (BENCH / "plans.py").read_bytes() + plans.base_plan().encode()
    key = f"{count} {hashlib.sha256(source).hexdigest()}"
    if not (stamp.exists() and stamp.read_text() == key):
        if folder.exists():
            shutil.rmtree(folder)
        counts = plans.write_corpus(str(folder), count, 260)
        stamp.write_text(key)
        (folder / ".defects.json").write_text(json.dumps(counts))
    return folder


def bench_check(corpus: Path, count: int, quick: bool, res: Results) -> dict[str, Any]:
    defects = json.loads((corpus / ".defects.json").read_text())
    broken = sum(defects.values())
    raw: dict[str, Any] = {"plans": count, "broken": defects}
    reps = 1 if quick else 5
    configs = BENCH / "configs"
    configs.mkdir(exist_ok=True)

    # name -> (argv, repetitions, prepare before each run)
    commands: dict[str, tuple[list[str], int, Callable[[], None] | None]] = {}
    # The result cache in the corpus folder, so "first run" can empty it (its default is the
    # user's cache folder).
    plan_argv = [*compare.plan_lsp_argv(), "check", ".", "--cache-dir", ".plan-lsp-cache"]

    def drop_cache() -> None:
        for cache in corpus.glob(".plan-lsp-cache*"):
            shutil.rmtree(cache, ignore_errors=True)

    if compare.plan_lsp_has_no_cache():
        commands["plan-lsp check, cold (--no-cache)"] = ([*plan_argv, "--no-cache"], reps, None)
        commands["plan-lsp check, cold, one process (-j 1)"] = (
            [*plan_argv, "--no-cache", "-j", "1"],
            reps,
            None,
        )
        commands["plan-lsp check, cold, markdown-it-py alone"] = (
            [*REFERENCE_ONLY, *plan_argv, "--no-cache"],
            reps,
            None,
        )
        commands["plan-lsp check, first run (cache emptied before)"] = (plan_argv, reps, drop_cache)
        commands["plan-lsp check, warm (cache filled)"] = (plan_argv, reps, None)
    else:
        res.notes.append(
            "`plan-lsp check` has no `--no-cache` yet (no result cache): its cold and warm "
            "figures are the same command run the same way, after one unmeasured run."
        )
        commands["plan-lsp check, cold"] = (plan_argv, reps, None)
        commands["plan-lsp check, warm"] = (plan_argv, reps, None)
    mdsmith = compare.mdsmith_binary()
    if mdsmith:
        text = compare.mdsmith_config(mdsmith)
        (configs / "mdsmith.yml").write_text(text)
        (corpus / ".mdsmith.yml").write_text(text)
        name = "mdsmith check (required-structure + Status + fields)"
        commands[name] = (compare.mdsmith_argv(mdsmith), reps, None)
    else:
        res.notes.append("mdsmith not installed (`pip install -e '.[bench]'`): skipped.")
    mdl, why = compare.ensure_markdownlint()
    if mdl:
        text = compare.markdownlint_config()
        (configs / "markdownlint-cli2.jsonc").write_text(text)
        (corpus / ".markdownlint-cli2.jsonc").write_text(text)
        commands["markdownlint-cli2 (MD043)"] = (
            compare.markdownlint_argv(mdl),
            1 if quick else 3,
            None,
        )
    else:
        res.notes.append(f"markdownlint-cli2 skipped: {why}")

    # One unmeasured run each (page cache warm, result cache filled), then the timed runs
    # interleaved, so that a change in the machine's load touches every tool alike.
    drop_cache()
    for argv, _, _ in commands.values():
        compare.run_timed(argv, corpus)
    runs: dict[str, list[compare.Run]] = {name: [] for name in commands}
    for i in range(max(n for _, n, _ in commands.values())):
        for name, (argv, n, prepare) in commands.items():
            if i < n:
                if prepare:
                    prepare()
                runs[name].append(compare.run_timed(argv, corpus))

    # The floor of any checker built on a full markdown-it-py parse: one parse of every plan.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    texts = [f.read_text("utf-8") for f in sorted(corpus.glob("*-plan.md"))]
    started = time.process_time()
    for text in texts:
        md.parse(text)
    parse_cpu = time.process_time() - started
    cores = os.cpu_count() or 1
    raw["parse_floor_cpu"] = parse_cpu
    from plan_lsp.core import parse as compiled

    compiled_cpu = events_cpu = None
    if compiled.backend() == "pyromark":
        started = time.process_time()
        for text in texts:
            compiled.parse(text)
        compiled_cpu = time.process_time() - started
        raw["compiled_parse_cpu"] = compiled_cpu
        events = compiled._events()
        assert events is not None
        with compiled.gc_paused():
            started = time.process_time()
            for text in texts:
                for _ in events(text):
                    pass
            events_cpu = time.process_time() - started
        raw["events_cpu"] = events_cpu

    cold_key = next(k for k in runs if "cold" in k)
    cold = median([r.wall for r in runs[cold_key]])
    mdl_key = next((k for k in runs if k.startswith("markdownlint")), None)
    mds_key = next((k for k in runs if k.startswith("mdsmith")), None)
    for name, rs in runs.items():
        wall = [r.wall for r in rs]
        cpu = [r.cpu for r in rs]
        flagged = compare.flagged_files(rs[-1].output)
        row = Row(
            f"check {count} plans",
            name,
            secs(median(wall)),
            secs(p95(wall)),
            len(rs),
            f"CPU {secs(median(cpu))}; {flagged}/{broken} broken flagged",
            samples=wall,
        )
        if name.startswith("plan-lsp"):
            m = median(wall)
            mds = median([r.wall for r in runs[mds_key]]) if mds_key else None
            if mds:
                row.ratio = f"{m / mds:.1f}× mdsmith's time"
            if not quick and name == cold_key and mds:
                row.target = "≤ mdsmith's time"
                row.status, row.miss_by = judge(m, mds, secs)
            elif not quick and "warm" in name:
                row.target = "≤ 0.2 s"
                row.status, row.miss_by = judge(m, 0.2, secs)
        elif mdl_key == name:
            speedup = median(wall) / cold
            row.ratio = f"plan-lsp cold is {speedup:.1f}× faster"
            if not quick:
                row.target = "plan-lsp ≥ 8× faster"
                row.status = "pass" if speedup >= 8 else "miss"
                if speedup < 8:
                    row.miss_by = (
                        f"{speedup:.1f}× instead of 8× (plan-lsp needs ≤ {secs(median(wall) / 8)})"
                    )
        if name == cold_key:
            row.beside += f"; CPU = {median(cpu) / parse_cpu:.1f}× the parse floor"
        res.add(row)
        raw[name] = [asdict(r) | {"output": r.output[-2000:]} for r in rs]
    res.add(
        Row(
            f"check {count} plans",
            "floor: one markdown-it-py parse of every plan",
            secs(parse_cpu / cores),
            "",
            1,
            f"CPU {secs(parse_cpu)} in one process; {cores} cores",
            f"{secs(parse_cpu / len(texts) * 1000).replace(' s', ' ms')} a plan",
        )
    )
    if compiled_cpu is not None:
        res.add(
            Row(
                f"check {count} plans",
                "floor: one compiled parse (pyromark → the outline's records) of every plan",
                secs(compiled_cpu / cores),
                "",
                1,
                f"CPU {secs(compiled_cpu)} in one process; {cores} cores",
                f"{parse_cpu / compiled_cpu:.1f}× less than markdown-it-py's",
            )
        )
    if events_cpu is not None:
        res.add(
            Row(
                f"check {count} plans",
                "floor: pyromark's events of every plan, read and dropped",
                secs(events_cpu / cores),
                "",
                1,
                f"CPU {secs(events_cpu)} in one process; {cores} cores",
                "no Python work on them: the least any parse through pyromark costs",
            )
        )
    one = sorted(corpus.glob("*-plan.md"))[0].name
    starts = [
        compare.run_timed([*compare.plan_lsp_argv(), "check", "--no-cache", "-j", "1", one], corpus)
        for _ in range(3 if quick else 10)
    ]
    raw["start_one_plan"] = [asdict(r) | {"output": ""} for r in starts]
    res.add(
        Row(
            f"check {count} plans",
            "floor: plan-lsp check of one plan (start-up, kinds, one check)",
            secs(median([r.wall for r in starts])),
            secs(p95([r.wall for r in starts])),
            len(starts),
            f"CPU {secs(median([r.cpu for r in starts]))}: paid once per run",
        )
    )
    return raw


# -- environment -------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return out.stdout.strip()

    dirty = git("status", "--porcelain", "--", "server")
    env = {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "memory": _meminfo(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "plan-lsp": f"{_version('plan-lsp')} at {git('rev-parse', '--short', 'HEAD')}"
        + (" + uncommitted changes in server/" if dirty else ""),
    }
    for pkg in ("pygls", "lsprotocol", "markdown-it-py"):
        env[pkg] = _version(pkg)
    mdsmith = compare.mdsmith_binary()
    env["mdsmith"] = compare.mdsmith_version(mdsmith) if mdsmith else "not installed"
    mdl = compare.markdownlint_binary()
    env["markdownlint-cli2"] = compare.markdownlint_version(mdl) if mdl else "not installed"
    node = shutil.which("node")
    if node:
        env["node"] = subprocess.run(
            [node, "--version"], capture_output=True, text=True
        ).stdout.strip()
    env["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    spy = profiling.py_spy()
    env["py-spy"] = _version("py-spy") if spy else "not installed"
    return env


def _version(pkg: str) -> str:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _meminfo() -> str:
    try:
        line = Path("/proc/meminfo").read_text().splitlines()[0]
        return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "?"


# -- output ------------------------------------------------------------------------------------

COLUMNS = ("figure", "median", "p95", "n", "beside it", "ratio", "target", "")


def format_row(r: Row) -> str:
    name = f"{r.section}: {r.name}"
    return (
        f"{name[:62]:<62} {r.median:>9} {r.p95:>13} {r.n:>4}  {r.beside[:38]:<38} "
        f"{r.ratio[:28]:<28} {r.target:<20} {r.status}"
    )


def markdown(res: Results, quick: bool, elapsed: float) -> str:
    out = ["# plan-lsp benchmark results", ""]
    out.append(
        "Written by `.venv/bin/python bench/run.py`"
        + (" --quick (a smoke run: few repetitions, smaller corpus)" if quick else "")
        + f" in {elapsed / 60:.1f} min. Figures are not test assertions; "
        + "targets are issues 9 and 17's."
    )
    out += ["", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in res.env.items()]
    out += [
        "",
        "## Figures",
        "",
        "| figure | median | p95 | n | beside it | ratio | target | |",
        "|---|--:|--:|--:|---|---|---|---|",
    ]
    section = None
    for r in res.rows:
        name = r.name if r.section == section else f"**{r.section}**: {r.name}"
        section = r.section
        mark = {"pass": "pass", "miss": "**miss**"}.get(r.status, "")
        out.append(
            f"| {name} | {r.median} | {r.p95} | {r.n} | {r.beside} | {r.ratio} | "
            f"{r.target} | {mark} |"
        )
    misses = [r for r in res.rows if r.status == "miss"]
    out += ["", "## Targets missed", ""]
    if misses:
        out += [f"- {r.section}, {r.name}: {r.median} (p95 {r.p95}); {r.miss_by}." for r in misses]
    else:
        out.append("None." if not quick else "Not judged in a quick run (few repetitions).")
    if res.profiles:
        out += ["", "## Hot spots", "", *res.profiles]
    out += ["", "## How these are measured", "", *METHOD]
    if res.notes:
        out += ["", "## Notes on this run", ""]
        out += [f"- {n}" for n in res.notes]
    return "\n".join(out) + "\n"


METHOD = [
    "- Every server figure is taken over the real stdio protocol against the real server "
    "process (`python -m plan_lsp`), driven by `bench/lsp_client.py`: Content-Length framing on "
    "asyncio pipes, each message stamped with `time.perf_counter()` as soon as its body is read. "
    "The client declares no pull-diagnostics capability, so the server pushes, and "
    "`publishDiagnostics` carries the document version.",
    "- Plans come from `bench/plans.py`: the built-in template rendered with every field set, "
    "grown with phases and steps (numbered correctly), long tables and prose to exactly 250, "
    "2,500 and 25,000 lines. A generated plan has no findings.",
    "- **keystroke → diagnostics**: one-character incremental `didChange` typed in the first "
    "line of a step's notes paragraph in the middle phase; the time until the "
    "`publishDiagnostics` with that version arrives. One keystroke at a time (each waits for "
    'its diagnostics), after 3 unmeasured ones. *parse* is one `MarkdownIt("commonmark")'
    '.enable("table").parse(text)` of the same text in this process: the floor for any '
    "checker that re-parses the whole document.",
    "- **completion**: *heading line*: a line `## ` typed above `## Testing Strategy`, "
    "completion asked at its end. *after <<*: a line `See <<` typed below that paragraph, "
    "completion asked after `<<`. *idle*: asked again and again with the document already "
    "checked. *typed*: the trigger character (space, `<`) deleted (diagnostics awaited), typed "
    "again and completion asked at once, as an editor does (the server answers it before checking "
    "that edit when it needs no check; the edit's diagnostics are awaited after).",
    "- **first open → diagnostics**: a plan of 2,500 or 25,000 lines opened (`didOpen`, a new "
    "URI each time) in a running server (an empty workspace folder, so no workspace index runs) "
    "that has already checked one 250-line plan, to its "
    "`publishDiagnostics`. Two servers side by side, runs interleaved: the compiled parser "
    "(pyromark, the `fast` extra) and `PLAN_LSP_PARSER=markdown-it-py` (markdown-it-py alone). "
    "*one parse* is one `core/parse.py` parse of the same text into the outline's records by "
    "the compiled parser, in this process.",
    "- **start-up**: from spawning the process to the `initialize` result, a fresh process each "
    "time.",
    "- **check**: 1,000 plans of ~260 lines (`bench/work/corpus-1000/`, one in five broken: a "
    "missing section, a bad Status, an unresolved field, sections out of order). Each command "
    "runs once unmeasured (page cache warm), then is timed; CPU is user + system time from "
    "`wait4` (the process and the children it waited for). The configurations of the other "
    "tools are in `bench/configs/` (derived from the template; mdsmith: its required-structure "
    "rule with an inline schema — sections, levels, order, Phase N / Step N.M repeatable and "
    "numbered, the optional sections optional — plus `required-text-patterns` for Status and "
    "`forbidden-text` for `<<FIELD>>`; markdownlint-cli2: MD043 with the template's headings, "
    "every other rule off). *broken flagged* counts the files each tool reported. "
    "markdownlint's MD043 sees headings only, so it cannot flag a bad Status or an unresolved "
    "field. mdsmith has no result cache: it runs the same way every time. *cold* is "
    "`--no-cache`; *first run* empties the cache folder before each run (it then writes it); "
    "*warm* reads a filled cache. *floor*: the CPU time of one markdown-it-py parse of every "
    "plan in the benchmark's own process, divided by the cores: what a checker that fully "
    "parses each plan with markdown-it-py cannot beat; beside it the same for the compiled "
    "parser's tokens. *one process (-j 1)* checks without the process pool; *markdown-it-py "
    "alone* runs with `PLAN_LSP_PARSER=markdown-it-py`. The cold target (issue 17) is "
    "mdsmith's time in the same run.",
    "- **memory**: `VmRSS` (and `VmHWM`, the peak) of the server process from `/proc/PID/status` "
    "after 200 corpus plans are opened and their diagnostics received.",
    "- **fix all**: `textDocument/codeAction` asking only for `source.fixAll.plan-lsp` (what VS "
    "Code asks on save with `editor.codeActionsOnSave`), in the same server, of a plan of that "
    "size opened with one section removed (one fix: the fixed text checked again, the changed "
    "lines sent) and of the plan as it is (nothing to fix: its cached check); the first answer "
    "not counted.",
    "- **inlay hints** (`bench/living.py`): `textDocument/inlayHint` for the whole document (task "
    "progress on every phase and step), *idle* with the document checked, *typed* sent right "
    "after a one-character `didChange` (answered from the edit's outline, before the edit is "
    "checked).",
    "- **workspace index** (`bench/living.py`): a workspace folder holding the 1,000 check-corpus "
    "plans; the client supports work-done progress; from `initialized` to the `$/progress` "
    "`end`; resident size once it ended; the first start's files are checked by worker "
    "processes, and once more in the server's loop (`PLAN_LSP_INDEX_WORKERS=0`) for comparison. "
    "*While indexing* (another server): keystrokes in "
    "bursts of 10 (each waiting for its diagnostics), 0.4 s apart, in a 250-line plan opened "
    "right after `initialized`, for as long as the index is being built (the index waits 0.3 s "
    "after an edit, so most keystrokes of a burst find it paused); *idle*: as many keystrokes, "
    "the same way, once it is built.",
]


# -- main --------------------------------------------------------------------------------------


PARTS = ("keystroke", "open", "startup", "check", "memory", "living", "profile")
DEFAULT_SIZES = ",".join(str(v) for v in plans.SIZES.values())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="short smoke run (few repetitions)")
    p.add_argument(
        "--only",
        default=",".join(PARTS),
        help="comma-separated subset of " + ",".join(PARTS),
    )
    p.add_argument("--sizes", default=DEFAULT_SIZES, help="plan sizes in lines")
    p.add_argument(
        "--output",
        help="where to write the Markdown results (default bench/RESULTS.md for a full run, "
        "bench/work/RESULTS-quick.md or RESULTS-partial.md otherwise)",
    )
    p.add_argument("--no-profile", action="store_true", help="never run py-spy")
    p.add_argument(
        "--profile-all",
        action="store_true",
        help="profile every scenario at 25,000 lines, check and start-up, missed or not",
    )
    args = p.parse_args(argv)
    # Servers and commands run as on a user's machine: Python writes bytecode and reuses it (the
    # server's modules, and its attrs cache, plan_lsp/lsp/bytecode.py). Some shells (CI, agents)
    # set PYTHONDONTWRITEBYTECODE, and every start then compiled plan_lsp from source.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    only = set(args.only.split(","))
    # Measured processes read their bytecode from the cache, as an installed package does (a
    # session told not to write it would compile every module of plan-lsp on every run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    WORK.mkdir(exist_ok=True)
    plans.write_spec(str(WORK / "docs"))  # the documents opened in the server link to it
    started = time.perf_counter()
    res = Results()
    load_at_start = os.getloadavg()[0]
    if "check" in only:
        compare.ensure_markdownlint()  # before the versions are read
    res.env = environment()
    for k, v in res.env.items():
        print(f"{k:>18}: {v}")
    print()
    raw: dict[str, Any] = {"env": res.env, "quick": args.quick}

    count = 100 if args.quick else 1000
    corpus = prepare_corpus(count) if only & {"check", "memory", "profile"} else None
    labels = {v: k for k, v in plans.SIZES.items()}
    if "keystroke" in only:
        for size in (int(s) for s in args.sizes.split(",")):
            raw[f"size {size}"] = asyncio.run(
                bench_size(labels.get(size, f"{size:,}"), size, args.quick, res)
            )
    if "open" in only:
        raw["open"] = asyncio.run(bench_first_open(args.quick, res))
    if "startup" in only:
        raw["startup"] = asyncio.run(bench_startup(args.quick, res))
    if "check" in only and corpus:
        raw["check"] = bench_check(corpus, count, args.quick, res)
    if "memory" in only and corpus:
        raw["memory"] = asyncio.run(bench_memory(corpus, args.quick, res))
    if "living" in only:  # progress inlay hints and the workspace index (bench/living.py)
        import living

        corpus = corpus or prepare_corpus(count)
        sizes = [int(v) for v in args.sizes.split(",")]
        raw["living"] = asyncio.run(living.run_all(SERVER, WORK, corpus, sizes, args.quick))
        for row in living.rows(raw["living"], args.quick):
            res.add(Row(**row))
    missed = [r for r in res.rows if r.status == "miss"]
    if args.profile_all:
        missed = [
            Row("keystroke → diagnostics", "25,000 lines"),
            Row("completion", "heading line, typed, 25,000 lines"),
            Row("completion", "after <<, typed, 25,000 lines"),
            Row("check", "plan-lsp check"),
            Row("start-up", "spawn → initialize result"),
        ]
        corpus = corpus or prepare_corpus(count)
    if (
        "profile" in only
        and not args.no_profile
        and missed
        and (args.profile_all or not args.quick)
    ):
        if profiling.py_spy():
            res.profiles = profiling.profile_misses(missed, corpus, WORK, SERVER)
        else:
            res.notes.append("py-spy not installed (`pip install -e '.[bench]'`): no profiles.")
    elapsed = time.perf_counter() - started
    res.env["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    busiest = max(load_at_start, os.getloadavg()[0])
    if busiest > 0.5 * (os.cpu_count() or 1):
        res.notes.append(
            f"The machine was not idle (1-minute load average up to {busiest:.1f} on "
            f"{os.cpu_count()} cores, this run included): other work competed for the cores, "
            "so these figures are on the pessimistic side. Ratios between tools are fairer: "
            "their runs are interleaved."
        )
    out = (
        Path(args.output)
        if args.output
        else WORK / "RESULTS-quick.md"
        if args.quick
        else WORK / "RESULTS-partial.md"
        if only != set(PARTS) or args.sizes != DEFAULT_SIZES
        else BENCH / "RESULTS.md"
    )
    out.write_text(markdown(res, args.quick, elapsed), "utf-8")
    (WORK / "results.json").write_text(json.dumps(raw, indent=1, default=str))
    print(f"\nwrote {out} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
