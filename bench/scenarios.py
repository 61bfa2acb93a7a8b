"""What the benchmarks do to an open document, shared by the measurements and the profiles.

- typing: one character at a time inside a paragraph, each keystroke waiting for the
  diagnostics of its version;
- completion: asked at a position ("idle": with the document already checked), or right after
  the trigger character that ends the line there is typed again ("typed": delete it, wait for the
  diagnostics, type it and ask at once, as an editor does).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import lsp_client as lsp
import plans

TYPED = "latency "
"""What the keystroke benchmark types, one character per change, over and over."""

HEADING_LINE = "## "
REFERENCE_LINE = "See <<"


async def type_keystrokes(
    client: lsp.Client,
    doc: str,
    at: tuple[int, int],
    version: int,
    count: int,
    budget: float,
) -> tuple[list[float], int, tuple[int, int]]:
    """Type ``count`` characters at ``at`` (stopping early past ``budget`` seconds, after 5).

    Returns the latencies (didChange sent -> its diagnostics received), the last version and
    the position after the typing.
    """
    line, col = at
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(count):
        version += 1
        fut = client.expect_diagnostics(doc, version)
        sent = client.change(doc, version, (line, col), (line, col), TYPED[i % len(TYPED)])
        await client.drain()
        _, got = await asyncio.wait_for(fut, 600)
        latencies.append(got - sent)
        col += 1
        if i >= 4 and time.perf_counter() - started > budget:
            break
    return latencies, version, (line, col)


async def insert_line(client: lsp.Client, doc: str, version: int, line: int, text: str) -> int:
    """Insert ``text`` as a new line before ``line``; waits for the diagnostics."""
    version += 1
    fut = client.expect_diagnostics(doc, version)
    client.change(doc, version, (line, 0), (line, 0), text + "\n")
    await client.drain()
    await asyncio.wait_for(fut, 600)
    return version


async def setup_completion(
    client: lsp.Client, doc: str, plan: plans.Plan, version: int, where: str
) -> tuple[int, tuple[int, int], str]:
    """Type the line completion is asked on: (version, position, trigger character).

    ``heading``: ``## `` on a new line above ``## Testing Strategy``; ``reference``: ``See <<``
    on a new line below the paragraph the keystrokes are typed in.
    """
    if where == "heading":
        line = plan.heading_before
        version = await insert_line(client, doc, version, line, HEADING_LINE)
        return version, (line, len(HEADING_LINE)), " "
    line = plan.reference_after + 1
    version = await insert_line(client, doc, version, line, REFERENCE_LINE)
    return version, (line, len(REFERENCE_LINE)), "<"


async def completion_at(
    client: lsp.Client, doc: str, at: tuple[int, int], trigger: str | None
) -> tuple[float, int]:
    """Ask for completion at ``at``: (latency, number of items)."""
    params: dict[str, Any] = {
        "textDocument": {"uri": doc},
        "position": {"line": at[0], "character": at[1]},
        "context": (
            {"triggerKind": 2, "triggerCharacter": trigger} if trigger else {"triggerKind": 1}
        ),
    }
    fut, sent = client.send_request("textDocument/completion", params)
    await client.drain()
    result, got = await asyncio.wait_for(fut, 600)
    items = result.get("items", []) if isinstance(result, dict) else (result or [])
    return got - sent, len(items)


async def retype_and_complete(
    client: lsp.Client, doc: str, version: int, at: tuple[int, int], trigger: str
) -> tuple[float, int, int]:
    """Delete the trigger before ``at`` (and wait), type it again and ask for completion at once.

    Returns (completion latency, items, version).
    """
    line, col = at
    version += 1
    fut = client.expect_diagnostics(doc, version)
    client.change(doc, version, (line, col - 1), (line, col), "")
    await client.drain()
    await asyncio.wait_for(fut, 600)
    version += 1
    fut = client.expect_diagnostics(doc, version)
    client.change(doc, version, (line, col - 1), (line, col - 1), trigger)
    latency, items = await completion_at(client, doc, at, trigger)
    await asyncio.wait_for(fut, 600)
    return latency, items, version


async def completion_series(
    client: lsp.Client,
    doc: str,
    version: int,
    at: tuple[int, int],
    trigger: str,
    reps: int,
    typed_reps: int,
) -> tuple[int, list[float], list[float], int]:
    """``reps`` idle completions, then ``typed_reps`` typed ones: (version, idle, typed, items)."""
    for _ in range(3):
        await completion_at(client, doc, at, None)
    idle: list[float] = []
    items = 0
    for _ in range(reps):
        t, items = await completion_at(client, doc, at, None)
        idle.append(t)
    typed: list[float] = []
    for _ in range(typed_reps):
        t, n, version = await retype_and_complete(client, doc, version, at, trigger)
        typed.append(t)
        items = items or n
    return version, idle, typed, items
