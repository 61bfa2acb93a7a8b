"""Quick fixes and fixing all: ``textDocument/codeAction``."""

from __future__ import annotations

from collections.abc import Sequence

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
    action per template; asked for ``source.fixAll.plan-lsp`` (or a kind above it:
    ``source.fixAll``, ``source``), one action fixing all that ``check --fix`` would. Only the
    kinds asked for (``context.only``) are computed. Each part is guarded: one that fails
    leaves the others' actions."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    only = params.context.only
    out = _quick_fixes(ls, doc, params) if _asked(only, types.CodeActionKind.QuickFix.value) else []
    if _asked(only, FIX_ALL) and only is not None:  # computed only when asked for by kind
        out += part(ls, "fix all", _fix_all, ls, doc)
    return out


FIX_ALL = "source.fixAll.plan-lsp"
"""The code action kind of fixing all (``editor.codeActionsOnSave``)."""


def _asked(only: Sequence[types.CodeActionKind | str] | None, kind: str) -> bool:
    """Whether ``kind`` is among the kinds asked for (all of them when none are named): named,
    or under a kind named (``source.fixAll`` asks for ``source.fixAll.plan-lsp``)."""
    if only is None:
        return True
    for k in only:
        want = str(getattr(k, "value", k))
        if kind == want or kind.startswith(want + "."):
            return True
    return False


def _fix_all(ls: PlanLanguageServer, doc: Document) -> list[types.CodeAction]:
    """One action with every fix ``check --fix`` applies, or none when nothing is fixable."""
    edits = ls.ws.fix_all(doc.uri)
    if not edits:
        return []
    return [
        types.CodeAction(
            title="Fix all auto-fixable plan problems",
            kind=FIX_ALL,
            edit=convert.workspace_edit(
                doc, [convert.text_edit(doc, e, ls.encoding) for e in edits], ls.document_changes
            ),
        )
    ]


def _quick_fixes(
    ls: PlanLanguageServer, doc: Document, params: types.CodeActionParams
) -> list[types.CodeAction]:
    """Quick fixes for the findings on the lines asked about; templates on an empty document."""
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
