"""Quick fixes: ``textDocument/codeAction``."""

from __future__ import annotations

from lsprotocol import types

from plan_lsp.lsp import convert
from plan_lsp.lsp.handlers.guard import part
from plan_lsp.lsp.server import PlanLanguageServer
from plan_lsp.workspace.documents import Document


def code_action(
    ls: PlanLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """``textDocument/codeAction``: quick fixes for the findings on the lines asked about (or
    shown there by the client), and files to create for broken links; on an empty document, one
    action per template. Each part is guarded: one that fails leaves the others' actions."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    if doc.is_blank():
        return _scaffold_actions(ls, doc)
    findings = ls.ws.findings(doc.uri) or []
    wanted = convert.from_range(doc, params.range, ls.encoding)
    # Findings on the lines asked about, and those the client says it shows there.
    shown = {
        (d.code, d.range.start.line, d.range.start.character)
        for d in params.context.diagnostics
        if d.source == convert.SOURCE
    }
    hits = []
    for f in findings:
        on_lines = f.span.start.line <= wanted.end.line and wanted.start.line <= f.span.end.line
        start = convert.position(doc, f.span.start, ls.encoding)
        if on_lines or (f.code, start.line, start.character) in shown:
            hits.append(f)
    if not hits:
        return []
    by_finding = {id(f): convert.diagnostic(doc, f, ls.encoding) for f in hits}
    out = []
    for fix in part(ls, "quick fixes", ls.ws.fixes, doc.uri, hits):
        diags = [by_finding[id(f)] for f in fix.findings if id(f) in by_finding]
        out.append(convert.code_action(doc, fix, diags, ls.encoding, ls.document_changes))
    out += [
        convert.new_file_action(new, by_finding[id(new.finding)])
        for new in part(ls, "new-file fixes", ls.ws.new_file_fixes, hits)
    ]
    return out


def _scaffold_actions(ls: PlanLanguageServer, doc: Document) -> list[types.CodeAction]:
    """On an empty document: one action per template, replacing the blank text with it."""
    end = convert.position(doc, doc.position(doc.line_count, 0, ls.encoding), ls.encoding)
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    return [
        types.CodeAction(
            title=f"Insert the {s.name} template",
            kind=types.CodeActionKind.QuickFix,
            edit=convert.workspace_edit(
                doc, [types.TextEdit(range=whole, new_text=s.text)], ls.document_changes
            ),
        )
        for s in part(ls, "scaffolds", ls.ws.scaffolds, doc.uri)
    ]
