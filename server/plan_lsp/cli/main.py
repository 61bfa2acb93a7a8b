"""Command line: ``plan-lsp`` serves LSP, ``check`` lints plans, ``new`` writes one.

``check`` and ``new`` never import pygls or lsprotocol: they start fast in CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

from plan_lsp import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MARKDOWN_SUFFIXES = (".md", ".markdown")
SKIP_DIRS = {"node_modules", "__pycache__", "venv"}


def _parser() -> argparse.ArgumentParser:
    import argparse

    p = argparse.ArgumentParser(
        prog="plan-lsp",
        description="Language server and checker for Markdown implementation plans.",
        epilog="With no command, serves the Language Server Protocol over stdio.",
    )
    p.add_argument("--version", action="version", version=f"plan-lsp {__version__}")
    p.add_argument("--stdio", action="store_true", help="serve LSP over stdio (the default)")
    p.add_argument("--tcp", action="store_true", help="serve LSP over TCP")
    p.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check plans and print findings")
    c.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--template", metavar="NAME|PATH", help="check every file as this kind")
    c.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    c.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache folder (default .plan-lsp-cache, or $PLAN_LSP_CACHE_DIR)",
    )
    c.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: one per core)",
    )

    n = sub.add_parser("new", help="write a new plan from the template")
    n.add_argument("path", metavar="PATH")
    n.add_argument("--feature", help="feature name (default: from the file name)")
    n.add_argument("--issue", help="issue id (default: from the git branch)")
    n.add_argument("--author", help="author (default: git user.name, else the login name)")
    n.add_argument("--spec", help="spec file to link (default: spec.md when it exists beside)")
    n.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="fill a template field (repeatable)",
    )
    n.add_argument("--template", metavar="NAME|PATH", help="template to use (default: plan)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given in ([], ["--stdio"]):  # the editor's way: serve at once, no option parsing
        from plan_lsp.lsp.server import serve

        serve()
        return EXIT_OK
    args = _parser().parse_args(given)
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "new":
            return cmd_new(args)
    except BrokenPipeError:  # e.g. ``plan-lsp check . | head``
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    from plan_lsp.lsp.server import serve

    serve(tcp=args.tcp, host=args.host, port=args.port)
    return EXIT_OK


def _err(msg: str) -> None:
    print(f"plan-lsp: {msg}", file=sys.stderr)


def _registry(folder: Path | None) -> Any:
    """The kinds of a templates folder (built once per folder; broken templates reported)."""
    from plan_lsp.core import kinds

    key = str(folder)
    if key not in _REGISTRIES:
        reg = kinds.Registry()
        if folder is not None:
            reg.load_folder(folder)
            for path, problems in sorted(reg.problems.items()):
                for p in problems:
                    where = f":{p.line + 1}" if p.line is not None else ""
                    _err(f"{path}{where}: {p.message} (the template is not used)")
        _REGISTRIES[key] = reg
    return _REGISTRIES[key]


_REGISTRIES: dict[str, Any] = {}
_FOLDERS: dict[str, Path | None] = {}


def _folder_for(path: str) -> Path | None:
    """The templates folder governing ``path``: the nearest ancestor's, else the current one's."""
    from plan_lsp.core.paths import find_folder

    parent = os.path.dirname(os.path.abspath(path))
    if parent not in _FOLDERS:
        _FOLDERS[parent] = find_folder(Path(parent)) or find_folder(Path.cwd())
    return _FOLDERS[parent]


def _resolve_template(spec: str | None, near: str | None = None) -> object:
    """The kind named by ``--template`` (a kind name or a template file), or None."""
    from plan_lsp.core import kinds, templates

    if spec is None:
        return None
    named = _registry(_folder_for(near or "x")).get(spec)
    if named is not None:
        return named
    p = Path(spec)
    if p.is_file():
        try:
            text = p.read_text("utf-8")
            return kinds.load_kind(p.name.split(".")[0], text, str(p))
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(_usage(f"cannot read template {spec}: {exc}")) from exc
        except templates.TemplateError as exc:
            where = f":{exc.line + 1}" if exc.line is not None else ""
            raise SystemExit(_usage(f"template {spec}{where}: {exc.message}")) from exc
    raise SystemExit(_usage(f"unknown template '{spec}' (a kind name or a template file)"))


def _usage(msg: str) -> int:
    _err(msg)
    return EXIT_USAGE


def walk(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """Markdown files under ``paths``: (path, named explicitly). Never follows folder links."""
    for raw in paths:
        if os.path.isdir(raw):
            for folder, dirs, files in os.walk(raw, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(files):
                    if name.lower().endswith(MARKDOWN_SUFFIXES):
                        yield os.path.join(folder, name), False
        else:
            yield raw, True


def decode(data: bytes) -> str:
    """A file's text; raises ``ValueError`` for binary or non-UTF-8 content."""
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from exc


def read_text(path: str) -> str:
    """A file's text; raises ``ValueError`` for binary or non-UTF-8 content, ``OSError``."""
    with open(path, "rb") as fh:
        return decode(fh.read())


# Set before the worker processes fork, read by them: the work and the kinds to check it with.
_JOBS: list[tuple[str, str]] = []
_KINDS: dict[str, list[Any]] = {}
_FORCED: list[Any] = [None]
_LOOKUP: list[Any] = []
PARALLEL_MIN = 64
"""Below this many files to check, one process is faster than starting workers."""


def _check_job(index: int) -> dict[str, Any]:
    from plan_lsp.core import engine

    path, text = _JOBS[index]
    if not _LOOKUP:
        from plan_lsp.core.links import disk_lookup

        _LOOKUP.append(disk_lookup())
    result = engine.check(
        text, path, _KINDS[str(_folder_for(path))], force=_FORCED[0], lookup=_LOOKUP[0]
    )
    return {
        "kind": result.kind.name if result.kind else None,
        # Files the result depends on (link targets), with their state when checked.
        "deps": _link_deps(result.outline, path),
        "findings": [
            {
                "line": f.span.start.line + 1,
                "column": f.span.start.character + 1,
                "endLine": f.span.end.line + 1,
                "endColumn": f.span.end.character + 1,
                "severity": f.severity,
                "code": f.code,
                "message": f.message,
            }
            for f in result.findings
        ],
    }


def _link_deps(outline: Any, path: str) -> dict[str, Any]:
    from plan_lsp.cli import cache
    from plan_lsp.core import links

    deps: dict[str, Any] = {}
    for sec in outline.sections:
        for link in sec.links:
            target = links.resolve(link, path).path
            if target is not None and target not in deps:
                deps[target] = cache.stamp_of(target)
    return deps


def _run_jobs(count: int, jobs: int) -> list[dict[str, Any]]:
    import multiprocessing

    workers = min(max(jobs, 1), os.cpu_count() or 1, max(1, count // (PARALLEL_MIN // 2)))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        # One process (or no fork, where workers could not see the jobs): check here.
        return [_check_job(i) for i in range(count)]
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    chunk = max(1, count // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        return list(pool.map(_check_job, range(count), chunksize=chunk))


def _cache_key(args: argparse.Namespace, folders: set[Path | None]) -> str:
    """Everything results depend on: version, templates (built-in and each folder's), options."""
    from plan_lsp.cli import cache
    from plan_lsp.core.paths import kind_name
    from plan_lsp.core.resources import builtin_text

    parts = [__version__, builtin_text(), args.template or ""]
    if args.template:
        with contextlib.suppress(OSError):
            parts.append(Path(args.template).read_text("utf-8", "replace"))
    for folder in sorted(folders, key=str):
        if folder is None:
            continue
        parts.append(str(folder))
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if kind_name(entry.name) is not None:
                try:
                    parts += [entry.name, entry.read_text("utf-8", "replace")]
                except OSError:
                    parts.append(entry.name)
    return cache.key(*parts)


def cmd_check(args: argparse.Namespace) -> int:
    from plan_lsp.cli import cache as cache_mod

    files = list(walk(args.paths))
    folders = {_folder_for(path) for path, _ in files}
    store = None
    if not args.no_cache:
        folder = Path(args.cache_dir or os.environ.get("PLAN_LSP_CACHE_DIR") or ".plan-lsp-cache")
        store = cache_mod.Cache(folder, _cache_key(args, folders))
    reports: list[dict[str, Any]] = []
    pending: list[tuple[int, str, str]] = []  # report index, cache path, digest
    _JOBS.clear()
    for path, explicit in files:
        entry: dict[str, Any] = {"path": path, "explicit": explicit}
        reports.append(entry)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            entry["error"] = f"cannot read: {exc.strerror or exc}"
            continue
        hashed = cache_mod.digest(data)
        where = os.path.abspath(path)
        hit = store.get(where, hashed) if store is not None else None
        if hit is not None:
            entry.update(hit)
            continue
        try:
            text = decode(data)
        except ValueError as exc:
            entry["error"] = f"cannot read: {exc}"
            continue
        pending.append((len(reports) - 1, where, hashed))
        _JOBS.append((path, text))
    if _JOBS:
        _FORCED[0] = _resolve_template(args.template)
        for path, _ in _JOBS:  # before the workers fork: they inherit the kinds
            governing = _folder_for(path)
            if str(governing) not in _KINDS:
                _KINDS[str(governing)] = _registry(governing).kinds()
        results = _run_jobs(len(_JOBS), args.jobs)
        for (index, where, hashed), result in zip(pending, results, strict=True):
            deps = result.pop("deps", {})
            reports[index].update(result)
            if store is not None:
                store.put(where, hashed, result, deps)
        _JOBS.clear()
    if store is not None:
        store.save()
    return _report(reports, args.format)


def _report(reports: list[dict[str, Any]], fmt: str) -> int:
    errors = unreadable = 0
    shown: list[dict[str, Any]] = []
    for rep in reports:
        if "error" in rep:
            unreadable += 1
            shown.append({"path": rep["path"], "kind": None, "error": rep["error"]})
            continue
        if rep.get("kind") is None:
            if rep["explicit"] and fmt == "text":
                _err(
                    f"{rep['path']}: not a plan (no template matches); skipped, use --template plan"
                )
            continue
        errors += sum(1 for f in rep["findings"] if f["severity"] == "error")
        shown.append({"path": rep["path"], "kind": rep["kind"], "findings": rep["findings"]})
    if fmt == "json":
        json.dump({"files": shown}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = []
        for rep in shown:
            if "error" in rep:
                out.append(f"{rep['path']}:1:1: error unreadable {rep['error']}")
                continue
            for f in rep["findings"]:
                out.append(
                    f"{rep['path']}:{f['line']}:{f['column']}: "
                    f"{f['severity']} {f['code']} {f['message']}"
                )
        if out:
            sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if errors else EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from plan_lsp.core import templates
    from plan_lsp.features import scaffold

    path = Path(args.path)
    if path.exists():
        return _usage(f"{path} already exists; not overwriting it")
    kind = _resolve_template(args.template, str(path)) or _registry(_folder_for(str(path))).get(
        "plan"
    )
    context = scaffold.discover(str(path.resolve()))
    for key in ("feature", "issue", "author", "spec"):
        value = getattr(args, key)
        if value is not None:
            context[key] = value
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            return _usage(f"--set expects FIELD=VALUE, got '{item}'")
        context[name.strip()] = value
    try:
        text = scaffold.render(kind, context)  # type: ignore[arg-type]
    except templates.TemplateError as exc:
        return _usage(f"cannot render the template: {exc.message}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        return _usage(f"{path} already exists; not overwriting it")
    except OSError as exc:
        return _usage(f"cannot write {path}: {exc.strerror or exc}")
    left = text.count("<<")
    print(f"Created {path}" + (f" ({left} fields to resolve)" if left else ""))
    return EXIT_OK
