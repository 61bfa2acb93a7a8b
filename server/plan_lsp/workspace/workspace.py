"""The workspace: everything the server knows, with no protocol in it.

A :class:`Workspace` holds the open documents (the server's own copy of their text), their
outlines and last check results, the settings, the kinds of document (built-in plan, team
templates) and what links point to. It answers the editor features in plain data (code-point
positions, :class:`~plan_lsp.core.codes.Finding`, :mod:`plan_lsp.features` values) and says,
after every event, which documents must be checked again (:class:`Recheck`).

The protocol layer (:mod:`plan_lsp.lsp`) drives it: it turns LSP messages into calls here and
the answers into LSP types, and decides when to publish. Tests drive it in-process the same way.
Every file read goes through :attr:`Workspace.files` (:mod:`plan_lsp.workspace.files`); messages
for the user go to :attr:`Workspace.reporter`.

Positions given to and returned by the workspace are code points (:class:`~plan_lsp.core.text.Pos`),
except the edits of :meth:`Workspace.change`, which come in the client's units
(:attr:`Workspace.encoding`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlparse

from plan_lsp.core import paths, settings
from plan_lsp.core.text import Pos, Span, TextEdit
from plan_lsp.workspace.config import Config, find_config
from plan_lsp.workspace.documents import UTF16, Document
from plan_lsp.workspace.files import (
    MAX_TEMPLATE_BYTES,
    Files,
    heading_lookup,
    inside,
    load_folder,
    read_text_or_none,
    reason,
)

if TYPE_CHECKING:
    from plan_lsp.core import engine, kinds, links, outline, templates
    from plan_lsp.core.codes import Finding
    from plan_lsp.core.engine import Result
    from plan_lsp.core.kinds import Kind, Registry
    from plan_lsp.core.links import Lookup
    from plan_lsp.core.outline import Outline
    from plan_lsp.features import actions, completion, navigation, scaffold
    from plan_lsp.workspace import context
else:  # loaded on first use: the server answers ``initialize`` before they are imported
    from plan_lsp.workspace.lazy import module

    engine = module("plan_lsp.core.engine")
    kinds = module("plan_lsp.core.kinds")
    links = module("plan_lsp.core.links")
    outline = module("plan_lsp.core.outline")
    templates = module("plan_lsp.core.templates")
    actions = module("plan_lsp.features.actions")
    completion = module("plan_lsp.features.completion")
    navigation = module("plan_lsp.features.navigation")
    scaffold = module("plan_lsp.features.scaffold")
    context = module("plan_lsp.workspace.context")

log = logging.getLogger("plan_lsp")


def uri_to_path(uri: str) -> str | None:
    """The local path of a ``file:`` URI (None for other schemes)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return path


class Reporter(Protocol):
    """Where the workspace's messages go (the server: the client's log and pop-ups)."""

    def log(self, message: str, level: str = "log") -> None:
        """A line for the log; ``level`` is ``log``, ``info``, ``warning`` or ``error``."""

    def warn(self, message: str) -> None:
        """A warning the user should see (logged, and shown where the host can)."""


class LogReporter:
    """A :class:`Reporter` writing to the ``plan_lsp`` logger (the default)."""

    def log(self, message: str, level: str = "log") -> None:
        log.log(logging.WARNING if level in ("warning", "error") else logging.INFO, message)

    def warn(self, message: str) -> None:
        log.warning(message)


@dataclass(frozen=True, slots=True)
class Change:
    """One content change of :meth:`Workspace.change`: ``text`` replacing the client range
    ``start``-``end`` ((line, column) in the client's units), or the whole text when
    ``start`` is None."""

    text: str
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None


@dataclass
class Recheck:
    """What an event made stale: ``uris`` to check again, or every open document (``all``:
    settings or a template changed)."""

    uris: list[str] = field(default_factory=list)
    all: bool = False

    def __bool__(self) -> bool:
        return self.all or bool(self.uris)

    def add(self, other: Recheck) -> None:
        self.all = self.all or other.all
        self.uris += [u for u in other.uris if u not in self.uris]


@dataclass(frozen=True, slots=True)
class Location:
    """Where go-to-definition lands: a document and a line (column 0)."""

    uri: str
    line: int


class ScaffoldError(Exception):
    """``plan.scaffold`` cannot proceed; ``bad_params`` when the arguments are at fault."""

    def __init__(self, message: str, *, bad_params: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bad_params = bad_params


class Workspace:
    """Open documents, their outlines and checks, settings, kinds and link lookups."""

    def __init__(
        self,
        files: Files | None = None,
        reporter: Reporter | None = None,
        roots: Callable[[], Sequence[Path]] | None = None,
    ) -> None:
        self.files = files or Files()
        """Every file read goes through here (:mod:`plan_lsp.workspace.files`)."""
        self.reporter: Reporter = reporter or LogReporter()
        self.roots: Callable[[], Sequence[Path]] = roots or (lambda: [])
        """The workspace folders (each with its own settings and templates folder)."""
        self.documents: dict[str, Document] = {}
        """Open documents by URI: the server's own copy of their text."""
        self.by_path: dict[str, Document] = {}
        """Open documents by file path (for links)."""
        self.results: dict[str, tuple[int | None, int, Result]] = {}
        """Last check per URI: (document version, settings generation, result)."""
        self.outlines: dict[str, Outline] = {}
        """Last outline per URI, brought up to date edit by edit (one section re-parsed)."""
        self.settings = settings.Settings()
        """Settings in force for the first workspace folder: its configuration file's, with
        the editor's settings over them (each folder's: :meth:`settings_for`)."""
        self.editor: tuple[settings.Settings, frozenset[str]] = (settings.Settings(), frozenset())
        """The editor's settings, and the keys it sets to other than their default."""
        self.folder_settings: dict[str, settings.Settings] = {}
        """Settings in force per workspace folder (its configuration file, the editor's over)."""
        self.composed = False
        """Whether :meth:`compose_settings` has run (settings are in force)."""
        self.configs: dict[str, Config] = {}
        """Configuration files by folder (found from the folder upwards)."""
        self.config_reported: set[str] = set()
        """Configuration files whose problems were last reported (to clear them when fixed)."""
        self.generation = 0
        """Bumped when settings or templates change: cached results are then stale."""
        self.init_options: dict[str, Any] | None = None
        """The ``planLsp`` part of ``initializationOptions`` (settings sent later merge over it)."""
        self.encoding = UTF16
        """The client's position units for :meth:`change`."""
        self.plan_kind: Kind | None = None
        """The plan kind in force in the first workspace folder (built-in unless
        ``planLsp.template`` names another)."""
        self._registries: dict[str, kinds.Registry] = {}
        """Kinds per workspace folder (``""``: with none): its templates folder's, its plan."""
        self.kinds_stale = True
        """Settings changed since the kinds were loaded: load them again on next use."""
        self._disk_lookup: Lookup | None = None
        self._targets: dict[str, tuple[Result, frozenset[str]]] = {}
        """Per document: the files its links point at, for its last check."""
        self._repositories: dict[str, str | None] = {}
        """Per folder, the nearest folder at or above it holding ``.git`` (None: none)."""

    # -- settings and kinds ----------------------------------------------------------------

    def apply_settings(self, raw: Any) -> Recheck:
        """New settings (the ``planLsp`` object): every document is checked again — unless
        they are those in force (the same settings, set the same way: clients send them again
        after changes that leave them as they were, and pull them right after
        ``initialize``), which change nothing: an empty :class:`Recheck`."""
        new, problems = settings.parse(raw)
        editor = (new, settings.explicit_keys(raw, new))
        if self.composed and editor == self.editor:
            return Recheck()
        for problem in problems:
            self.reporter.log(f"plan-lsp settings: {problem}", "warning")
        self.editor = editor
        return self.compose_settings()

    def compose_settings(self) -> Recheck:
        """Settings per workspace folder: defaults, then the folder's configuration file, then
        the settings the editor sets (to other than their default). Every document is checked
        again."""
        editor, keys = self.editor
        self.folder_settings = {}
        self._repositories.clear()  # a repository may have come (``git init``) or gone
        first: settings.Settings | None = None
        for root in self.roots():
            cfg = find_config(root, self.files, self.configs)
            merged = settings.merge(settings.merge(settings.Settings(), cfg.absolute(), cfg.keys),
                                    editor, set(keys))  # fmt: skip
            self.folder_settings[str(root)] = merged
            if first is None:
                first = merged
        self.settings = first if first is not None else editor
        self.composed = True
        self.kinds_stale = True  # loaded on next use (or by the warm-up after initialize)
        self.generation += 1
        self.reporter.log(f"plan-lsp settings: {self.settings}")
        return Recheck(all=True)

    def settings_for(self, path: str | None) -> settings.Settings:
        """The settings of the workspace folder holding ``path`` (see :meth:`folder_of`)."""
        root = self.folder_of(path)
        return self.folder_settings.get(str(root), self.settings) if root else self.settings

    def config_changed(self) -> Recheck:
        """A configuration file came, changed or went: read them again, check everything."""
        self.configs.clear()
        return self.compose_settings()

    def config_findings(self) -> dict[str, list[Finding]]:
        """Per configuration file in use, its problems as ``invalid-config`` findings; files
        reported before and now fine get ``[]`` (to clear what the editor shows)."""
        from plan_lsp.core.codes import Finding

        out: dict[str, list[Finding]] = {}
        for root in self.roots():
            cfg = find_config(root, self.files, self.configs)
            if cfg.path is None or not cfg.problems:
                continue
            out[cfg.path] = [
                Finding(
                    "invalid-config",
                    "error",
                    f"{p.message} (defaults apply)",
                    Span(Pos(p.line, p.column), Pos(p.line, p.column)),
                )
                for p in cfg.problems
            ]
        for gone in self.config_reported - set(out):
            out[gone] = []
        self.config_reported = {p for p, f in out.items() if f}
        return out

    def folder_of(self, path: str | None) -> Path | None:
        """The workspace folder holding ``path`` (the deepest); else the first (None: no
        folders). Its settings are :meth:`settings_for`'s, its kinds :meth:`kinds`'."""
        roots = self.roots()
        best: Path | None = None
        if path:
            for root in roots:
                r = str(root)
                inner = path == r or path.startswith(r.rstrip("/") + "/")
                if inner and (best is None or len(r) > len(str(best))):
                    best = root
        return best if best is not None else (roots[0] if roots else None)

    def registry_for(self, path: str | None = None) -> kinds.Registry:
        """The kinds of the workspace folder holding ``path`` (see :meth:`folder_of`): its own
        templates folder and plan template, last good versions in force."""
        if self.kinds_stale:
            self.load_kinds()
        root = self.folder_of(path)
        got = self._registries.get(str(root) if root is not None else "")
        if got is None:  # a folder the workspace did not have when the kinds were loaded
            self.load_kinds()
            got = self._registries.get(str(root) if root is not None else "", kinds.Registry())
        return got

    @property
    def registry(self) -> kinds.Registry:
        """The first workspace folder's kinds (see :meth:`registry_for`)."""
        return self.registry_for(None)

    def registries(self) -> list[kinds.Registry]:
        """The kinds of every workspace folder, first folder first."""
        if self.kinds_stale:
            self.load_kinds()
        return list(self._registries.values())

    def load_kinds(self) -> None:
        """(Re)load every workspace folder's kinds: its plan template and templates folder."""
        self.kinds_stale = False
        previous, self._registries = self._registries, {}
        roots: list[Path | None] = [*self.roots()] or [None]
        for root in roots:
            key = str(root) if root is not None else ""
            if key in self._registries:
                continue
            registry = previous.get(key) or kinds.Registry()  # broken templates keep their last
            self._registries[key] = registry  # good version
            registry.plan = self.load_plan_kind(root)
            self.load_templates(root, registry)
        self.plan_kind = next(iter(self._registries.values())).plan

    def kinds(self, path: str | None = None) -> list[Kind]:
        """The kinds in force for ``path`` (its workspace folder's): team templates, then the
        plan."""
        return self.registry_for(path).kinds()

    def options(self, path: str | None = None) -> engine.Options:
        """What the settings (of the workspace folder holding ``path``) change about checking."""
        s = self.settings_for(path)
        return engine.Options(
            severity=s.severity,
            optional=s.optional_sections,
            globs={"plan": s.globs},
            max_findings=s.max_diagnostics,
        )

    def warm_up(self) -> None:
        """Import what checking needs and build the kinds (the server does it right after
        answering ``initialize``, so the first document finds everything ready)."""
        from plan_lsp.features import actions, completion, navigation, scaffold  # noqa: F401

        outline.parser()
        kinds.builtin_plan()

    def root(self, path: str | None = None) -> str | None:
        """Where the root-relative links (``/docs/x.md``) of the document at ``path`` start: its
        repository's root, the nearest folder above it holding ``.git`` (as ``plan-lsp check``
        has it); else the workspace folder holding it (the first for a document outside them,
        or with no ``path``). Links are still followed only inside the workspace folders."""
        if path and os.path.isabs(path):
            repository = self._repository(os.path.dirname(path))
            if repository is not None:
                return repository
        folder = self.folder_of(path)
        return str(folder) if folder is not None else None

    def _repository(self, folder: str) -> str | None:
        """The nearest folder at or above ``folder`` holding ``.git`` (None: none)."""
        if folder in self._repositories:
            return self._repositories[folder]
        seen: list[str] = []
        here, found = folder, None
        while True:
            if here in self._repositories:
                found = self._repositories[here]
                break
            seen.append(here)
            if self.files.info(os.path.join(here, ".git")) is not None:
                found = here
                break
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        for f in seen:
            self._repositories[f] = found
        return found

    def templates_folder(self, root: Path | None = None) -> Path | None:
        """The templates folder ``planLsp.templatesDir`` (as set for the workspace folder
        ``root``, the first by default) names, relative to that folder; None when it lies
        outside the workspace (symlinks resolved), like ``planLsp.template``: a workspace's
        settings cannot bring in templates from elsewhere. With the default, when the folder has
        no ``.plan-templates``, a spec-kit repository's ``.specify/templates``."""
        roots = self.roots()
        root = root if root is not None else (roots[0] if roots else None)
        folder = Path(self.settings_for(str(root) if root else None).templates_dir)
        if not folder.is_absolute():
            if root is None:
                return None
            default = folder == Path(paths.DEFAULT_DIR)
            folder = root / folder
            if default and not self._is_dir(folder) and self._is_dir(root / paths.SPECKIT_DIR):
                folder = root / paths.SPECKIT_DIR
        if roots and not inside(folder, roots):
            return None  # ``/etc``, ``../..``, or a symlink leading out
        return folder

    def _is_dir(self, path: Path) -> bool:
        info = self.files.info(str(path))
        return info is not None and info.is_dir

    def load_templates(self, root: Path | None, registry: Registry) -> None:
        """(Re)load the templates folder of the workspace folder ``root`` into ``registry``;
        open template buffers count with their text."""
        folder = self.templates_folder(root)
        if folder is None:
            named = self.settings_for(str(root) if root else None).templates_dir
            if self.roots() and named:
                self.reporter.warn(
                    f"plan-lsp: templates folder {named} is outside the workspace; no team "
                    "templates are used"
                )
            for gone in list(registry.texts):  # those of a folder named before
                registry.load(gone, None)
            registry.folder = None
            return
        load_folder(registry, folder, self.files)
        for doc in self.documents.values():
            local = uri_to_path(doc.uri)
            template = None if local is None else self._template_in(registry, local)
            if template is not None:
                registry.load(template, doc.text)
        for path, problems in registry.problems.items():
            for p in problems:
                where = f":{p.line + 1}" if p.line is not None else ""
                self.reporter.log(f"plan-lsp: template {path}{where}: {p.message}", "warning")
        names = ", ".join(k.name for k in registry.kinds())
        self.reporter.log(f"plan-lsp: templates folder {folder}; kinds: {names}")

    def template_path(self, uri: str) -> str | None:
        """The path of ``uri`` when it is a template of a workspace folder's templates folder."""
        path = uri_to_path(uri)
        if path is None or kinds.kind_name(path) is None:
            return None
        for registry in self.registries():
            found = self._template_in(registry, path)
            if found is not None:
                return found
        return None

    @staticmethod
    def _template_in(registry: Registry, path: str) -> str | None:
        """``path`` as a template of ``registry``'s folder (None: it is not one)."""
        folder = registry.folder
        if folder is None or kinds.kind_name(path) is None:
            return None
        try:
            inside = Path(path).resolve().parent == folder.resolve()
        except OSError:
            return None
        return str(folder / Path(path).name) if inside else None

    def template_changed(self, path: str, text: str | None) -> Recheck:
        """A template was edited, saved, created or deleted (``text`` None): re-derive it in
        every workspace folder it serves; every document is checked again."""
        problems: list[kinds.Problem] = []
        for registry in self.registries():
            if self._template_in(registry, path) is not None:
                registry.load(path, text)
                problems = registry.problems.get(path, [])
        for p in problems:
            where = f":{p.line + 1}" if p.line is not None else ""
            self.reporter.log(f"plan-lsp: template {path}{where}: {p.message}", "warning")
        self.generation += 1
        return Recheck(all=True)

    def load_plan_kind(self, root: Path | None = None) -> Kind:
        """The plan kind of the workspace folder ``root`` (the first by default): from its
        ``planLsp.template`` (relative to it) when set and safe, else the built-in."""
        roots = self.roots()
        root = root if root is not None else (roots[0] if roots else None)
        path = self.settings_for(str(root) if root else None).template
        if not path:
            self.reporter.log("plan-lsp: plan template: the built-in one")
            return kinds.builtin_plan()
        candidate = Path(path)
        if not candidate.is_absolute() and root is not None:
            candidate = root / candidate
        try:
            resolved = Path(self.files.resolve(str(candidate)))
        except OSError as exc:
            self.reporter.warn(
                f"plan-lsp: template {path} cannot be read ({exc}); using the built-in plan"
            )
            return kinds.builtin_plan()
        if roots and not any(resolved.is_relative_to(r.resolve()) for r in roots):
            self.reporter.warn(
                f"plan-lsp: template {path} is outside the workspace; using the built-in plan"
            )
            return kinds.builtin_plan()
        try:
            text = self.files.read_text(str(resolved), MAX_TEMPLATE_BYTES)
            kind = kinds.load_kind("plan", text, str(resolved))
        except (OSError, ValueError) as exc:
            self.reporter.warn(
                f"plan-lsp: template {path} cannot be read ({reason(exc)}); using the built-in plan"
            )
            return kinds.builtin_plan()
        except templates.TemplateError as exc:
            where = f" line {exc.line + 1}" if exc.line is not None else ""
            self.reporter.warn(
                f"plan-lsp: template {path}{where}: {exc.message}; using the built-in plan"
            )
            return kinds.builtin_plan()
        self.reporter.log(f"plan-lsp: plan template {resolved}")
        return kind

    # -- documents -------------------------------------------------------------------------

    @staticmethod
    def is_markdown(uri: str, language_id: str) -> bool:
        return language_id == "markdown" or paths.is_markdown(uri)

    def document(self, uri: str) -> Document | None:
        """The open document at ``uri``."""
        return self.documents.get(uri)

    def open(
        self, uri: str, text: str, version: int | None, language_id: str = "markdown"
    ) -> Recheck | None:
        """The editor opened a document (None: not Markdown, ignored)."""
        if not self.is_markdown(uri, language_id):
            return None
        doc = Document.open(uri, text, version, language_id)
        self.documents[doc.uri] = doc
        path = uri_to_path(doc.uri)
        if path is not None:
            self.by_path[path] = doc
        out = self.links_changed(path)  # links to it may now arrive
        template = self.template_path(uri)
        if template is not None:
            out.add(self.template_changed(template, doc.text))  # an open template counts
        out.add(Recheck([uri]))
        return out

    def change(self, uri: str, version: int | None, changes: Sequence[Change]) -> Recheck | None:
        """The editor changed an open document (None: not open)."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        for change in changes:
            if change.start is not None and change.end is not None:
                doc.edit(change.start, change.end, change.text, version, self.encoding)
            else:
                doc.replace_all(change.text, version)
        out = Recheck()
        template = self.template_path(uri)
        if template is not None:
            out.add(self.template_changed(template, doc.text))
        out.add(Recheck([uri]))
        return out

    def close(self, uri: str) -> Recheck:
        """The editor closed a document: forget it (a template goes back to its file)."""
        template = self.template_path(uri)
        doc = self.documents.pop(uri, None)
        path = uri_to_path(uri)
        if doc is not None and path is not None and self.by_path.get(path) is doc:
            del self.by_path[path]
        out = Recheck()
        if template is not None:  # back to what is on disk (or gone)
            text = read_text_or_none(self.files, template, MAX_TEMPLATE_BYTES)
            out.add(self.template_changed(template, text))
        self.results.pop(uri, None)
        self.outlines.pop(uri, None)
        self._targets.pop(uri, None)
        return out

    def file_changed(self, uri: str, how: str) -> Recheck:
        """A file was ``created``, ``changed`` or ``deleted`` on disk."""
        if Path(uri_to_path(uri) or uri).name in settings.CONFIG_NAMES:
            self.reporter.log(f"plan-lsp: configuration {uri} {how}")
            return self.config_changed()
        if self.is_plan_template(uri_to_path(uri), self.plan_templates()):
            self.reporter.log(f"plan-lsp: plan template {uri} {how}")
            self.kinds_stale = True  # read again on next use, in every folder naming it
            self.generation += 1
            return Recheck(all=True)
        template = self.template_path(uri)
        if template is None:
            return self.links_changed(uri_to_path(uri))  # a file links may point to
        if self.document(uri) is not None:
            return Recheck()  # an open template: the editor's text wins
        text = (
            None
            if how == "deleted"
            else read_text_or_none(self.files, template, MAX_TEMPLATE_BYTES)
        )
        self.reporter.log(f"plan-lsp: template {template} {how}")
        return self.template_changed(template, text)

    def plan_templates(self) -> dict[str, set[str]]:
        """The ``planLsp.template`` files the workspace folders name (relative to each): their
        paths, symlinks resolved, by file name (the name and the resolved one)."""
        out: dict[str, set[str]] = {}
        roots: list[Path | None] = [*self.roots()] or [None]
        for root in roots:
            named = self.settings_for(str(root) if root else None).template
            if not named:
                continue
            candidate = Path(named)
            if not candidate.is_absolute() and root is not None:
                candidate = root / candidate
            real = os.path.realpath(candidate)
            for name in (candidate.name, os.path.basename(real)):
                out.setdefault(name, set()).add(real)
        return out

    @staticmethod
    def is_plan_template(path: str | None, named: dict[str, set[str]]) -> bool:
        """Whether ``path`` is one of the ``named`` plan templates (:meth:`plan_templates`)."""
        if path is None:
            return False
        found = named.get(os.path.basename(path))  # by name first: a checkout sends thousands
        return found is not None and os.path.realpath(path) in found

    def files_changed(self, changes: Sequence[tuple[str, str]]) -> Recheck:
        """Files ``created``, ``changed`` or ``deleted`` on disk, as (uri, how), in one batch (a
        checkout or a build can send thousands at once): the configuration is read again once,
        templates are re-derived one by one, the documents whose links point at any of the
        other files are found in one pass."""
        out = Recheck()
        paths: set[str] = set()
        configured = False
        named = self.plan_templates()
        for uri, how in changes:
            if Path(uri_to_path(uri) or uri).name in settings.CONFIG_NAMES:
                if not configured:  # the configuration is read again once per batch
                    configured = True
                    out.add(self.file_changed(uri, how))
            elif self.template_path(uri) is not None or self.is_plan_template(
                uri_to_path(uri), named
            ):
                out.add(self.file_changed(uri, how))
            elif (path := uri_to_path(uri)) is not None:
                paths.add(path)
        if paths:
            out.add(self.links_changed(paths))
        return out

    def link_targets(self, uri: str, result: Result) -> frozenset[str]:
        """The files the links of a checked document point at (found once per check)."""
        hit = self._targets.get(uri)
        if hit is not None and hit[0] is result:
            return hit[1]
        here = uri_to_path(uri)
        root = self.root(here)
        targets = frozenset(
            t
            for s in result.outline.sections
            for link in s.block.links
            if (t := links.resolve(link, here, root).path) is not None
        )
        self._targets[uri] = (result, targets)
        return targets

    def links_changed(self, path: str | set[str] | None = None) -> Recheck:
        """Forget the checks of the documents whose links point to ``path`` (or any of a set of
        paths; None: any document with links), since what they point to may have come or gone;
        they are to be re-checked."""
        changed = {path} if isinstance(path, str) else path
        stale = []
        for uri, (_, _, result) in list(self.results.items()):
            targets = self.link_targets(uri, result)
            if targets and (changed is None or not targets.isdisjoint(changed)):
                del self.results[uri]
                self._targets.pop(uri, None)
                stale.append(uri)
        return Recheck(stale)

    # -- checking --------------------------------------------------------------------------

    def outline(self, doc: Document) -> Outline:
        """``doc``'s outline, updated from the last one by the edits since (or parsed anew)."""
        prev = self.outlines.get(doc.uri)
        region = outline.merge_changes(doc.changed_lines)
        doc.changed_lines.clear()
        if prev is None:
            parsed = outline.parse_lines(doc.content_lines())
        elif region is None:
            parsed = prev
        else:
            first, old, new = region
            lines = prev.lines[:first] + doc.content_lines(first, first + new)
            lines += prev.lines[first + old :]
            parsed = outline.update(prev, lines, first, old, new)
        self.outlines[doc.uri] = parsed
        return parsed

    def check(self, doc: Document) -> Result:
        """The check of ``doc`` at its current version (cached)."""
        hit = self.results.get(doc.uri)
        if hit is not None and hit[0] == doc.version and hit[1] == self.generation:
            return hit[2]
        path = uri_to_path(doc.uri) or urlparse(doc.uri).path
        result = engine.check(
            "",
            path,
            self.kinds(path),
            self.options(path),
            outline=self.outline(doc),
            lookup=self.lookup,
            root=self.root(path),
        )
        self.results[doc.uri] = (doc.version, self.generation, result)
        return result

    def analyze(self, uri: str) -> Result | None:
        """The check of the open document ``uri`` at its current version (None: not open)."""
        doc = self.documents.get(uri)
        return None if doc is None else self.check(doc)

    def lookup(self, path: str) -> list[str] | None:
        """Heading titles of the document at ``path``: its open text first, else the file's
        (None: no such file)."""
        doc = self.by_path.get(path)
        if doc is not None:
            return self.outline(doc).anchor_titles
        if self._disk_lookup is None:
            # Links are followed only inside the workspace folders (else the current folder).
            self._disk_lookup = heading_lookup(self.files, lambda _: self.link_roots())
        return self._disk_lookup(path)

    def findings(self, uri: str) -> list[Finding] | None:
        """What is wrong with the open document ``uri``: a template's problems
        (``invalid-template``) or the check's findings (None: not open)."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        template = self.template_path(uri)
        if template is None:
            return self.check(doc).findings
        from plan_lsp.core.codes import Finding

        out = []
        problems = next(
            (r.problems[template] for r in self.registries() if template in r.problems), []
        )
        for p in problems:
            line = p.line if p.line is not None else 0
            line = max(0, min(line, doc.line_count - 1))
            span = Span(Pos(line, 0), Pos(line, len(doc.line(line))))
            out.append(Finding("invalid-template", "error", p.message, span))
        return out

    # -- features --------------------------------------------------------------------------

    def completions(
        self,
        uri: str,
        pos: Pos,
        *,
        snippets: bool,
        scaffolds: Sequence[completion.Scaffold] | None = None,
    ) -> list[completion.Item] | None:
        """Completion items at ``pos`` (None: not open); on a blank document, one scaffold per
        kind (``scaffolds``, else :meth:`scaffolds`)."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        result = self.check(doc)
        found = list(scaffolds if scaffolds is not None else self.scaffolds(uri))
        if not doc.is_blank():
            found = []
        return completion.complete(result, pos, found, snippets=snippets)

    def scaffolds(self, uri: str) -> list[completion.Scaffold]:
        """Each kind's template rendered for a new document at ``uri`` (templates that fail to
        render are logged and left out)."""
        path = uri_to_path(uri)
        known = context.discover(path)
        out = []
        for kind in self.kinds(path):
            try:
                text = scaffold.render(kind, known)
            except templates.TemplateError as exc:
                self.reporter.log(f"plan-lsp: template {kind.name}: {exc.message}", "warning")
                continue
            out.append(completion.Scaffold(kind.name, kind.description, text))
        return out

    def hover(self, uri: str, pos: Pos) -> tuple[str, Span] | None:
        """Markdown describing what the template asks for at ``pos``, and the span it covers."""
        result = self.analyze(uri)
        return None if result is None else navigation.hover(result, pos)

    def symbols(self, uri: str) -> list[navigation.Symbol] | None:
        """The outline of the open document ``uri``, as nested symbols."""
        result = self.analyze(uri)
        return None if result is None else navigation.symbols(result.outline)

    def folding(self, uri: str) -> list[tuple[int, int]] | None:
        """Folding ranges (first line, last line), one per section."""
        result = self.analyze(uri)
        return None if result is None else navigation.folding(result.outline)

    def status(self, uri: str) -> navigation.Status | None:
        """Kind, Status and task progress of the open document ``uri`` (None: not open, or
        of no kind)."""
        result = self.analyze(uri)
        if result is None:
            return None
        st = navigation.status(result)
        return None if st.kind is None else st

    def fixes(self, uri: str, findings: Sequence[Finding]) -> list[actions.Fix]:
        """Quick fixes editing ``uri`` for ``findings`` (from its last check)."""
        result = self.analyze(uri)
        return [] if result is None else actions.fixes(result, findings)

    def fix_all(self, uri: str) -> list[TextEdit] | None:
        """Every fix safe to apply unattended (``check --fix``'s, one implementation:
        :func:`actions.fix_all`), as edits of the open document ``uri`` (None: not open; ``[]``:
        nothing to fix). Each round re-checks the text as the document: its kind, settings and
        links."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        current = self.check(doc)
        if self.template_path(uri) is not None or current.kind is None:
            return []
        path = uri_to_path(doc.uri) or urlparse(doc.uri).path
        kinds_, options, root = self.kinds(path), self.options(path), self.root(path)
        old = doc.text

        def check(text: str) -> Result:
            if text == old:  # the document as it is: its check is done (and cached)
                return current
            return engine.check(text, path, kinds_, options, lookup=self.lookup, root=root)

        fixed, rounds = actions.fix_all(old, check)
        return actions.edits_between(old, fixed) if rounds else []

    def link_roots(self) -> list[Path]:
        """The folders links are followed into (and files created in): the workspace folders;
        with none, the folders of the open documents."""
        roots = list(self.roots())
        if not roots:
            roots = sorted({Path(p).parent for p in self.by_path}) or [Path.cwd()]
        return roots

    def new_file_fixes(self, findings: Sequence[Finding]) -> list[actions.NewFile]:
        """For each link to a missing file inside the workspace: create it from the kind its
        name suggests. The title names the file by its path in the workspace; nothing is ever
        created outside it (``..`` past the root, an absolute path, a symlinked folder)."""
        roots = [Path(os.path.realpath(r)) for r in self.link_roots()]
        out = []
        for f in findings:
            if (
                f.code != "broken-link"
                or f.data.get("missing") != "file"
                or not f.data.get("target")
            ):
                continue
            target = str(f.data["target"])
            if not os.path.isabs(target) or not inside(target, roots):
                continue
            real = Path(os.path.realpath(target))
            root = next(r for r in roots if real.is_relative_to(r))
            kind = kinds.suggest(target, self.kinds(target))
            try:
                text = scaffold.render(kind, context.discover(target))
            except templates.TemplateError:
                continue
            where = real.relative_to(root).as_posix()
            title = f"Create '{where}' from the {kind.name} template"
            out.append(actions.NewFile(title, target, text, f))
        return out

    def definition(self, uri: str, pos: Pos) -> Location | None:
        """On a relative link at ``pos``: the document it points to, at the heading its anchor
        names (line 0 without one, or when the heading is not there)."""
        result = self.analyze(uri)
        if result is None:
            return None
        sec = result.outline.section_at(pos.line)
        link = next((x for x in (sec.links if sec else []) if x.span.contains(pos)), None)
        if link is None:
            return None
        here = uri_to_path(uri)
        root = self.root(here)
        if links.is_absolute(link.target) and not (root and links.root_relative(link.target)):
            return None  # never followed
        target = links.resolve(link, here, root)
        if target.path is None:
            headings = result.outline.headings
        else:
            try:
                if self.lookup(target.path) is None:
                    return None
            except links.Refused:
                return None  # outside the workspace, or not a regular file: not followed
            uri = Path(target.path).as_uri()
            open_doc = self.document(uri)
            if open_doc is not None:
                headings = self.outline(open_doc).headings
            else:
                text = read_text_or_none(self.files, target.path)
                headings = outline.parse(text or "").headings
        line = 0
        if target.anchor:
            i = links.heading_index([h.title for h in headings], target.anchor)
            if i is not None and i < len(headings):
                line = headings[i].line
        return Location(uri, line)

    # -- scaffolding command ---------------------------------------------------------------

    def scaffold_kind(self, name: str | None, uri: str | None = None) -> Kind:
        """The kind ``plan.scaffold`` renders (``plan`` by default), among those of the
        workspace folder of ``uri``."""
        kinds_by_name = {k.name: k for k in self.kinds(uri_to_path(uri) if uri else None)}
        name = name or "plan"
        if name not in kinds_by_name:
            known = ", ".join(sorted(kinds_by_name))
            raise ScaffoldError(
                f"plan.scaffold: no template '{name}' (known: {known})", bad_params=True
            )
        return kinds_by_name[name]

    def current_text(self, uri: str) -> str | None:
        """The text ``plan.scaffold`` would write into: the open document's, else the file's
        (None: no such file)."""
        doc = self.documents.get(uri)
        if doc is not None:
            return doc.text
        path = uri_to_path(uri)
        info = self.files.info(path) if path else None
        if path is None or info is None or info.is_dir:
            return None
        try:
            return self.files.read_text(path)
        except (OSError, ValueError) as exc:
            raise ScaffoldError(f"plan.scaffold: cannot read {path}: {reason(exc)}") from exc

    def render(self, kind: Kind, known: dict[str, str]) -> str:
        """``kind``'s template rendered with what is ``known``."""
        try:
            return scaffold.render(kind, known)
        except templates.TemplateError as exc:
            raise ScaffoldError(f"plan.scaffold: template {kind.name}: {exc.message}") from exc
