"""Edit fuzzing through the real server: hostile incremental edits, checked after every step.

After each edit the server answers a request, its copy of the text equals a reference model that
applies the same edits, and every diagnostic it publishes lies inside the document. CI runs a
fixed, seeded profile; ``PLAN_LSP_FUZZ=long`` runs a much longer one on demand.
"""

from __future__ import annotations

import itertools
import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from raw_client import RawServer
from support import SEED, complete_plan, lsp_edit, lsp_lines

LONG = os.environ.get("PLAN_LSP_FUZZ") == "long"
PIECES = st.sampled_from(
    [
        "x",
        "\n",
        "\r\n",
        "\r",
        "\ufeff",
        "\0",
        "🔐",
        "登",
        "é",
        "#",
        "## Overview\n",
        "<<F>>",
        "{{ T }}",
        "```\n",
        "**Status:** Done\n",
        "- [ ] t\n",
        "| a |\n",
        "> ",
        "\t",
        " ",
        "",
        "### Phase 9: X\n",
        "#### Step 1.1: Y\n",
        "---\n",
        "===\n",
        "<div>\n",
        "\u2028",
    ]
)
TEXT = st.lists(PIECES, max_size=5).map("".join)
POS = st.tuples(st.integers(0, 260), st.integers(0, 120))
_server: RawServer | None = None
_counter = itertools.count()


def server() -> RawServer:
    global _server
    if _server is None or _server.proc.poll() is not None:
        _server = RawServer()
        _server.initialize()
    return _server


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class EditingThroughTheServer(RuleBasedStateMachine):
    """One open document, edited at random; the model is a flat string."""

    @initialize(base=st.sampled_from([complete_plan(), SEED, "", "# Implementation Plan: 🔐\r\n"]))
    def open(self, base: str) -> None:
        self.uri = f"file:///w/fuzz-{next(_counter)}-plan.md"
        self.version = 1
        self.text = base
        self.published = False
        server().notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "markdown",
                    "version": 1,
                    "text": base,
                }
            },
        )

    @rule(start=POS, end=POS, new=TEXT)
    def edit(self, start: tuple[int, int], end: tuple[int, int], new: str) -> None:
        self.version += 1
        server().notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": start[0], "character": start[1]},
                            "end": {"line": end[0], "character": end[1]},
                        },
                        "text": new,
                    }
                ],
            },
        )
        self.text = lsp_edit(self.text, start, end, new)
        self.published = False

    @rule(line=st.integers(-3, -1))
    def invalid_change(self, line: int) -> None:
        # Not an LSP position at all (a uinteger below 0): the change is ignored, text kept.
        server().notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version + 1},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": 0},
                            "end": {"line": 0, "character": 0},
                        },
                        "text": "!",
                    }
                ],
            },
        )

    @rule(line=st.integers(0, 250), col=st.integers(0, 60))
    def insert_inside_a_character(self, line: int, col: int) -> None:
        # Aim at the middle of a surrogate pair when the line has one.
        lines = lsp_lines(self.text)
        if line < len(lines):
            s, e = lines[line]
            body = self.text[s:e]
            i = next((i for i, c in enumerate(body) if ord(c) > 0xFFFF), None)
            if i is not None:
                col = utf16(body[:i]) + 1
        self.edit((line, col), (line, col), "|")

    @rule(new=TEXT)
    def replace_everything(self, new: str) -> None:
        self.version += 1
        server().notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [{"text": new}],
            },
        )
        self.text = new
        self.published = False

    @invariant()
    def server_agrees(self) -> None:
        if not hasattr(self, "uri"):
            return  # before the document is opened
        s = server()
        got = s.request("planLsp/text", {"textDocument": {"uri": self.uri}})
        assert got["result"] == {"version": self.version, "text": self.text}
        if self.published:
            return
        self.published = True
        pub = s.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == self.uri
                and m["params"]["version"] == self.version
            )
        )
        lines = lsp_lines(self.text)
        for d in pub["params"]["diagnostics"]:
            a, b = d["range"]["start"], d["range"]["end"]
            assert (a["line"], a["character"]) <= (b["line"], b["character"]), d
            for p in (a, b):
                assert 0 <= p["line"] < len(lines), d
                s0, e0 = lines[p["line"]]
                assert 0 <= p["character"] <= utf16(self.text[s0:e0]), d
        s.drain()
        s.seen.clear()

    def teardown(self) -> None:
        server().notify("textDocument/didClose", {"textDocument": {"uri": self.uri}})


EditingThroughTheServer.TestCase.settings = settings(
    max_examples=2000 if LONG else 150,
    stateful_step_count=50 if LONG else 20,
    derandomize=not LONG,
    deadline=None,
)
TestEditingThroughTheServer = EditingThroughTheServer.TestCase


def teardown_module() -> None:
    if _server is not None:
        _server.__exit__(None, None, None)
