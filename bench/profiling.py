"""Where the time goes when a target is missed: py-spy on the real server, ``-X importtime``.

- keystroke or completion misses: py-spy samples the server process (by pid, non-blocking) while
  the benchmark's own edit pattern for that figure is repeated on the largest plan that missed
  (typing in a paragraph, or re-typing the trigger of a heading line or of ``<<`` and asking for
  completion);
- ``check`` misses: py-spy runs ``plan-lsp check`` over the corpus (``--no-cache`` when the
  command has it; ``--subprocesses`` follows its workers);
- start-up misses: ``python -X importtime`` on the server, up to its ``initialize`` result.

Stacks are summarised per function (file and name; line numbers dropped) over the *busy* samples
(those not parked in a selector, a queue or a read): the share of them in which a function is on
the stack (inclusive) and at its top (self).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lsp_client as lsp
import plans
import scenarios

VENV_BIN = Path(sys.executable).parent
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
_ROOTS = {"<module>", "main", "run", "_run", "_run_once", "run_forever", "run_until_complete"}
_IDLE_LEAVES = {"select", "_worker", "wait", "readline", "read", "get", "acquire", "sleep", "poll"}
"""Leaf functions of a thread that waits (py-spy's non-blocking mode cannot always tell)."""


def py_spy() -> str | None:
    found = VENV_BIN / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def _frame(raw: str) -> str:
    m = _FRAME.match(raw.strip())
    if not m:
        return raw.strip()
    path = m.group("file")
    for marker in ("site-packages/", "lib/python3.", "server/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "lib/python3.":
                path = path.split("/", 1)[-1]
    return f"{m.group('func')} ({path})"


Shares = list[tuple[str, float]]


@dataclass
class Profile:
    busy: int
    inclusive: Shares
    """Top functions by the share of busy samples with them on the stack."""
    self_: Shares
    """Top functions by the share of busy samples with them at the top."""
    hot_spot: str
    """The narrowest plan_lsp function on the stack in at least half the busy samples, and the
    narrowest function of any package below it that still is."""


_GENERIC = ("asyncio", "runpy", "importlib._bootstrap", "multiprocessing/", "concurrent/futures/")


def summarise(raw_path: Path, top: int = 10) -> Profile:
    """Busy samples of a py-spy raw (collapsed) file, per function."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    depth: dict[str, int] = {}
    total = 0
    for line in raw_path.read_text("utf-8", "replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        leaf = frames[-1].split(" (", 1)[0].rsplit(".", 1)[-1]
        if leaf in _IDLE_LEAVES:
            continue
        if frames[-1].endswith("(<string>)") and len(frames) > 1:
            # A dataclass's generated __init__: name it by its caller.
            frames[-1] = f"{frames[-2].split(' (', 1)[0]} → dataclass __init__"
        n = int(count)
        total += n
        for i, f in enumerate(frames):
            depth[f] = max(depth.get(f, 0), i)
        for f in set(frames):
            inclusive[f] += n
        self_[frames[-1]] += n
    if not total:
        return Profile(0, [], [], "")

    def interesting(name: str, share: float) -> bool:
        func = name.split(" (", 1)[0]
        return share < 0.97 and func not in _ROOTS and not any(g in name for g in _GENERIC)

    ranked = [(f, c / total) for f, c in inclusive.most_common() if interesting(f, c / total)]
    half = [(f, sh) for f, sh in ranked if sh >= 0.5]
    ours = [(f, sh) for f, sh in half if "plan_lsp/" in f]
    hot = ""
    if ours:
        mine = max(ours, key=lambda x: depth[x[0]])
        hot = f"`{mine[0]}` ({mine[1]:.0%} of busy samples)"
        below = [(f, sh) for f, sh in half if depth[f] > depth[mine[0]] and "plan_lsp/" not in f]
        if below:
            deep = max(below, key=lambda x: depth[x[0]])
            hot += f", most of it in `{deep[0]}` ({deep[1]:.0%})"
    elif half:
        deep = max(half, key=lambda x: depth[x[0]])
        hot = f"`{deep[0]}` ({deep[1]:.0%} of busy samples)"
    return Profile(total, ranked[:top], [(f, c / total) for f, c in self_.most_common(top)], hot)


def _table(title: str, prof: Profile) -> list[str]:
    out = [f"**{title}** — {prof.busy} busy samples.", ""]
    if prof.hot_spot:
        out += [f"Hot spot: {prof.hot_spot}.", ""]
    incl, self_ = prof.inclusive, prof.self_
    out += ["| on the stack (inclusive) | share | at the top (self) | share |", "|---|--:|---|--:|"]

    def cell(pair: tuple[str, float] | None) -> str:
        return f"`{pair[0]}` | {pair[1]:.0%}" if pair else " | "

    for i in range(max(len(incl), len(self_))):
        a = incl[i] if i < len(incl) else None
        b = self_[i] if i < len(self_) else None
        out.append(f"| {cell(a)} | {cell(b)} |")
    return [*out, ""]


SCENARIOS = {
    "paragraph": "typing one character at a time in a paragraph",
    "heading": "re-typing the space of a `## ` line and asking for completion",
    "reference": "re-typing the `<` of `See <<` and asking for completion",
}


async def _spy_server(
    lines: int, scenario: str, work: Path, server: list[str], out: Path, seconds: float
) -> int:
    """Repeat ``scenario`` on a ``lines``-line plan for ``seconds`` under py-spy; returns reps."""
    plan = plans.generate(lines, seed=1)
    doc = (work / "docs" / f"profile-{lines}-plan.md").as_uri()
    client = await lsp.Client.spawn(server, cwd=str(work))
    try:
        await client.initialize(str(work))
        await client.open(doc, plan.text, 1)
        version = 1
        at, trigger = plan.typing, ""
        if scenario != "paragraph":
            version, at, trigger = await scenarios.setup_completion(
                client, doc, plan, version, scenario
            )
        spy = subprocess.Popen(
            [py_spy() or "py-spy", "record", "--pid", str(client.pid), "-r", "250", "-f", "raw"]
            + ["-o", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)
        started = time.perf_counter()
        reps = 0
        while time.perf_counter() - started < seconds or reps < 3:
            if scenario == "paragraph":
                _, version, at = await scenarios.type_keystrokes(client, doc, at, version, 1, 0)
            else:
                _, _, version = await scenarios.retype_and_complete(
                    client, doc, version, at, trigger
                )
            reps += 1
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    finally:
        await client.close()
    return reps


def _scenario(row: Any) -> str | None:
    if row.section.startswith("keystroke"):
        return "paragraph"
    if row.section == "completion":
        return "heading" if row.name.startswith("heading") else "reference"
    return None


def _lines(row: Any) -> int:
    m = re.search(r"([\d,]+) lines", row.name)
    return int(m.group(1).replace(",", "")) if m else 25_000


def profile_misses(
    missed: list[Any], corpus: Path | None, work: Path, server: list[str]
) -> list[str]:
    """Markdown naming the hot spots behind the missed targets."""
    out: list[str] = []
    wanted: dict[str, int] = {}
    for row in missed:
        scenario = _scenario(row)
        if scenario:
            wanted[scenario] = max(wanted.get(scenario, 0), _lines(row))
    for scenario, lines in wanted.items():
        raw = work / f"profile-{scenario}-{lines}.txt"
        print(f"profiling: py-spy on the server, {SCENARIOS[scenario]}, {lines:,} lines ...")
        reps = asyncio.run(_spy_server(lines, scenario, work, server, raw, 15.0))
        title = f"Server, {SCENARIOS[scenario]} in a {lines:,}-line plan ({reps} times)"
        out += _table(title, summarise(raw))
    if any(r.section.startswith("check") for r in missed) and corpus is not None:
        raw = work / "profile-check.txt"
        script = VENV_BIN / "plan-lsp"
        argv = [str(script)] if script.exists() else [sys.executable, "-m", "plan_lsp"]
        argv += ["check", "."]
        help_text = subprocess.run([*argv, "--help"], capture_output=True, text=True).stdout
        if "--no-cache" in help_text:
            argv.append("--no-cache")
        print(f"profiling: py-spy on {' '.join(argv[-3:])} over the corpus ...")
        subprocess.run(
            [py_spy() or "py-spy", "record", "--subprocesses", "-r", "250", "-f", "raw"]
            + ["-o", str(raw), "--", *argv],
            cwd=corpus,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        title = f"`plan-lsp {' '.join(argv[1:])}` over {corpus.name} (all processes)"
        out += _table(title, summarise(raw))
    if any(r.section == "start-up" for r in missed):
        out += importtime(server, work)
    return out


def importtime(server: list[str], work: Path) -> list[str]:
    """The slowest imports of the server up to its ``initialize`` result."""
    print("profiling: -X importtime on server start-up ...")
    log = work / "importtime.txt"

    async def go() -> None:
        with open(log, "wb") as err:
            client = await lsp.Client.spawn(
                [server[0], "-X", "importtime", *server[1:]], cwd=str(work), stderr=err
            )
            await client.initialize(str(work))
            await client.close()

    asyncio.run(go())
    rows: list[tuple[int, int, int, str]] = []
    for line in log.read_text("utf-8", "replace").splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            rows.append((int(m.group(2)), int(m.group(1)), depth, m.group(4)))
    total = sum(cum for cum, _, depth, _ in rows if depth == 0)
    out = [
        f"**Server start-up imports** (`-X importtime`; {total / 1000:.0f} ms of imports in all, "
        "before the `initialize` request is read).",
        "",
        "| module (depth) | cumulative | self |",
        "|---|--:|--:|",
    ]
    big = sorted((r for r in rows if r[0] >= 10_000 and r[2] <= 3), reverse=True)[:12]
    out += [
        f"| `{name}` ({depth}) | {cum / 1000:.0f} ms | {own / 1000:.0f} ms |"
        for cum, own, depth, name in big
    ]
    return [*out, ""]
