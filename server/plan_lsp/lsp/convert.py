"""Core values <-> LSP types. Positions are converted here, and only here, with the document's
lines and the negotiated encoding."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from plan_lsp.core.text import Pos, Span, TextEdit
from plan_lsp.workspace.documents import Document

if TYPE_CHECKING:
    from plan_lsp.core.codes import Finding
    from plan_lsp.features.actions import Fix, NewFile
    from plan_lsp.features.completion import Item
    from plan_lsp.features.navigation import Symbol

SOURCE = "plan-lsp"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
_ITEM_KIND = {
    "section": types.CompletionItemKind.Module,
    "field": types.CompletionItemKind.Variable,
    "value": types.CompletionItemKind.EnumMember,
    "label": types.CompletionItemKind.Property,
    "template": types.CompletionItemKind.Snippet,
}


def position(doc: Document, pos: Pos, encoding: str) -> types.Position:
    line = min(max(pos.line, 0), doc.line_count - 1)
    return types.Position(
        line=line, character=doc.client_column(Pos(line, pos.character), encoding)
    )


def range_(doc: Document, span: Span, encoding: str) -> types.Range:
    return types.Range(
        start=position(doc, span.start, encoding), end=position(doc, span.end, encoding)
    )


def from_position(doc: Document, pos: types.Position, encoding: str) -> Pos:
    return doc.position(pos.line, pos.character, encoding)


def from_range(doc: Document, rng: types.Range, encoding: str) -> Span:
    return Span(from_position(doc, rng.start, encoding), from_position(doc, rng.end, encoding))


def diagnostic(doc: Document, f: Finding, encoding: str) -> types.Diagnostic:
    return types.Diagnostic(
        range=range_(doc, f.span, encoding),
        message=f.message,
        severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.code,
        source=SOURCE,
    )


def text_edit(doc: Document, edit: TextEdit, encoding: str) -> types.TextEdit:
    return types.TextEdit(range=range_(doc, edit.span, encoding), new_text=edit.new_text)


def workspace_edit(
    doc: Document, edits: list[types.TextEdit], document_changes: bool
) -> types.WorkspaceEdit:
    """Edits tied to the version they were computed for (when the client supports it)."""
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=doc.uri, version=doc.version
                    ),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={doc.uri: list(edits)})


def code_action(
    doc: Document,
    fix: Fix,
    diagnostics: list[types.Diagnostic],
    encoding: str,
    document_changes: bool,
) -> types.CodeAction:
    edits = [text_edit(doc, e, encoding) for e in fix.edits]
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        is_preferred=fix.preferred or None,
        edit=workspace_edit(doc, edits, document_changes),
    )


def new_file_action(new: NewFile, diagnostic: types.Diagnostic) -> types.CodeAction:
    """A quick fix creating a file (left alone if it exists by then) with the given text."""
    uri = Path(new.path).as_uri()
    start = types.Position(line=0, character=0)
    return types.CodeAction(
        title=new.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True,
        edit=types.WorkspaceEdit(
            document_changes=[
                types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)),
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=[
                        types.TextEdit(range=types.Range(start=start, end=start), new_text=new.text)
                    ],
                ),
            ]
        ),
    )


def completion_item(doc: Document, item: Item, encoding: str) -> types.CompletionItem:
    return types.CompletionItem(
        label=item.label,
        kind=_ITEM_KIND.get(item.kind),
        detail=item.detail or None,
        documentation=(
            types.MarkupContent(kind=types.MarkupKind.Markdown, value=_fence(item.documentation))
            if item.documentation
            else None
        ),
        sort_text=item.sort or None,
        filter_text=item.filter,
        insert_text_format=(
            types.InsertTextFormat.Snippet if item.snippet else types.InsertTextFormat.PlainText
        ),
        text_edit=types.TextEdit(range=range_(doc, item.span, encoding), new_text=item.insert),
    )


def _fence(text: str) -> str:
    if "\n" not in text.strip():
        return text
    return "````markdown\n" + text.rstrip("\n") + "\n````"


def document_symbol(doc: Document, sym: Symbol, encoding: str) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=sym.name,
        detail=sym.detail or None,
        kind=types.SymbolKind.Namespace if sym.level <= 2 else types.SymbolKind.Module,
        range=range_(doc, sym.span, encoding),
        selection_range=range_(doc, sym.selection, encoding),
        children=[document_symbol(doc, c, encoding) for c in sym.children],
    )


def symbol_information(
    doc: Document, syms: list[Symbol], encoding: str, container: str | None = None
) -> list[types.SymbolInformation]:
    out: list[types.SymbolInformation] = []
    for sym in syms:
        out.append(
            types.SymbolInformation(
                name=sym.name,
                kind=types.SymbolKind.Namespace if sym.level <= 2 else types.SymbolKind.Module,
                location=types.Location(uri=doc.uri, range=range_(doc, sym.span, encoding)),
                container_name=container,
            )
        )
        out += symbol_information(doc, sym.children, encoding, sym.name)
    return out
