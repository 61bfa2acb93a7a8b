"""Typing a whole plan into an empty file, one keystroke per didChange, through the real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsp_support import diagnostics, open_doc, session, utf16
from lsprotocol import types
from support import complete_plan


async def test_typing_a_full_plan_keystroke_by_keystroke(tmp_path: Path) -> None:
    text = complete_plan().replace("**Status:** Draft", "**Status:** Done")  # one error too
    path = tmp_path / "user-login-plan.md"
    uri = f"file://{path}"
    async with session() as client:
        open_doc(client, uri, "", version=0)
        line, col, version = 0, 0, 0
        for ch in text:
            version += 1
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(
                                start=types.Position(line=line, character=col),
                                end=types.Position(line=line, character=col),
                            ),
                            text=ch,
                        )
                    ],
                )
            )
            if ch == "\n":
                line, col = line + 1, 0
            else:
                col += utf16(ch)
        final = await diagnostics(client, uri, version=version, timeout=60)
        # Still serving: a request is answered with the full outline.
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert symbols[0].name == "Implementation Plan: User Login 🔐"
        errors = [m for m in client.log_messages if m.type == types.MessageType.Error]
        assert errors == []
        assert client.messages == []
        # Diagnostics are published only with a version, and versions never go back.
        versions = [p.version for p in client.published if p.uri == uri]
        assert None not in versions and versions == sorted(versions)

    path.write_text(text, "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "plan_lsp", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    [report] = json.loads(out.stdout)["files"]
    lines = text.split("\n")
    from_cli = [
        (
            f["line"] - 1,
            utf16(lines[f["line"] - 1][: f["column"] - 1]),
            f["code"],
            f["message"],
            f["severity"],
        )
        for f in report["findings"]
    ]
    severities = {1: "error", 2: "warning", 3: "information", 4: "hint"}
    from_server = [
        (d.range.start.line, d.range.start.character, d.code, d.message, severities[d.severity])
        for d in final
    ]
    assert from_server == from_cli
    assert [c for *_, c, _m, _s in from_cli] == ["invalid-value"]
