"""What the commands share: messages, exit statuses, templates folders and kinds, file reading.

Nothing here imports pygls or lsprotocol.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from plan_lsp.core.paths import is_markdown
from plan_lsp.workspace import files

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
SKIP_DIRS = {"node_modules", "__pycache__", "venv"}


def err(msg: str) -> None:
    print(f"plan-lsp: {msg}", file=sys.stderr)


def usage(msg: str) -> int:
    err(msg)
    return EXIT_USAGE


_REGISTRIES: dict[str, Any] = {}
_FOLDERS: dict[str, Path | None] = {}


def registry(folder: Path | None) -> Any:
    """The kinds of a templates folder (built once per folder; broken templates reported)."""
    from plan_lsp.core import kinds

    key = str(folder)
    if key not in _REGISTRIES:
        reg = kinds.Registry()
        if folder is not None:
            from plan_lsp.workspace.files import Files, load_folder

            load_folder(reg, folder, Files())
            for path, problems in sorted(reg.problems.items()):
                for p in problems:
                    where = f":{p.line + 1}" if p.line is not None else ""
                    err(f"{path}{where}: {p.message} (the template is not used)")
        _REGISTRIES[key] = reg
    return _REGISTRIES[key]


def folder_for(path: str) -> Path | None:
    """The templates folder governing ``path``: the nearest ancestor's, else the current one's;
    with none, a spec-kit repository's ``.specify/templates``."""
    from plan_lsp.core.paths import SPECKIT_DIR
    from plan_lsp.workspace.files import find_folder

    parent = os.path.dirname(os.path.abspath(path))
    if parent not in _FOLDERS:
        _FOLDERS[parent] = (
            find_folder(Path(parent))
            or find_folder(Path.cwd())
            or find_folder(Path(parent), SPECKIT_DIR)
            or find_folder(Path.cwd(), SPECKIT_DIR)
        )
    return _FOLDERS[parent]


def add_reading_options(p: Any, template_help: str) -> None:
    """The options ``check`` and ``status`` share: which template, the cache, the workers."""
    p.add_argument("--template", metavar="NAME|PATH", help=template_help)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache folder (default $PLAN_LSP_CACHE_DIR, else the user's cache folder)",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: one per core)",
    )


def resolve_template(spec: str | None, near: str | None = None) -> object:
    """The kind named by ``--template`` (a kind name or a template file), or None."""
    from plan_lsp.core import kinds, templates

    if spec is None:
        return None
    named = registry(folder_for(near or "x")).get(spec)
    if named is not None:
        return named
    p = Path(spec)
    if p.exists():
        try:
            text = files.read_text(p, files.MAX_TEMPLATE_BYTES)
            return kinds.load_kind(p.name.split(".")[0], text, str(p))
        except (OSError, ValueError) as exc:
            raise SystemExit(usage(f"cannot read template {spec}: {files.reason(exc)}")) from exc
        except templates.TemplateError as exc:
            where = f":{exc.line + 1}" if exc.line is not None else ""
            raise SystemExit(usage(f"template {spec}{where}: {exc.message}")) from exc
    raise SystemExit(usage(f"unknown template '{spec}' (a kind name or a template file)"))


def walk(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """Markdown files under ``paths``: (path, named explicitly). Never follows folder links."""
    for raw in paths:
        if os.path.isdir(raw):
            for folder, dirs, files in os.walk(raw, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for name in sorted(files):
                    if is_markdown(name):
                        yield os.path.join(folder, name), False
        else:
            yield raw, True


decode = files.decode
read_text = files.read_text
"""A file's text: a regular file under the size cap, opened without blocking; ``ValueError``
for binary or non-UTF-8 content, ``OSError`` otherwise (see :mod:`plan_lsp.workspace.files`)."""
