"""LSP handlers, registered in one place. Each converts positions and calls the pure core."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest

from plan_lsp import __version__
from plan_lsp.core.settings import SECTION
from plan_lsp.lsp import convert, plans
from plan_lsp.lsp.server import PlanLanguageServer
from plan_lsp.workspace.documents import Document
from plan_lsp.workspace.lazy import module
from plan_lsp.workspace.workspace import Change, ScaffoldError, uri_to_path

if TYPE_CHECKING:
    from plan_lsp.features import scaffold
else:  # loaded on first use, or by the warm-up right after initialize
    scaffold = module("plan_lsp.features.scaffold")

TRIGGERS = ["#", "<", ":", " ", "*"]


# -- lifecycle ---------------------------------------------------------------------------------


def initialize(ls: PlanLanguageServer, params: types.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding or "utf-16"
    ls.ws.encoding = str(getattr(encoding, "value", encoding))
    opts = params.initialization_options
    if isinstance(opts, dict) and isinstance(opts.get(SECTION), dict):
        opts = opts[SECTION]
    ls.ws.init_options = opts if isinstance(opts, dict) else None
    ls.ws.apply_settings(ls.ws.init_options)
    ls.log(f"plan-lsp {__version__} on Python {sys.version.split()[0]}; encoding {ls.encoding}")


async def initialized(ls: PlanLanguageServer, params: types.InitializedParams) -> None:
    # ``initialize`` has been answered: now load what checking needs, on the loop (a lazily
    # imported module must not be loaded from two threads at once).
    ls.ws.warm_up()
    await _pull_configuration(ls)
    plans.initialized(ls)  # index the workspace's plans in the background
    ls.run_task(_watch_templates(ls))
    if ls.process_id:
        ls.run_task(_watch_parent(ls, ls.process_id))


async def _pull_configuration(ls: PlanLanguageServer) -> None:
    if not ls.client_supports("workspace.configuration", False):
        return
    try:
        got = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            ),
            10,
        )
    except Exception as exc:
        ls.log(f"plan-lsp: could not read settings: {exc}", types.MessageType.Warning)
        return
    raw = got[0] if got else None
    if isinstance(raw, dict):
        merged = {**(ls.ws.init_options or {}), **raw}
        ls.recheck(ls.ws.apply_settings(merged))


async def _watch_parent(ls: PlanLanguageServer, pid: int) -> None:
    """Exit when the client process named in ``initialize`` is gone (LSP's processId rule)."""
    while True:
        await asyncio.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            ls.log(f"plan-lsp: client process {pid} is gone; exiting")
            os._exit(1)
        except PermissionError:
            pass  # alive, owned by someone else
        except OSError:
            return


async def did_change_configuration(
    ls: PlanLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    raw = params.settings
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        ls.recheck(ls.ws.apply_settings({**(ls.ws.init_options or {}), **raw[SECTION]}))
    else:
        await _pull_configuration(ls)


# -- documents ---------------------------------------------------------------------------------


def did_open(ls: PlanLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ls.recheck(ls.ws.open(item.uri, item.text, item.version, item.language_id))


def did_change(ls: PlanLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    changes = [
        Change(
            c.text,
            (c.range.start.line, c.range.start.character),
            (c.range.end.line, c.range.end.character),
        )
        if isinstance(c, types.TextDocumentContentChangePartial)
        else Change(c.text)
        for c in params.content_changes
    ]
    ls.recheck(ls.ws.change(params.text_document.uri, params.text_document.version, changes))


def did_close(ls: PlanLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.recheck(ls.ws.close(uri))
    ls.dirty.discard(uri)
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
    plans.closed(ls, uri)


def did_change_watched_files(
    ls: PlanLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    for change in params.changes:
        ls.recheck(ls.ws.file_changed(change.uri, change.type.name.lower()))
    plans.file_events(ls, list(params.changes))


async def _watch_templates(ls: PlanLanguageServer) -> None:
    """Ask the client to tell about changes in the templates folder (and Markdown files, which
    links may point to)."""
    if not ls.client_supports("workspace.did_change_watched_files.dynamic_registration", False):
        return
    glob = f"**/{Path(ls.ws.settings.templates_dir).name}/*"
    try:
        await asyncio.wait_for(
            ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="plan-lsp-templates",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[
                                    types.FileSystemWatcher(glob_pattern=glob),
                                    types.FileSystemWatcher(glob_pattern="**/*.md"),
                                ]
                            ),
                        )
                    ]
                )
            ),
            10,
        )
    except Exception as exc:
        ls.log(f"plan-lsp: could not watch the templates folder: {exc}", types.MessageType.Warning)


def document_diagnostic(
    ls: PlanLanguageServer, params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport:
    items = ls.diagnostics(params.text_document.uri)
    return types.RelatedFullDocumentDiagnosticReport(items=items)


# -- features ----------------------------------------------------------------------------------


def complete(ls: PlanLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    pos = convert.from_position(doc, params.position, ls.encoding)
    snippets = bool(
        ls.client_supports("text_document.completion.completion_item.snippet_support", False)
    )
    items = ls.ws.completions(doc.uri, pos, snippets=snippets) or []
    return types.CompletionList(
        is_incomplete=False, items=[convert.completion_item(doc, i, ls.encoding) for i in items]
    )


def hover(ls: PlanLanguageServer, params: types.HoverParams) -> types.Hover | None:
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
    folds = ls.ws.folding(params.text_document.uri)
    if folds is None:
        return None
    return [
        types.FoldingRange(start_line=a, end_line=b, kind=types.FoldingRangeKind.Region)
        for a, b in folds
    ]


def code_action(
    ls: PlanLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
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
    for fix in ls.ws.fixes(doc.uri, hits):
        diags = [by_finding[id(f)] for f in fix.findings if id(f) in by_finding]
        out.append(convert.code_action(doc, fix, diags, ls.encoding, ls.document_changes))
    out += [
        convert.new_file_action(new, by_finding[id(new.finding)])
        for new in ls.ws.new_file_fixes(hits)
    ]
    return out


def definition(ls: PlanLanguageServer, params: types.DefinitionParams) -> types.Location | None:
    """On a relative link: the file it points to, at the heading its anchor names."""
    doc = ls.ws.document(params.text_document.uri)
    if doc is None:
        return None
    found = ls.ws.definition(doc.uri, convert.from_position(doc, params.position, ls.encoding))
    if found is None:
        return None
    at = types.Position(line=found.line, character=0)
    return types.Location(uri=found.uri, range=types.Range(start=at, end=at))


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
        for s in ls.ws.scaffolds(doc.uri)
    ]


STATUS_METHOD = "planLsp/status"


def plan_status(ls: PlanLanguageServer, params: Any) -> dict[str, Any] | None:
    """``planLsp/status {textDocument: {uri}}`` -> the plan's kind, Status and task progress
    (null for a document that is not open or not a plan)."""
    st = ls.ws.status(_uri_param(params))
    if st is None:
        return None
    return {
        "kind": st.kind,
        "status": st.status,
        "tasksDone": st.tasks_done,
        "tasksTotal": st.tasks_total,
        "problems": st.problems,
    }


TEXT_METHOD = "planLsp/text"


def plan_text(ls: PlanLanguageServer, params: Any) -> dict[str, Any] | None:
    """``planLsp/text {textDocument: {uri}}`` -> ``{version, text}``: the server's copy of an
    open document, for support and for tests that compare it with the editor's."""
    uri = _uri_param(params)
    doc = ls.ws.document(uri)
    return None if doc is None else {"version": doc.version, "text": doc.text}


def _uri_param(params: Any) -> str:
    uri = None
    if isinstance(params, dict):
        uri = (params.get("textDocument") or {}).get("uri")
    else:
        doc_param = getattr(params, "textDocument", None) or getattr(params, "text_document", None)
        uri = getattr(doc_param, "uri", None) if doc_param is not None else None
        if uri is None and isinstance(doc_param, dict):
            uri = doc_param.get("uri")
    if not isinstance(uri, str):
        raise JsonRpcInvalidParams('expected {"textDocument": {"uri": …}}')
    return uri


# -- commands ----------------------------------------------------------------------------------

SCAFFOLD_KEYS = {"uri", "feature", "issue", "author", "spec", "template", "position", "fields"}


async def plan_scaffold(ls: PlanLanguageServer, *args: Any) -> dict[str, Any]:
    """``plan.scaffold {uri, feature?, issue?, author?, spec?, template?, position?}``."""
    if len(args) != 1 or not isinstance(args[0], dict) or not isinstance(args[0].get("uri"), str):
        raise JsonRpcInvalidParams('plan.scaffold takes one argument: {"uri": "file:///…"}')
    arg: dict[str, Any] = args[0]
    unknown = set(arg) - SCAFFOLD_KEYS
    if unknown:
        raise JsonRpcInvalidParams(
            f"plan.scaffold: unknown argument(s) {', '.join(sorted(unknown))}"
        )
    uri = arg["uri"]
    try:
        kind = ls.ws.scaffold_kind(arg.get("template"))
        text_now = ls.ws.current_text(uri)
    except ScaffoldError as exc:
        raise _scaffold_error(exc) from exc
    position = arg.get("position")
    if text_now and text_now.strip() and position is None:
        raise JsonRpcInvalidRequest(
            "plan.scaffold: the document is not empty; it is never overwritten "
            '(pass "position": {"line": …, "character": …} to insert the template there)'
        )
    path = uri_to_path(uri)
    loop = asyncio.get_running_loop()
    context = await loop.run_in_executor(None, scaffold.discover, path)
    for key in ("feature", "issue", "author", "spec"):
        if isinstance(arg.get(key), str):
            context[key] = arg[key]
    fields = arg.get("fields")
    if isinstance(fields, dict):
        context.update({str(k): str(v) for k, v in fields.items()})
    try:
        text = ls.ws.render(kind, context)
    except ScaffoldError as exc:
        raise _scaffold_error(exc) from exc

    doc = ls.ws.document(uri)
    if doc is None:
        doc = Document.open(uri, text_now or "", None)
    if position is not None:
        if not (
            isinstance(position, dict)
            and isinstance(position.get("line"), int)
            and isinstance(position.get("character"), int)
        ):
            raise JsonRpcInvalidParams('plan.scaffold: "position" is {"line": n, "character": n}')
        at = types.Position(line=position["line"], character=position["character"])
        rng = types.Range(start=at, end=at)
    else:
        # An empty (or blank) document: replace its whitespace with the template.
        end = convert.position(doc, doc.position(doc.line_count, 0, ls.encoding), ls.encoding)
        rng = types.Range(start=types.Position(line=0, character=0), end=end)
    edit = types.TextEdit(range=rng, new_text=text)
    changes: list[Any] = []
    if text_now is None and path:
        changes.append(
            types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True))
        )
    changes.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=uri, version=doc.version
            ),
            edits=[edit],
        )
    )
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            label=f"New {kind.name} from the template",
            edit=types.WorkspaceEdit(document_changes=changes),
        )
    )
    return {"applied": bool(result.applied), "failureReason": result.failure_reason}


def _scaffold_error(exc: ScaffoldError) -> Exception:
    if exc.bad_params:
        return JsonRpcInvalidParams(exc.message)
    return JsonRpcInvalidRequest(exc.message)


# -- registration ------------------------------------------------------------------------------


def register(ls: PlanLanguageServer) -> None:
    """Every feature of the server, in one place."""
    feature = ls.feature
    feature(types.INITIALIZE)(initialize)
    feature(types.INITIALIZED)(initialized)
    feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
    feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="plan-lsp", inter_file_dependencies=False, workspace_diagnostics=True
        ),
    )(document_diagnostic)
    feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=False),
    )(complete)
    feature(types.TEXT_DOCUMENT_HOVER)(hover)
    feature(types.TEXT_DOCUMENT_DEFINITION)(definition)
    feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
    feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
    feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )(code_action)
    feature(STATUS_METHOD)(plan_status)
    feature(TEXT_METHOD)(plan_text)
    ls.command("plan.scaffold")(plan_scaffold)
    plans.register(ls)
