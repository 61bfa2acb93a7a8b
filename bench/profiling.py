"""Where the time goes when a target is missed: py-spy on the real server, ``-X importtime``.

- keystroke or completion misses: py-spy samples the server process (by pid, non-blocking)
  while the keystroke benchmark types into the largest plan that missed;
- ``check`` misses: py-spy runs ``plan-lsp check`` over the corpus (``--subprocesses``);
- start-up misses: ``python -X importtime`` on the server, to ``initialize``.

Stacks are summarised per function (file and name, line numbers dropped): the share of active
samples in which a function is on the stack (inclusive) and at its top (self).
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
from pathlib import Path
from typing import Any

import lsp_client as lsp
import plans

VENV_BIN = Path(sys.executable).parent
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
_ROOTS = {"<module>", "main", "run", "_run", "_run_once", "run_forever", "run_until_complete"}


def py_spy() -> str | None:
    found = VENV_BIN / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def _frame(raw: str) -> str:
    m = _FRAME.match(raw.strip())
    if not m:
        return raw.strip()
    path = m.group("file")
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def summarise(
    raw_path: Path, top: int = 8
) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(active samples, top functions by inclusive share, top by self share)."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text("utf-8", "replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += n
        for f in set(frames):
            inclusive[f] += n
        self_[frames[-1]] += n
    if not total:
        return 0, [], []

    def interesting(name: str, share: float) -> bool:
        func = name.split(" (", 1)[0]
        return share < 0.97 and func not in _ROOTS and "asyncio" not in name

    incl = [(f, c / total) for f, c in inclusive.most_common() if interesting(f, c / total)]
    return total, incl[:top], [(f, c / total) for f, c in self_.most_common(top)]


def _table(
    title: str, total: int, incl: list[tuple[str, float]], self_: list[tuple[str, float]]
) -> list[str]:
    out = [f"**{title}** — {total} active samples.", ""]
    out += ["| on the stack (inclusive) | share | at the top (self) | share |", "|---|--:|---|--:|"]
    for i in range(max(len(incl), len(self_))):
        a = incl[i] if i < len(incl) else ("", 0.0)
        b = self_[i] if i < len(self_) else ("", 0.0)
        out.append(
            f"| `{a[0]}` | {a[1]:.0%} | `{b[0]}` | {b[1]:.0%} |"
            if a[0] and b[0]
            else f"| {('`' + a[0] + '`') if a[0] else ''} | {f'{a[1]:.0%}' if a[0] else ''} "
            f"| {('`' + b[0] + '`') if b[0] else ''} | {f'{b[1]:.0%}' if b[0] else ''} |"
        )
    return [*out, ""]


async def _spy_keystrokes(
    lines: int, work: Path, server: list[str], out: Path, seconds: float
) -> int:
    plan = plans.generate(lines, seed=1)
    doc = (work / "docs" / f"profile-{lines}-plan.md").as_uri()
    client = await lsp.Client.spawn(server, cwd=str(work))
    await client.initialize(str(work))
    await client.open(doc, plan.text, 1)
    spy = subprocess.Popen(
        [py_spy() or "py-spy", "record", "--pid", str(client.pid), "-r", "250", "-f", "raw"]
        + ["-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await asyncio.sleep(1.0)
    line, col = plan.typing
    version = 1
    started = time.perf_counter()
    typed = 0
    while time.perf_counter() - started < seconds or typed < 3:
        version += 1
        fut = client.expect_diagnostics(doc, version)
        client.change(doc, version, (line, col), (line, col), "x")
        await client.drain()
        await asyncio.wait_for(fut, 600)
        col += 1
        typed += 1
    spy.send_signal(signal.SIGINT)
    spy.wait(60)
    await client.close()
    return typed


def profile_misses(
    missed: list[Any], corpus: Path | None, work: Path, server: list[str]
) -> list[str]:
    """Markdown naming the hot spots behind the missed targets."""
    out: list[str] = []
    sections = {r.section for r in missed}
    if sections & {"keystroke → diagnostics", "completion"}:
        sizes = [
            int(re.sub(r"\D", "", r.name.rsplit(",", 1)[-1])) for r in missed if "lines" in r.name
        ]
        lines = max(sizes) if sizes else 25_000
        raw = work / f"profile-keystroke-{lines}.txt"
        print(f"profiling: py-spy on the server while typing into a {lines:,}-line plan ...")
        typed = asyncio.run(_spy_keystrokes(lines, work, server, raw, 20.0))
        total, incl, self_ = summarise(raw)
        out += _table(
            f"Server, typing into a {lines:,}-line plan ({typed} keystrokes)", total, incl, self_
        )
    if any(r.section.startswith("check") for r in missed) and corpus is not None:
        raw = work / "profile-check.txt"
        print("profiling: py-spy on plan-lsp check over the corpus ...")
        script = VENV_BIN / "plan-lsp"
        argv = [str(script)] if script.exists() else [sys.executable, "-m", "plan_lsp"]
        subprocess.run(
            [py_spy() or "py-spy", "record", "--subprocesses", "-r", "250", "-f", "raw"]
            + ["-o", str(raw), "--", *argv, "check", "."],
            cwd=corpus,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        total, incl, self_ = summarise(raw)
        out += _table(f"`plan-lsp check` over {corpus.name}", total, incl, self_)
    if "start-up" in sections:
        out += importtime(server, work)
    return out


def importtime(server: list[str], work: Path) -> list[str]:
    """The slowest top-level imports of the server up to its ``initialize`` result."""
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
    rows: list[tuple[int, str]] = []
    for line in log.read_text("utf-8", "replace").splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) == 1:  # top-level imports only
            rows.append((int(m.group(2)), m.group(4)))
    total = sum(c for c, _ in rows)
    rows.sort(reverse=True)
    out = [
        f"**Server start-up imports** (`-X importtime`, top level; {total / 1000:.0f} ms in all).",
        "",
    ]
    out += ["| module | cumulative |", "|---|--:|"]
    out += [f"| `{name}` | {us / 1000:.0f} ms |" for us, name in rows[:8]]
    return [*out, ""]
