"""Plans as living documents, over LSP: task progress on phase and step headings.

Progress is an inlay hint at the end of each numbered heading with tasks under it (``3/5
tasks``): it sits on the heading's own line, so the text never moves (a code lens would add a
line above every phase and step), it needs no command, and clients ask again after each edit.
It is computed from the outline the diagnostics already built: no re-parse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from plan_lsp.core.text import Pos
from plan_lsp.lsp import convert

if TYPE_CHECKING:
    from plan_lsp.features import progress
    from plan_lsp.lsp.server import PlanLanguageServer
else:
    from plan_lsp.workspace import lazy

    progress = lazy.module("plan_lsp.features.progress")


def inlay_hint(
    ls: PlanLanguageServer, params: types.InlayHintParams
) -> list[types.InlayHint] | None:
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    result = ls.ws.check(doc)
    if result.kind is None:
        return None
    lo = (params.range.start.line, params.range.start.character)
    hi = (params.range.end.line, params.range.end.character)
    out: list[types.InlayHint] = []
    for p in progress.headings(result.outline):
        if p.line < lo[0] or p.line > hi[0]:
            continue
        at = convert.position(doc, Pos(p.line, len(result.outline.lines[p.line])), ls.encoding)
        if not lo <= (at.line, at.character) <= hi:
            continue
        out.append(
            types.InlayHint(
                position=at,
                label=p.label,
                padding_left=True,
                tooltip=f"{p.done} of {p.total} tasks done under this heading",
            )
        )
    return out


def register(ls: PlanLanguageServer) -> None:
    ls.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))(
        inlay_hint
    )
