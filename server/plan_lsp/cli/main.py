"""Command line: ``plan-lsp`` serves LSP, ``check`` lints plans, ``new`` writes one.

``check`` and ``new`` never import pygls or lsprotocol: they start fast in CI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

from plan_lsp import __version__
from plan_lsp.cli.common import EXIT_OK


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

    from plan_lsp.cli import status

    status.add_parser(sub)
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
            from plan_lsp.cli.check import cmd_check

            return cmd_check(args)
        if args.command == "new":
            from plan_lsp.cli.new import cmd_new

            return cmd_new(args)
        if args.command == "status":
            from plan_lsp.cli.status import cmd_status

            return cmd_status(args)
    except BrokenPipeError:  # e.g. ``plan-lsp check . | head``
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    from plan_lsp.lsp.server import serve

    serve(tcp=args.tcp, host=args.host, port=args.port)
    return EXIT_OK
