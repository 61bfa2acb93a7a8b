"""Command line: ``plan-lsp`` serves LSP, ``check`` lints plans, ``new`` writes one.

``check`` and ``new`` never import pygls or lsprotocol: they start fast in CI.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

from plan_lsp import __version__
from plan_lsp.cli.common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_reading_options,
    err,
)


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
    c.add_argument("paths", nargs="+", metavar="PATH", help="files or folders ('-': stdin)")
    c.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default), json, github (workflow annotations) or sarif (SARIF 2.1.0)",
    )
    c.add_argument(
        "--fix", action="store_true", help="apply the preferred quick fixes, report what remains"
    )
    c.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff, write nothing"
    )
    c.add_argument(
        "--max-warnings",
        type=int,
        default=-1,
        metavar="N",
        help="exit 1 when there are more than N warnings (default: no limit)",
    )
    c.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no note for a file named that no template claims (hooks pass every Markdown file)",
    )
    c.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="with '-' as the path: check standard input as this file",
    )
    add_reading_options(c, "check every file as this kind")

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
        from plan_lsp.lsp.main import serve

        serve()
        return EXIT_OK
    args = _parser().parse_args(given)
    if args.command is not None:
        return run_command(args)
    from plan_lsp.lsp.main import serve

    serve(tcp=args.tcp, host=args.host, port=args.port)
    return EXIT_OK


COMMANDS = {
    "check": ("plan_lsp.cli.check", "cmd_check"),
    "new": ("plan_lsp.cli.new", "cmd_new"),
    "status": ("plan_lsp.cli.status", "cmd_status"),
}
"""Each command: the module and function running it (imported only when it runs)."""


def run_command(args: argparse.Namespace) -> int:
    """Run a command; whatever goes wrong inside it ends with its own exit status, never one a
    command gives (see the README's table): an internal error is 3, an interrupt 130."""
    import importlib

    module, name = COMMANDS[args.command]
    failure = ""
    try:
        status: int = getattr(importlib.import_module(module), name)(args)
        return status
    except KeyboardInterrupt:
        failure = "interrupted"
    except BrokenPipeError:  # the reader of stdout left before the command could say it all
        failure = "pipe"
    except MemoryError:
        failure = "internal error: MemoryError (out of memory)"  # reported once memory is back
    except Exception as exc:  # a bug: say so, never pass for "findings"
        import traceback

        with contextlib.suppress(Exception):
            traceback.print_exc(file=sys.stderr)
        failure = f"internal error: {type(exc).__name__}: {exc} (please report it)"
    # Out of the handler: the failed command's frames (and memory) are released.
    if failure == "pipe":
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
    with contextlib.suppress(Exception):
        err(failure)
    return EXIT_INTERRUPTED if failure == "interrupted" else EXIT_INTERNAL
