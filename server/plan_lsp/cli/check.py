"""``plan-lsp check``: find the plans under the given paths, check them, report (or fix them).

Checks in parallel (worker processes forked with the kinds built) and caches results
(cache.py). Each file is checked with the settings of its configuration file (config.py).
Imports neither pygls nor lsprotocol.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plan_lsp import __version__
from plan_lsp.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    decode,
    err,
    folder_for,
    registry,
    resolve_template,
    usage,
    walk,
)
from plan_lsp.cli.config import Config, config_for

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from plan_lsp.core.engine import Result

STDIN = "-"
MAX_FILE_BYTES = 64 * 1024 * 1024
"""A file larger than this is reported, not checked."""


@dataclass
class Context:
    """How the files of one folder are checked: their configuration and templates folder."""

    config: Config
    templates: Path | None

    @property
    def key(self) -> str:
        return f"{self.config.path}\0{self.templates}"


_CONTEXTS: dict[str, Context] = {}


def _in_repository(path: Path, cfg: Config) -> bool:
    """Whether a path a configuration file names lies in that file's repository (symlinks
    resolved): a cloned repository's settings cannot read templates from elsewhere."""
    from plan_lsp.workspace.files import inside, repository_root

    return inside(path, [repository_root(cfg.path or os.path.join(os.getcwd(), "x"))])


def context_for(path: str) -> Context:
    cfg = config_for(path)
    if "templatesDir" in cfg.keys:
        named = cfg.resolve(cfg.settings.templates_dir)
        folder: Path | None = named if named.is_dir() and _in_repository(named, cfg) else None
    else:
        folder = folder_for(path)
    ctx = Context(cfg, folder)
    return _CONTEXTS.setdefault(ctx.key, ctx)


# Set before the worker processes fork, read by them: the work and how to check it.
_JOBS: list[tuple[str, str, str]] = []  # display path, absolute path, text
_KINDS: dict[str, list[Any]] = {}
_OPTIONS: dict[str, Any] = {}
_FORCED: list[Any] = [None]
_LOOKUP: list[Any] = []
_CACHING = [True]
"""Whether the results go to a cache (which keeps what each depends on)."""
_ROOT: list[Path] = [Path.cwd()]
"""Links are followed inside this folder: the repository of the file being checked."""
PARALLEL_MIN = 64
"""Below this many files to check, one process is faster than starting workers."""


_LOOKED: dict[tuple[str, str], tuple[list[str] | None, tuple[Any, ...] | None]] = {}
"""What the lookup said of a link target (its titles, or why it is refused), by target and
repository, for this run: a thousand plans linking to one spec look it up once. Forgotten
whenever ``--fix`` writes a file."""


def _lookup() -> Any:
    if not _LOOKUP:
        from plan_lsp.core.links import Refused
        from plan_lsp.workspace.files import Files, heading_lookup

        files = heading_lookup(Files(), lambda _: [_ROOT[0]])

        def lookup(path: str) -> list[str] | None:
            key = (path, str(_ROOT[0]))
            hit = _LOOKED.get(key)
            if hit is None:
                try:
                    hit = (files(path), None)
                except Refused as exc:
                    hit = (None, exc.args)
                _LOOKED[key] = hit
            if hit[1] is not None:
                raise Refused(*hit[1])
            return hit[0]

        _LOOKUP.append(lookup)
    return _LOOKUP[0]


def check_text(text: str, where: str) -> Result:
    """Check ``text`` as the file at ``where`` (absolute), with its folder's kinds and options."""
    from plan_lsp.core import engine
    from plan_lsp.workspace.files import repository_root

    ctx = context_for(where)
    _ROOT[0] = repository_root(where)
    return engine.check(
        text,
        where,
        _KINDS[ctx.key],
        _OPTIONS[ctx.key],
        force=_FORCED[0],
        lookup=_lookup(),
        root=str(_ROOT[0]),
    )


def _check_at(where: str, text: str) -> Result:
    return check_text(text, where)


def _check_job(index: int) -> dict[str, Any]:
    from plan_lsp.features.progress import summary

    _, where, text = _JOBS[index]
    result = check_text(text, where)
    return {
        "kind": result.kind.name if result.kind else None,
        "findings": findings_of(result),
        # The document at a glance (``plan-lsp status`` reads it; cached with the findings).
        "summary": summary(result).to_row() if result.kind is not None else None,
        # Files the result depends on (link targets, absolute), with their state when checked.
        "deps": _link_deps(result.outline, where) if _CACHING[0] else {},
    }


def findings_of(result: Result) -> list[dict[str, Any]]:
    """The findings of a result as plain data (1-based lines and columns), each with its
    preferred fix (the editor's quick fix) when it has one."""
    from plan_lsp.features import actions

    fix_of: dict[int, Any] = {}
    for one in actions.fixes(result, result.findings):
        if one.preferred:
            for f in one.findings:
                fix_of.setdefault(id(f), one)
    out = []
    for f in result.findings:
        fix = fix_of.get(id(f))
        out.append(
            {
                "line": f.span.start.line + 1,
                "column": f.span.start.character + 1,
                "endLine": f.span.end.line + 1,
                "endColumn": f.span.end.character + 1,
                "severity": f.severity,
                "code": f.code,
                "message": f.message,
                "fix": None
                if fix is None
                else {
                    "title": fix.title,
                    "edits": [
                        {
                            "line": e.span.start.line + 1,
                            "column": e.span.start.character + 1,
                            "endLine": e.span.end.line + 1,
                            "endColumn": e.span.end.character + 1,
                            "newText": e.new_text,
                        }
                        for e in fix.edits
                    ],
                },
            }
        )
    return out


def _link_deps(outline: Any, where: str) -> dict[str, Any]:
    from plan_lsp.cli import cache
    from plan_lsp.core import links
    from plan_lsp.workspace.files import repository_root

    deps: dict[str, Any] = {}
    for sec in outline.sections:
        for link in sec.links:
            root = str(repository_root(where))
            if links.is_absolute(link.target) and not links.root_relative(link.target):
                continue  # never followed
            target = links.resolve(link, where, root).path
            if target is None:
                continue
            target = os.path.abspath(target)
            if target not in deps:
                deps[target] = cache.stamp_of(target)
    return deps


def _run_jobs(count: int, jobs: int, progress: Any) -> list[dict[str, Any]]:
    import gc

    workers = min(max(jobs, 1), os.cpu_count() or 1, max(1, count // (PARALLEL_MIN // 2)))
    # What is built by now (modules, kinds) lives to the end: the collector need not scan it
    # again and again (3% of a cold check), nor a forked child copy it by scanning.
    gc.freeze()
    try:
        if workers <= 1 or not hasattr(os, "fork"):
            # One process (or no fork, where workers could not see the jobs): check here.
            out = []
            for i in range(count):
                out.append(_check_job(i))
                progress.step()
            return out
        return _forked(count, workers, progress)
    finally:
        gc.unfreeze()


def _forked(count: int, workers: int, progress: Any) -> list[dict[str, Any]]:
    """The jobs checked by ``workers`` processes: this one and ``workers - 1`` forked with the
    jobs and kinds in memory, each taking every ``workers``-th job; a child sends its results
    back pickled through a pipe when done. (Lighter than a process pool: no pool machinery to
    import and start, and this process checks too.) A child that fails leaves its jobs to be
    checked here, so a bug shows as it would in one process."""
    import pickle
    import signal

    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int, int]] = []  # (first job, pid, read end)
    try:
        for k in range(1, workers):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: check, send, leave without running any exit code
                status = 1
                try:
                    os.close(r)
                    done = [_check_job(i) for i in range(k, count, workers)]
                    with os.fdopen(w, "wb") as out:
                        out.write(pickle.dumps(done, pickle.HIGHEST_PROTOCOL))
                    status = 0
                finally:
                    os._exit(status)
            os.close(w)
            children.append((k, pid, r))
        results: list[dict[str, Any] | None] = [None] * count
        mine = range(0, count, workers)
        for n, i in enumerate(mine, 1):
            results[i] = _check_job(i)
            progress.step(n * count // len(mine) - progress.done)
        for k, pid, r in children:
            with os.fdopen(r, "rb") as inp:
                data = inp.read()
            _, status = os.waitpid(pid, 0)
            theirs = range(k, count, workers)
            part: Any = None
            try:
                part = pickle.loads(data) if status == 0 else None
            except Exception:  # a child cut short: its jobs are done here
                part = None
            if not isinstance(part, list) or len(part) != len(theirs):
                part = [_check_job(i) for i in theirs]
            for i, result in zip(theirs, part, strict=True):
                results[i] = result
        children.clear()
    finally:
        for _, pid, r in children:  # interrupted: no child left behind
            with contextlib.suppress(OSError):
                os.close(r)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    progress.step(count - progress.done)
    return [r for r in results if r is not None]


def _cache_key(args: argparse.Namespace, contexts: list[Context]) -> str:
    """Everything results depend on: the checker's code, templates, configurations, options."""
    from plan_lsp.cli import cache
    from plan_lsp.core.paths import kind_name
    from plan_lsp.core.resources import builtin_text
    from plan_lsp.workspace import files as fs

    parts = [__version__, cache.checker_fingerprint(), builtin_text(), args.template or ""]
    if args.template:
        with contextlib.suppress(OSError):
            parts.append(
                fs.read_bytes(args.template, fs.MAX_TEMPLATE_BYTES).decode("utf-8", "replace")
            )
    for ctx in sorted(contexts, key=lambda c: c.key):
        parts += [ctx.key, repr(ctx.config.settings)]
        if ctx.config.settings.template:
            with contextlib.suppress(OSError, ValueError):
                where = ctx.config.resolve(ctx.config.settings.template)
                parts.append(fs.read_text(where, fs.MAX_TEMPLATE_BYTES))
        folder = ctx.templates
        if folder is None:
            continue
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if kind_name(entry.name) is not None:
                try:
                    data = fs.read_bytes(entry, fs.MAX_TEMPLATE_BYTES)
                    parts += [entry.name, data.decode("utf-8", "replace")]
                except OSError:
                    parts.append(entry.name)
    return cache.key(*parts)


def _prepare(contexts: list[Context]) -> list[str]:
    """Build the kinds and options of each context (before workers fork); configuration and
    template problems, as messages."""
    from plan_lsp.core import engine, kinds, templates
    from plan_lsp.workspace import files as fs

    problems = []
    for ctx in contexts:
        if ctx.key in _KINDS:
            continue
        s = ctx.config.settings
        reg = registry(ctx.templates)
        kind_list = reg.kinds()
        if "templatesDir" in ctx.config.keys:
            folder = ctx.config.resolve(s.templates_dir)
            if folder.is_dir() and not _in_repository(folder, ctx.config):
                problems.append(
                    f"{ctx.config.path}: templatesDir {s.templates_dir} is outside the "
                    "repository; not used"
                )
        if s.template and not _in_repository(ctx.config.resolve(s.template), ctx.config):
            problems.append(
                f"{ctx.config.path}: template {s.template} is outside the repository; not used"
            )
        elif s.template:
            path = ctx.config.resolve(s.template)
            try:
                text = fs.read_text(path, fs.MAX_TEMPLATE_BYTES)
                plan = kinds.load_kind("plan", text, str(path))
                kind_list = [k for k in kind_list if k.name != "plan"] + [plan]
            except (OSError, ValueError) as exc:
                problems.append(
                    f"{ctx.config.path}: template {s.template} cannot be read: {fs.reason(exc)}"
                )
            except templates.TemplateError as exc:
                problems.append(f"{ctx.config.path}: template {s.template}: {exc.message}")
        _KINDS[ctx.key] = kind_list
        _OPTIONS[ctx.key] = engine.Options(
            severity=s.severity,
            optional=s.optional_sections,
            globs={"plan": s.globs},
            max_findings=s.max_diagnostics,
        )
    return problems


def _read(path: str) -> bytes:
    """A file's bytes: a regular file under the size cap, opened without blocking."""
    from plan_lsp.workspace import files as fs

    return fs.read_bytes(path, MAX_FILE_BYTES)


def cmd_check(args: argparse.Namespace) -> int:
    if args.paths.count(STDIN) > 1 or (STDIN in args.paths and len(args.paths) > 1):
        return usage("'-' (standard input) must be the only path")
    if args.stdin_filename and STDIN not in args.paths:
        return usage("--stdin-filename needs '-' as the path")
    if args.fix and args.diff:
        return usage("--fix and --diff do not go together (--diff shows what --fix would do)")
    return collect(args, _report)


def collect(args: argparse.Namespace, finish: Callable[[list[dict[str, Any]], Any], int]) -> int:
    """Read the files under ``args.paths``, take what the cache holds, check the rest (in
    parallel), then ``finish(reports, args)``: one report per file (``path``, ``explicit``,
    and ``error``, or ``kind``, ``findings`` and ``summary``), configuration problems first.
    With ``--fix``/``--diff``, fixes instead. ``plan-lsp status`` reads the same reports."""
    from plan_lsp.cli import cache as cache_mod
    from plan_lsp.cli.progress import Progress

    stdin = args.paths == [STDIN]
    if stdin:
        name = args.stdin_filename or "stdin.md"
        files = [(args.stdin_filename or "<stdin>", True)]
    else:
        files = list(walk(args.paths))
    fixing = args.fix or args.diff
    reports: list[dict[str, Any]] = []
    pending: list[tuple[int, str, str]] = []  # report index, absolute path, digest
    texts: list[tuple[int, str]] = []
    _JOBS.clear()
    _LOOKED.clear()  # (a run in the same process as an earlier one looks again)
    for path, explicit in files:
        entry: dict[str, Any] = {"path": path, "explicit": explicit}
        reports.append(entry)
        where = os.path.abspath(name if stdin else path)
        entry["where"] = where
        try:
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1) if stdin else _read(path)
            if len(data) > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            text = decode(data)
        except OSError as exc:
            entry["error"] = f"cannot read: {exc.strerror or exc}"
            continue
        except ValueError as exc:
            entry["error"] = f"cannot read: {exc}"
            continue
        entry["digest"] = cache_mod.digest(data)
        texts.append((len(reports) - 1, text))
    contexts = list({ctx.key: ctx for ctx in (context_for(r["where"]) for r in reports)}.values())
    store = None
    if not (args.no_cache or fixing or stdin):
        folder = Path(args.cache_dir) if args.cache_dir else cache_mod.default_folder()
        store = cache_mod.Cache(folder, _cache_key(args, contexts))
    for index, text in texts:
        entry = reports[index]
        hit = store.get(entry["where"], entry["digest"]) if store is not None else None
        if hit is not None:
            entry.update(hit)
            continue
        pending.append((index, entry["where"], entry["digest"]))
        _JOBS.append((entry["path"], entry["where"], text))
    config_problems = _config_reports(contexts)
    if _JOBS:
        _FORCED[0] = resolve_template(args.template)
        for message in _prepare(contexts):
            err(message)
        if fixing:
            return _fix(args, reports, pending, stdin)
        _CACHING[0] = store is not None
        with Progress(len(_JOBS)) as progress:
            results = _run_jobs(len(_JOBS), args.jobs, progress)
        for (index, where, hashed), result in zip(pending, results, strict=True):
            deps = result.pop("deps", {})
            reports[index].update(result)
            if store is not None:
                store.put(where, hashed, result, deps)
        _JOBS.clear()
    if store is not None:
        store.save()
    return finish(config_problems + reports, args)


def _config_reports(contexts: list[Context]) -> list[dict[str, Any]]:
    """Problems of the configuration files in use, as reports on those files."""
    seen: dict[str, dict[str, Any]] = {}
    for ctx in contexts:
        cfg = ctx.config
        if not cfg.problems or cfg.path is None or cfg.path in seen:
            continue
        seen[cfg.path] = {
            "path": os.path.relpath(cfg.path),
            "explicit": True,
            "kind": "config",
            "config": True,
            "findings": [
                {
                    "line": p.line + 1,
                    "column": p.column + 1,
                    "endLine": p.line + 1,
                    "endColumn": p.column + 1,
                    "severity": "error",
                    "code": "invalid-config",
                    "message": f"{p.message} (defaults apply)",
                    "fix": None,
                }
                for p in cfg.problems
            ],
        }
    return list(seen.values())


def _fix(
    args: argparse.Namespace,
    reports: list[dict[str, Any]],
    pending: list[tuple[int, str, str]],
    stdin: bool,
) -> int:
    """``--fix`` / ``--diff``: apply the preferred fixes, then report what remains."""
    from plan_lsp.cli import fix as fix_mod
    from plan_lsp.features import actions

    changed = 0
    for (index, where, _), (_, _, text) in zip(pending, _JOBS, strict=True):
        entry = reports[index]
        fixed, rounds = actions.fix_all(text, functools.partial(_check_at, where))
        result = check_text(fixed, where)
        entry["kind"] = result.kind.name if result.kind else None
        entry["findings"] = findings_of(result)
        if not rounds:
            if stdin and args.fix:
                sys.stdout.write(fixed)
            continue
        changed += 1
        if args.diff:
            sys.stdout.write(fix_mod.unified_diff(text, fixed, entry["path"]))
        elif stdin:
            sys.stdout.write(fixed)
        else:
            try:
                _write(entry["path"], fixed)
            except OSError as exc:
                entry.pop("findings", None)
                entry["error"] = f"cannot write: {exc.strerror or exc}"
    _JOBS.clear()
    if args.diff:
        sys.stdout.flush()
        return EXIT_FINDINGS if changed else EXIT_OK
    if stdin:  # the text went to stdout: findings go to stderr
        return _report(reports, args, stream=sys.stderr)
    return _report(reports, args)


def _write(path: str, text: str) -> None:
    """Replace a file's content, keeping its mode and the file a symlink points to."""
    import tempfile

    _LOOKED.clear()  # headings may change: links to this file are looked up again
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".plan-lsp-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8", "surrogatepass"))
        with contextlib.suppress(OSError):
            os.chmod(tmp, os.stat(real).st_mode & 0o7777)
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _report(reports: list[dict[str, Any]], args: argparse.Namespace, stream: Any = None) -> int:
    """Print the findings; the exit status (see the README's table)."""
    from plan_lsp.cli import output

    errors = warnings = unreadable = 0
    shown: list[dict[str, Any]] = []
    skipped: list[str] = []
    unclaimed: list[str] = []
    for rep in reports:
        if "error" in rep:
            unreadable += 1
            shown.append({"path": rep["path"], "kind": None, "error": rep["error"]})
            continue
        if rep.get("kind") is None:
            unclaimed.append(rep["path"])
            if rep["explicit"] and not args.quiet:
                skipped.append(rep["path"])
            continue
        if rep.get("config"):
            unreadable += 1
        errors += sum(1 for f in rep["findings"] if f["severity"] == "error")
        warnings += sum(1 for f in rep["findings"] if f["severity"] == "warning")
        shown.append({"path": rep["path"], "kind": rep["kind"], "findings": rep["findings"]})
    if unreadable:
        status = EXIT_USAGE
    elif errors or (args.max_warnings >= 0 and warnings > args.max_warnings):
        status = EXIT_FINDINGS
    else:
        status = EXIT_OK
    try:
        output.render(shown, skipped, args.format, stream or sys.stdout, unclaimed=unclaimed)
        if args.max_warnings >= 0 and warnings > args.max_warnings and not errors:
            err(f"{warnings} warnings, more than --max-warnings {args.max_warnings}")
    except BrokenPipeError:  # ``check … | head``: the reader left; the status stays the real one
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return status
