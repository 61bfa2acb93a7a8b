"""Command line: ``plan-lsp`` serves LSP, ``check`` lints plans, ``new`` writes one.

``check`` and ``new`` never import pygls or lsprotocol: they start fast in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from plan_lsp import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
MARKDOWN_SUFFIXES = (".md", ".markdown")
SKIP_DIRS = {"node_modules", "__pycache__", "venv"}


def _parser() -> argparse.ArgumentParser:
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
    args = _parser().parse_args(argv)
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


def _resolve_template(spec: str | None) -> object:
    """The kind named by ``--template`` (a kind name or a template file), or None."""
    from plan_lsp import kinds, templates

    if spec is None:
        return None
    if spec == "plan":
        return kinds.builtin_plan()
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


def read_text(path: str) -> str:
    """A file's text; raises ``ValueError`` for binary or non-UTF-8 content, ``OSError``."""
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from exc


def cmd_check(args: argparse.Namespace) -> int:
    from plan_lsp import engine, kinds

    forced = _resolve_template(args.template)
    known = [kinds.builtin_plan()]
    options = engine.Options()
    reports: list[dict[str, object]] = []
    errors = unreadable = 0
    for path, explicit in walk(args.paths):
        try:
            text = read_text(path)
        except (OSError, ValueError) as exc:
            unreadable += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            reports.append({"path": path, "kind": None, "error": f"cannot read: {reason}"})
            continue
        result = engine.check(text, path, known, options, force=forced)  # type: ignore[arg-type]
        if result.kind is None:
            if explicit and args.format == "text":
                _err(f"{path}: not a plan (no template matches); skipped, use --template plan")
            continue
        errors += sum(1 for f in result.findings if f.severity == "error")
        reports.append(
            {
                "path": path,
                "kind": result.kind.name,
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
        )
    if args.format == "json":
        json.dump({"files": reports}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        out = []
        for rep in reports:
            if "error" in rep:
                out.append(f"{rep['path']}:1:1: error unreadable {rep['error']}")
                continue
            for f in rep["findings"]:  # type: ignore[attr-defined]
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
    from plan_lsp import kinds, scaffold, templates

    path = Path(args.path)
    if path.exists():
        return _usage(f"{path} already exists; not overwriting it")
    kind = _resolve_template(args.template) or kinds.builtin_plan()
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
