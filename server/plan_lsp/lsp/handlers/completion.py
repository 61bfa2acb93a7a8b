"""Completion: ``textDocument/completion``."""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp import convert
from plan_lsp.lsp.handlers.guard import part
from plan_lsp.lsp.server import PlanLanguageServer

TRIGGERS = ["#", "<", ":", " ", "*"]


def complete(ls: PlanLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
    """``textDocument/completion``: sections, fields, values and labels at the cursor; on a blank
    document, one scaffold per kind too (a failing scaffold part leaves the rest)."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    pos = convert.from_position(doc, params.position, ls.encoding)
    snippets = bool(
        ls.client_supports("text_document.completion.completion_item.snippet_support", False)
    )
    scaffolds = part(ls, "scaffolds", ls.ws.scaffolds, doc.uri) if doc.is_blank() else []
    items = ls.ws.completions(doc.uri, pos, snippets=snippets, scaffolds=scaffolds) or []
    return types.CompletionList(
        is_incomplete=False, items=[convert.completion_item(doc, i, ls.encoding) for i in items]
    )
