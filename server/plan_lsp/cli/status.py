"""``plan-lsp status [PATH…]``: where every plan stands — kind, Status, progress, problems.

A table for a person (``text``), for a tool (``json``) or to paste into a pull request or a
README (``markdown``). Exits 1 when a plan contradicts its Status (a ``status-mismatch`` at error
level), 2 when a file cannot be read, else 0. Imports neither pygls nor lsprotocol.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from plan_lsp.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_reading_options

if TYPE_CHECKING:
    import argparse

FORMATS = ("text", "json", "markdown")


def add_parser(sub: Any) -> None:
    """The ``status`` subcommand's arguments (called by cli/main.py)."""
    s = sub.add_parser("status", help="where every plan stands: status, progress, problems")
    s.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    s.add_argument("--format", choices=FORMATS, default="text")
    add_reading_options(s, "read every file as this kind")


def rows(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per plan (a document some kind claims), unreadable file or configuration file
    with problems, from ``plan-lsp check``'s reports: the same files, configuration, cache and
    workers, so ``status`` and ``check`` never disagree on a plan."""
    out: list[dict[str, Any]] = []
    for rep in reports:
        path = rep["path"]
        if "error" in rep:
            out.append({"path": path, "error": rep["error"]})
        elif rep.get("config"):
            first = rep["findings"][0]
            out.append({"path": path, "error": f"{first['code']}: {first['message']}"})
        elif rep.get("kind") is None or rep.get("summary") is None:
            if rep["explicit"]:
                out.append({"path": path, "kind": None, "skipped": True})
        else:
            (title, kind, status, done, total, problems, errors, mismatch, line) = rep["summary"]
            out.append(
                {
                    "path": path,
                    "title": title,
                    "kind": kind,
                    "status": status,
                    "tasksDone": done,
                    "tasksTotal": total,
                    "problems": problems,
                    "errors": errors,
                    "mismatch": mismatch,
                    "mismatchLine": None if line is None else line + 1,
                    "mismatchIsError": any(
                        f["code"] == "status-mismatch" and f["severity"] == "error"
                        for f in rep["findings"]
                    ),
                }
            )
    return out


def cmd_status(args: argparse.Namespace) -> int:
    from plan_lsp.cli import check

    args.paths = list(args.paths) or ["."]
    if check.STDIN in args.paths:
        from plan_lsp.cli.common import usage

        return usage("status reads files, not standard input")
    args.fix = args.diff = False
    args.stdin_filename = None
    return check.collect(args, lambda reports, _: _print(rows(reports), args.format))


def _print(found: list[dict[str, Any]], fmt: str) -> int:
    plans = [r for r in found if "error" not in r and not r.get("skipped")]
    if fmt == "json":
        json.dump({"plans": found}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt == "markdown":
        sys.stdout.write(markdown(plans))
    else:
        sys.stdout.write(text(found))
    sys.stdout.flush()
    if any("error" in r for r in found):
        return EXIT_USAGE
    mismatched = any(r["mismatchIsError"] for r in plans)
    return EXIT_FINDINGS if mismatched else EXIT_OK


def progress(done: int, total: int) -> str:
    if not total:
        return "–"
    return f"{done}/{total} ({round(100 * done / total)}%)"


def text(found: list[dict[str, Any]]) -> str:
    """An aligned table, then one line per status mismatch and unreadable file."""
    table = [("PLAN", "KIND", "STATUS", "PROGRESS", "PROBLEMS")]
    notes: list[str] = []
    for r in found:
        if "error" in r:
            notes.append(f"{r['path']}:1:1: error unreadable {r['error']}")
        elif r.get("skipped"):
            notes.append(f"{r['path']}: not a plan (no template matches); skipped")
        else:
            table.append(
                (
                    r["path"],
                    r["kind"],
                    r["status"] or "–",
                    progress(r["tasksDone"], r["tasksTotal"]),
                    str(r["problems"]),
                )
            )
            if r["mismatch"]:
                notes.append(f"{r['path']}:{r['mismatchLine']}: {r['mismatch']}")
    if len(table) == 1:
        return "no plans found\n" + "".join(n + "\n" for n in notes)
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = []
    for row in table:
        cells = [row[i].ljust(widths[i]) if i < 3 else row[i].rjust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines + notes) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(plans: list[dict[str, Any]]) -> str:
    """A Markdown table linking each plan, progress as a fraction and a percentage."""
    out = ["| Plan | Kind | Status | Progress | Problems |", "|---|---|---|--:|--:|"]
    for r in plans:
        title = _cell(r["title"] or os.path.basename(r["path"]))
        link = r["path"].replace(os.sep, "/").removeprefix("./").replace(" ", "%20")
        status = _cell(r["status"] or "–")
        if r["mismatch"]:
            status += " ⚠️"
        out.append(
            f"| [{title}]({link}) | {r['kind']} | {status} | "
            f"{progress(r['tasksDone'], r['tasksTotal'])} | {r['problems']} |"
        )
    mismatches = [r for r in plans if r["mismatch"]]
    if mismatches:
        out.append("")
        for r in mismatches:
            out.append(f"⚠️ {_cell(r['title'] or r['path'])}: {_cell(r['mismatch'])}")
    return "\n".join(out) + "\n"
