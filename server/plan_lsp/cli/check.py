"""``plan-lsp check``: find the plans under the given paths, check them, report.

Checks in parallel (worker processes forked with the kinds built), caches results (cache.py).
Imports neither pygls nor lsprotocol.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plan_lsp import __version__
from plan_lsp.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    decode,
    folder_for,
    registry,
    resolve_template,
    walk,
)

if TYPE_CHECKING:
    import argparse

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
        text, path, _KINDS[str(folder_for(path))], force=_FORCED[0], lookup=_LOOKUP[0]
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
    folders = {folder_for(path) for path, _ in files}
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
        _FORCED[0] = resolve_template(args.template)
        for path, _ in _JOBS:  # before the workers fork: they inherit the kinds
            governing = folder_for(path)
            if str(governing) not in _KINDS:
                _KINDS[str(governing)] = registry(governing).kinds()
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
    from plan_lsp.cli import output

    errors = unreadable = 0
    shown: list[dict[str, Any]] = []
    skipped: list[str] = []
    for rep in reports:
        if "error" in rep:
            unreadable += 1
            shown.append({"path": rep["path"], "kind": None, "error": rep["error"]})
            continue
        if rep.get("kind") is None:
            if rep["explicit"]:
                skipped.append(rep["path"])
            continue
        errors += sum(1 for f in rep["findings"] if f["severity"] == "error")
        shown.append({"path": rep["path"], "kind": rep["kind"], "findings": rep["findings"]})
    output.render(shown, skipped, fmt)
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if errors else EXIT_OK
