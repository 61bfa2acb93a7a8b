"""Pathological plans through the real server: no crash, a bounded answer, capped diagnostics."""

from __future__ import annotations

import pytest
from lsp_support import diagnostics, open_doc, session
from lsprotocol import types

TITLE = "# Implementation Plan: Stress\n\n"
CASES = {
    "5 MB of prose": TITLE
    + ("Prose that goes on and on, with <b>html</b> and `code`. " * 20 + "\n\n") * 4400,
    "a 1 MB line": TITLE + "word " * 200_000 + "\n",
    "lists nested 10,000 deep": TITLE + "- " * 10_000 + "deep\n",
    "quotes nested 10,000 deep": TITLE + "> " * 10_000 + "deep\n",
    "indented lists 10,000 deep": TITLE
    + "".join(" " * min(i, 40) + "- x\n" for i in range(10_000)),
    "a table of 100,000 rows": TITLE + "| a | b |\n| - | - |\n" + "| 1 | 2 |\n" * 100_000,
    "50,000 fields": TITLE + "<<F>> " * 50_000 + "\n",
}


@pytest.mark.parametrize("name", list(CASES))
async def test_pathological_plan(name: str) -> None:
    text = CASES[name]
    uri = "file:///w/stress-plan.md"
    async with session() as client:
        open_doc(client, uri, text)
        diags = await diagnostics(client, uri, version=1, timeout=120)
        assert len(diags) <= 500
        if name == "50,000 fields":
            assert diags[-1].code == "too-many"
            # 50,000 fields and 17 missing sections: the 17 errors are kept first.
            assert diags[-1].message == "49518 more findings not shown (limit 500)"
            assert sum(d.code == "missing-section" for d in diags) == 17
        # Still serving, at once, on the same document.
        got = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert got and got[0].name == "Implementation Plan: Stress"
