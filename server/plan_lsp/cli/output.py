"""``check``'s report formats: what one run found, printed for a person or a tool.

- ``text``: ``path:line:col: severity code message``, one line per finding.
- ``json``: ``{"files": [{"path", "kind", "findings": [...]}], "skipped": [{"path", "reason"}]}``.
- ``github``: GitHub Actions workflow commands, one ``::error``/``::warning``/``::notice`` per
  finding, shown as annotations on the pull request.
- ``sarif``: SARIF 2.1.0, for code scanning: rules with their help, regions, fixes.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from plan_lsp import __version__
from plan_lsp.cli.common import err

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


SKIP_REASON = (
    "no template claims it: its first heading matches no template's title and its path no "
    "template's applies-to glob (--template NAME checks it as that kind)"
)


def render(
    shown: list[dict[str, Any]],
    skipped: list[str],
    fmt: str,
    stream: TextIO | None = None,
    *,
    unclaimed: list[str] | None = None,
) -> None:
    """Print ``shown`` (per file: path, kind, findings or error) in ``fmt``; ``skipped`` are the
    files named explicitly that no template claims, ``unclaimed`` every file no template claims
    (listed with the reason in JSON: nothing is skipped silently)."""
    out = stream if stream is not None else sys.stdout
    if fmt == "text":
        for path in skipped:
            err(f"{path}: not a plan (no template matches); skipped, use --template plan")
    if fmt == "json":
        listed = [{"path": p, "reason": SKIP_REASON} for p in (unclaimed or skipped)]
        json.dump({"files": shown, "skipped": listed}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif fmt == "sarif":
        json.dump(sarif(shown), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        line = _github_line if fmt == "github" else _text_line
        lines = [line(rep["path"], f) for rep in shown for f in _findings(rep)]
        if lines:
            out.write("\n".join(lines) + "\n")
    out.flush()


def _findings(rep: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's findings; an unreadable file is one ``unreadable`` error on its first line."""
    if "error" in rep:
        return [
            {
                "line": 1,
                "column": 1,
                "endLine": 1,
                "endColumn": 1,
                "severity": "error",
                "code": "unreadable",
                "message": rep["error"],
                "fix": None,
            }
        ]
    findings: list[dict[str, Any]] = rep["findings"]
    return findings


def _text_line(path: str, f: dict[str, Any]) -> str:
    return f"{path}:{f['line']}:{f['column']}: {f['severity']} {f['code']} {f['message']}"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _github_line(path: str, f: dict[str, Any]) -> str:
    props = ",".join(
        f"{k}={_escape_property(str(v))}"
        for k, v in (
            ("file", _uri(path)),
            ("line", f["line"]),
            ("col", f["column"]),
            ("endLine", f["endLine"]),
            ("endColumn", f["endColumn"]),
            ("title", f["code"]),
        )
    )
    return f"::{_GITHUB_LEVEL[f['severity']]} {props}::{_escape_data(f['message'])}"


def _uri(path: str) -> str:
    """A report path as a relative URI reference (forward slashes, no leading ``./``)."""
    p = path.replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def rules() -> list[dict[str, Any]]:
    """Every code as a SARIF rule: its meaning (the README's table) and default level."""
    from plan_lsp.core.codes import CODES, DEFAULT_SEVERITY, DESCRIPTIONS, OTHER_CODES

    table = [(c, DEFAULT_SEVERITY[c], DESCRIPTIONS.get(c, c)) for c in CODES]
    table += [(c, sev, text) for c, (sev, text) in OTHER_CODES.items()]
    out = []
    for code, severity, text in table:
        plain = text.replace("`", "")
        sentence = plain[0].upper() + plain[1:] + "."
        out.append(
            {
                "id": code,
                "name": "".join(w.capitalize() for w in code.split("-")),
                "shortDescription": {"text": sentence},
                "fullDescription": {"text": sentence},
                "help": {
                    "text": f"{code}: {sentence}",
                    "markdown": f"`{code}`: {text[0].upper() + text[1:]}.",
                },
                "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
            }
        )
    return out


def _artifact(path: str) -> dict[str, str]:
    """Where a file is: relative to the current folder (``%SRCROOT%``), else an absolute URI."""
    from pathlib import Path

    full = os.path.abspath(path)
    rel = os.path.relpath(full) if not os.path.isabs(path) else None
    if rel is None or rel.startswith(".."):
        inside = full.startswith(os.getcwd().rstrip(os.sep) + os.sep)
        if not inside:
            return {"uri": Path(full).as_uri()}
        rel = os.path.relpath(full)
    return {"uri": _uri(rel), "uriBaseId": "%SRCROOT%"}


def _region(f: dict[str, Any]) -> dict[str, int]:
    return {
        "startLine": f["line"],
        "startColumn": f["column"],
        "endLine": f["endLine"],
        "endColumn": f["endColumn"],
    }


def sarif(shown: list[dict[str, Any]]) -> dict[str, Any]:
    """The SARIF 2.1.0 log of one run."""
    table = rules()
    index = {r["id"]: i for i, r in enumerate(table)}
    results = []
    for rep in shown:
        where = _artifact(rep["path"])
        for f in _findings(rep):
            code = f["code"]
            if code not in index:  # a code this table does not know yet: described by its name
                index[code] = len(table)
                table.append({"id": code, "shortDescription": {"text": code}})
            result: dict[str, Any] = {
                "ruleId": code,
                "ruleIndex": index[code],
                "level": _SARIF_LEVEL[f["severity"]],
                "message": {"text": f["message"]},
                "locations": [
                    {"physicalLocation": {"artifactLocation": where, "region": _region(f)}}
                ],
            }
            fix = f.get("fix")
            if fix:
                result["fixes"] = [
                    {
                        "description": {"text": fix["title"]},
                        "artifactChanges": [
                            {
                                "artifactLocation": where,
                                "replacements": [
                                    {
                                        "deletedRegion": _region(e),
                                        "insertedContent": {"text": e["newText"]},
                                    }
                                    for e in fix["edits"]
                                ],
                            }
                        ],
                    }
                ]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "plan-lsp",
                        "version": __version__,
                        "rules": table,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri()}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _root_uri() -> str:
    from pathlib import Path

    return Path.cwd().as_uri() + "/"
