"""The ``check`` cache: results by content hash, for one checker, its templates and options.

It lives in the user's cache folder (``$XDG_CACHE_HOME/plan-lsp``, ``~/.cache/plan-lsp``; the
platform's own on macOS and Windows), never in the repository by default; an unchanged plan then
costs a file read and a hash. Reading and writing it needs neither the parser nor the templates
engine.

The cache cannot change a result. A cache file is signed with a secret kept in the user's cache
folder (created on first use, readable by the user alone), so a file from elsewhere — committed
to a repository, copied, hand-written — is never trusted. Every entry is validated and bound to
the file's absolute path, its content hash, the checker's own code, the templates, the options,
and the state of every file its links point to (by absolute path). Anything unexpected — a file
that cannot be read, a signature that does not match, an entry of the wrong shape — means the
file is checked again. A cache that cannot be written is ignored and leaves nothing behind:
checking never fails because of it. The signed file itself is ``plan_lsp.workspace.cache``'s
(shared with the server's workspace index); what is here is the shape of a result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plan_lsp.workspace.cache import (
    SignedCache,
    default_folder,
    digest,
    fingerprint,
    key,
    stamp_of,
    user_folder,
    valid_summary_row,
)

__all__ = [
    "Cache",
    "checker_fingerprint",
    "default_folder",
    "digest",
    "key",
    "stamp_of",
    "user_folder",
    "valid_result",
]

VERSION = "4"
SEVERITIES = ("error", "warning", "information", "hint")


def checker_fingerprint() -> str:
    """A hash of the checker's own code: a changed checker never reads an older one's results."""
    return fingerprint("core", "features", "cli")


def _whole(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _valid_edit(e: Any) -> bool:
    return (
        isinstance(e, dict)
        and set(e) == EDIT_KEYS
        and all(_whole(e[k]) for k in ("line", "column", "endLine", "endColumn"))
        and isinstance(e["newText"], str)
    )


def _valid_fix(fix: Any) -> bool:
    return fix is None or (
        isinstance(fix, dict)
        and set(fix) == {"title", "edits"}
        and isinstance(fix["title"], str)
        and isinstance(fix["edits"], list)
        and all(_valid_edit(e) for e in fix["edits"])
    )


def _valid_finding(f: Any) -> bool:
    return (
        isinstance(f, dict)
        and set(f) == FINDING_KEYS
        and all(_whole(f[k]) for k in ("line", "column", "endLine", "endColumn"))
        and f["severity"] in SEVERITIES
        and isinstance(f["code"], str)
        and isinstance(f["message"], str)
        and _valid_fix(f["fix"])
    )


FINDING_KEYS = frozenset(
    ("line", "column", "endLine", "endColumn", "severity", "code", "message", "fix")
)
EDIT_KEYS = frozenset(("line", "column", "endLine", "endColumn", "newText"))


def valid_result(value: Any) -> bool:
    """Whether ``value`` has the exact shape of a checked file's result."""
    return (
        isinstance(value, dict)
        and set(value) == {"kind", "findings", "summary"}
        and (value["kind"] is None or isinstance(value["kind"], str))
        and (value["summary"] is None or valid_summary_row(value["summary"]))
        and isinstance(value["findings"], list)
        and all(_valid_finding(f) for f in value["findings"])
    )


class Cache(SignedCache):
    """Results keyed by absolute file path, valid for one content digest and one ``key``."""

    def __init__(self, folder: Path, key: str) -> None:
        super().__init__(folder, "check", f"{VERSION}-{key}", valid_result)

    def get(self, path: str, hashed: str) -> dict[str, Any] | None:
        """The result for ``path`` (absolute) at content ``hashed``, if the entry is well formed
        and every file it depends on (the targets of its links) is as it was."""
        value = super().get(path, hashed)
        if value is None:
            return None
        return {"kind": value["kind"], "findings": value["findings"], "summary": value["summary"]}
