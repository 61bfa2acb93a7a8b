"""The guarded fan-out: a feature that raises never breaks a request.

The real server runs with one feature function replaced by one that raises (the test's own
server command patches it before serving); every request still gets an answer and the error
goes to the client's log.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lsp_support import diagnostics, open_doc, rng, session
from lsprotocol import types
from support import remove_section

BROKEN = """
import sys
import plan_lsp.{module} as target

def broken(*args, **kwargs):
    raise RuntimeError("broken on purpose")

for name in sys.argv[1:]:
    setattr(target, name, broken)
from plan_lsp.lsp.main import serve
serve()
"""


def broken_server(module: str, *names: str) -> list[str]:
    return [sys.executable, "-c", BROKEN.format(module=module), *names]


def errors(client: object) -> list[str]:
    return [
        m.message
        for m in client.log_messages  # type: ignore[attr-defined]
        if m.type == types.MessageType.Error
    ]


async def test_broken_quick_fixes_leave_the_other_parts_of_the_answer(
    tmp_path: Path, plan: str
) -> None:
    uri = (tmp_path / "x-plan.md").as_uri()
    text = remove_section(plan, "Timeline") + "\nSee [notes](notes.md).\n"
    async with session(server=broken_server("features.actions", "fixes")) as client:
        open_doc(client, uri, text)
        diags = await diagnostics(client, uri, 1)
        assert sorted(d.code for d in diags) == ["broken-link", "missing-section"]  # type: ignore[type-var]
        last = len(text.split("\n")) - 1
        got = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=rng((0, 0), (last, 0)),
                context=types.CodeActionContext(diagnostics=diags),
            )
        )
        # The section fixes are gone; creating the missing file still is offered.
        assert got is not None
        assert [a.title for a in got] == [  # type: ignore[union-attr]
            "Create 'notes.md' from the plan template"
        ]
        assert any(
            "quick fixes failed: RuntimeError: broken on purpose" in m for m in errors(client)
        )


async def test_a_broken_feature_answers_null_and_the_server_goes_on(
    tmp_path: Path, plan: str
) -> None:
    uri = (tmp_path / "x-plan.md").as_uri()
    async with session(server=broken_server("features.navigation", "hover")) as client:
        open_doc(client, uri, plan)
        assert await diagnostics(client, uri, 1) == []
        at = types.TextDocumentPositionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=3),
        )
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=at.text_document, position=at.position)
        )
        assert hover is None
        assert any(
            "textDocument/hover failed: RuntimeError: broken on purpose" in m
            for m in errors(client)
        )
        # Other requests are answered as usual.
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=at.text_document)
        )
        assert symbols and symbols[0].name == "Implementation Plan: User Login 🔐"


async def test_broken_checks_publish_nothing_and_pulled_reports_are_empty(
    tmp_path: Path, plan: str
) -> None:
    from lsp_support import capabilities

    uri = (tmp_path / "x-plan.md").as_uri()
    server = broken_server("core.engine", "check")
    async with session(server=server) as client:
        open_doc(client, uri, remove_section(plan, "Timeline"))
        assert await diagnostics(client, uri, 1) == []
        assert any("broken on purpose" in m for m in errors(client))
    caps = capabilities(text_document__diagnostic=types.DiagnosticClientCapabilities())
    async with session(caps, server=server) as client:
        open_doc(client, uri, remove_section(plan, "Timeline"))
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert report.kind == "full" and list(report.items) == []
        assert any(
            "textDocument/diagnostic failed: RuntimeError: broken on purpose" in m
            for m in errors(client)
        )
