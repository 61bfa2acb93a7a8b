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
from plan_lsp.lsp import convert, lazy
from plan_lsp.lsp.server import PlanLanguageServer, uri_to_path
from plan_lsp.workspace.documents import Document

if TYPE_CHECKING:
    from plan_lsp.core import kinds as kinds_mod
    from plan_lsp.core import links as links_mod
    from plan_lsp.core import outline as outline_mod
    from plan_lsp.core import templates
    from plan_lsp.features import actions, completion, navigation, scaffold
else:  # loaded on first use, or by the warm-up right after initialize
    actions = lazy.module("plan_lsp.features.actions")
    completion = lazy.module("plan_lsp.features.completion")
    navigation = lazy.module("plan_lsp.features.navigation")
    scaffold = lazy.module("plan_lsp.features.scaffold")
    templates = lazy.module("plan_lsp.core.templates")
    kinds_mod = lazy.module("plan_lsp.core.kinds")
    links_mod = lazy.module("plan_lsp.core.links")
    outline_mod = lazy.module("plan_lsp.core.outline")

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
TRIGGERS = ["#", "<", ":", " ", "*"]


def is_markdown(doc: Document) -> bool:
    return doc.language_id == "markdown" or doc.uri.lower().endswith(MARKDOWN_SUFFIXES)


# -- lifecycle ---------------------------------------------------------------------------------


def initialize(ls: PlanLanguageServer, params: types.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding or "utf-16"
    ls.encoding = str(getattr(encoding, "value", encoding))
    opts = params.initialization_options
    if isinstance(opts, dict) and isinstance(opts.get(SECTION), dict):
        opts = opts[SECTION]
    ls.init_options = opts if isinstance(opts, dict) else None
    ls.apply_settings(ls.init_options)
    ls.log(f"plan-lsp {__version__} on Python {sys.version.split()[0]}; encoding {ls.encoding}")


async def initialized(ls: PlanLanguageServer, params: types.InitializedParams) -> None:
    # ``initialize`` has been answered: now load what checking needs, on the loop (a lazily
    # imported module must not be loaded from two threads at once).
    ls.warm_up()
    await _pull_configuration(ls)
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
        merged = {**(ls.init_options or {}), **raw}
        ls.apply_settings(merged)
        ls.recheck_all()


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
        ls.apply_settings({**(ls.init_options or {}), **raw[SECTION]})
        ls.recheck_all()
    else:
        await _pull_configuration(ls)


# -- documents ---------------------------------------------------------------------------------


def did_open(ls: PlanLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    doc = Document.open(item.uri, item.text, item.version, item.language_id)
    if not is_markdown(doc):
        return
    ls.opened(doc)
    ls.recheck_links(uri_to_path(item.uri))  # links to it may now arrive
    path = ls.template_path(item.uri)
    if path is not None:
        ls.template_changed(path, doc.text)  # an open template counts with its text
    ls.schedule(item.uri)


def did_change(ls: PlanLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return
    version = params.text_document.version
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            r = change.range
            doc.edit(
                (r.start.line, r.start.character),
                (r.end.line, r.end.character),
                change.text,
                version,
                ls.encoding,
            )
        else:
            doc.replace_all(change.text, version)
    path = ls.template_path(doc.uri)
    if path is not None:
        ls.template_changed(path, doc.text)
    ls.schedule(doc.uri)


def did_close(ls: PlanLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = ls.template_path(uri)
    ls.closed(uri)
    if path is not None:  # back to what is on disk (or gone)
        ls.template_changed(path, _read(path))
    ls.results.pop(uri, None)
    ls.outlines.pop(uri, None)
    ls.dirty.discard(uri)
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def did_change_watched_files(
    ls: PlanLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    for change in params.changes:
        path = ls.template_path(change.uri)
        if path is None:
            ls.recheck_links(uri_to_path(change.uri))  # a file links may point to
            continue
        if ls.document(change.uri) is not None:
            continue  # an open template: the editor's text wins
        text = None if change.type == types.FileChangeType.Deleted else _read(path)
        ls.log(f"plan-lsp: template {path} {change.type.name.lower()}")
        ls.template_changed(path, text)


async def _watch_templates(ls: PlanLanguageServer) -> None:
    """Ask the client to tell about changes in the templates folder (and Markdown files, which
    links may point to)."""
    if not ls.client_supports("workspace.did_change_watched_files.dynamic_registration", False):
        return
    glob = f"**/{Path(ls.settings.templates_dir).name}/*"
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
    doc = ls.document(params.text_document.uri)
    items = ls.diagnostics(doc) if doc is not None else []
    return types.RelatedFullDocumentDiagnosticReport(items=items)


# -- features ----------------------------------------------------------------------------------


def complete(ls: PlanLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    result = ls.analyze(doc)
    pos = convert.from_position(doc, params.position, ls.encoding)
    snippets = bool(
        ls.client_supports("text_document.completion.completion_item.snippet_support", False)
    )
    scaffolds: list[completion.Scaffold] = []
    if doc.is_blank():
        scaffolds = _scaffolds(ls, doc)
    items = completion.complete(result, pos, scaffolds, snippets=snippets)
    return types.CompletionList(
        is_incomplete=False, items=[convert.completion_item(doc, i, ls.encoding) for i in items]
    )


def _scaffolds(ls: PlanLanguageServer, doc: Document) -> list[completion.Scaffold]:
    path = uri_to_path(doc.uri)
    context = scaffold.discover(path)
    out = []
    for kind in ls.kinds():
        try:
            text = scaffold.render(kind, context)
        except templates.TemplateError as exc:
            ls.log(f"plan-lsp: template {kind.name}: {exc.message}", types.MessageType.Warning)
            continue
        out.append(completion.Scaffold(kind.name, kind.description, text))
    return out


def hover(ls: PlanLanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    found = navigation.hover(
        ls.analyze(doc), convert.from_position(doc, params.position, ls.encoding)
    )
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
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    syms = navigation.symbols(ls.analyze(doc).outline)
    hierarchical = ls.client_supports(
        "text_document.document_symbol.hierarchical_document_symbol_support", False
    )
    if hierarchical:
        return [convert.document_symbol(doc, s, ls.encoding) for s in syms]
    return convert.symbol_information(doc, syms, ls.encoding)


def folding_range(
    ls: PlanLanguageServer, params: types.FoldingRangeParams
) -> list[types.FoldingRange] | None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    return [
        types.FoldingRange(start_line=a, end_line=b, kind=types.FoldingRangeKind.Region)
        for a, b in navigation.folding(ls.analyze(doc).outline)
    ]


def code_action(
    ls: PlanLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    if doc.is_blank():
        return _scaffold_actions(ls, doc)
    result = ls.analyze(doc)
    wanted = convert.from_range(doc, params.range, ls.encoding)
    # Findings on the lines asked about, and those the client says it shows there.
    shown = {
        (d.code, d.range.start.line, d.range.start.character)
        for d in params.context.diagnostics
        if d.source == convert.SOURCE
    }
    hits = []
    for f in result.findings:
        on_lines = f.span.start.line <= wanted.end.line and wanted.start.line <= f.span.end.line
        start = convert.position(doc, f.span.start, ls.encoding)
        if on_lines or (f.code, start.line, start.character) in shown:
            hits.append(f)
    if not hits:
        return []
    by_finding = {id(f): convert.diagnostic(doc, f, ls.encoding) for f in hits}
    out = []
    for fix in actions.fixes(result, hits):
        diags = [by_finding[id(f)] for f in fix.findings if id(f) in by_finding]
        out.append(convert.code_action(doc, fix, diags, ls.encoding, ls.document_changes))
    out += _create_actions(ls, doc, hits)
    return out


def _create_actions(
    ls: PlanLanguageServer, doc: Document, findings: list[Any]
) -> list[types.CodeAction]:
    """For a link to a missing file: create it from the kind its name suggests."""
    out = []
    for f in findings:
        if f.code != "broken-link" or f.data.get("missing") != "file" or not f.data.get("target"):
            continue
        target = str(f.data["target"])
        kind = kinds_mod.suggest(target, ls.kinds())
        try:
            text = scaffold.render(kind, scaffold.discover(target))
        except templates.TemplateError:
            continue
        uri = Path(target).as_uri()
        out.append(
            types.CodeAction(
                title=f"Create '{Path(target).name}' from the {kind.name} template",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[convert.diagnostic(doc, f, ls.encoding)],
                is_preferred=True,
                edit=types.WorkspaceEdit(
                    document_changes=[
                        types.CreateFile(
                            uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)
                        ),
                        types.TextDocumentEdit(
                            text_document=types.OptionalVersionedTextDocumentIdentifier(
                                uri=uri, version=None
                            ),
                            edits=[
                                types.TextEdit(
                                    range=types.Range(
                                        start=types.Position(line=0, character=0),
                                        end=types.Position(line=0, character=0),
                                    ),
                                    new_text=text,
                                )
                            ],
                        ),
                    ]
                ),
            )
        )
    return out


def definition(ls: PlanLanguageServer, params: types.DefinitionParams) -> types.Location | None:
    """On a relative link: the file it points to, at the heading its anchor names."""
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return None
    result = ls.analyze(doc)
    pos = convert.from_position(doc, params.position, ls.encoding)
    sec = result.outline.section_at(pos.line)
    link = next((x for x in (sec.links if sec else []) if x.span.contains(pos)), None)
    if link is None:
        return None
    here = uri_to_path(doc.uri)
    target = links_mod.resolve(link, here)
    if target.path is None:
        uri, headings = doc.uri, result.outline.headings
    else:
        if ls.lookup(target.path) is None:
            return None
        uri = Path(target.path).as_uri()
        open_doc = ls.document(uri)
        if open_doc is not None:
            headings = ls.outline(open_doc).headings
        else:
            headings = outline_mod.parse(_read(target.path) or "").headings
    line = 0
    if target.anchor:
        i = links_mod.heading_index([h.title for h in headings], target.anchor)
        if i is not None:
            line = headings[i].line
    at = types.Position(line=line, character=0)
    return types.Location(uri=uri, range=types.Range(start=at, end=at))


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
        for s in _scaffolds(ls, doc)
    ]


STATUS_METHOD = "planLsp/status"


def plan_status(ls: PlanLanguageServer, params: Any) -> dict[str, Any] | None:
    """``planLsp/status {textDocument: {uri}}`` -> the plan's kind, Status and task progress
    (null for a document that is not open or not a plan)."""
    doc = ls.document(_uri_param(params))
    if doc is None:
        return None
    st = navigation.status(ls.analyze(doc))
    if st.kind is None:
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
    doc = ls.document(uri)
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
    kinds_by_name = {k.name: k for k in ls.kinds()}
    name = arg.get("template") or "plan"
    if name not in kinds_by_name:
        raise JsonRpcInvalidParams(
            f"plan.scaffold: no template '{name}' (known: {', '.join(sorted(kinds_by_name))})"
        )
    kind = kinds_by_name[name]
    doc = ls.document(uri)
    path = uri_to_path(uri)
    position = arg.get("position")
    text_now = doc.text if doc is not None else None
    if doc is None and path and Path(path).is_file():
        try:
            text_now = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise JsonRpcInvalidRequest(f"plan.scaffold: cannot read {path}: {exc}") from exc
    if text_now and text_now.strip() and position is None:
        raise JsonRpcInvalidRequest(
            "plan.scaffold: the document is not empty; it is never overwritten "
            '(pass "position": {"line": …, "character": …} to insert the template there)'
        )
    loop = asyncio.get_running_loop()
    context = await loop.run_in_executor(None, scaffold.discover, path)
    for key in ("feature", "issue", "author", "spec"):
        if isinstance(arg.get(key), str):
            context[key] = arg[key]
    fields = arg.get("fields")
    if isinstance(fields, dict):
        context.update({str(k): str(v) for k, v in fields.items()})
    try:
        text = scaffold.render(kind, context)
    except templates.TemplateError as exc:
        raise JsonRpcInvalidRequest(f"plan.scaffold: template {kind.name}: {exc.message}") from exc

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
            identifier="plan-lsp", inter_file_dependencies=False, workspace_diagnostics=False
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
    from plan_lsp.lsp import plans

    plans.register(ls)
