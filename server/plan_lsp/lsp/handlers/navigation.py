"""Navigation: ``textDocument/hover``, ``documentSymbol``, ``foldingRange``, ``definition``."""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp import convert
from plan_lsp.lsp.server import PlanLanguageServer


def hover(ls: PlanLanguageServer, params: types.HoverParams) -> types.Hover | None:
    """``textDocument/hover``: what the template asks for at a heading, field or label."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    found = ls.ws.hover(doc.uri, convert.from_position(doc, params.position, ls.encoding))
    if found is None:
        return None
    text, span = found
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=convert.range_(doc, span, ls.encoding),
    )


def document_symbol(
    ls: PlanLanguageServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | list[types.SymbolInformation] | None:
    """``textDocument/documentSymbol``: the outline, nested or flat as the client
    supports."""
    doc = ls.ws.document(params.text_document.uri)
    syms = ls.ws.symbols(params.text_document.uri)
    if doc is None or syms is None:
        return None
    hierarchical = ls.client_supports(
        "text_document.document_symbol.hierarchical_document_symbol_support", False
    )
    if hierarchical:
        return [convert.document_symbol(doc, s, ls.encoding) for s in syms]
    return convert.symbol_information(doc, syms, ls.encoding)


def folding_range(
    ls: PlanLanguageServer, params: types.FoldingRangeParams
) -> list[types.FoldingRange] | None:
    """``textDocument/foldingRange``: one region per section."""
    folds = ls.ws.folding(params.text_document.uri)
    if folds is None:
        return None
    return [
        types.FoldingRange(start_line=a, end_line=b, kind=types.FoldingRangeKind.Region)
        for a, b in folds
    ]


def definition(ls: PlanLanguageServer, params: types.DefinitionParams) -> types.Location | None:
    """``textDocument/definition``: on a relative link, the file it points to, at the
    heading its anchor names."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    found = ls.ws.definition(doc.uri, convert.from_position(doc, params.position, ls.encoding))
    if found is None:
        return None
    at = types.Position(line=found.line, character=0)
    return types.Location(uri=found.uri, range=types.Range(start=at, end=at))
