"""``check``'s report formats: what one run found, printed for a person or a tool."""

from __future__ import annotations

import json
import sys
from typing import Any

from plan_lsp.cli.common import err


def render(shown: list[dict[str, Any]], skipped: list[str], fmt: str) -> None:
    """Print ``shown`` (per file: path, kind, findings or error) in ``fmt``; ``skipped`` are the
    files named explicitly that no template claims."""
    if fmt == "text":
        for path in skipped:
            err(f"{path}: not a plan (no template matches); skipped, use --template plan")
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
