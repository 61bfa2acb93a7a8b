"""``plan-lsp new``: write a new document from a template, never over an existing file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from plan_lsp.cli.common import EXIT_OK, folder_for, registry, resolve_template, usage

if TYPE_CHECKING:
    import argparse


def cmd_new(args: argparse.Namespace) -> int:
    from plan_lsp.core import templates
    from plan_lsp.features import scaffold
    from plan_lsp.workspace.context import discover

    path = Path(args.path)
    if path.exists():
        return usage(f"{path} already exists; not overwriting it")
    kind = resolve_template(args.template, str(path)) or registry(folder_for(str(path))).get("plan")
    context = discover(str(path.resolve()))
    for key in ("feature", "issue", "author", "spec"):
        value = getattr(args, key)
        if value is not None:
            context[key] = value
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            return usage(f"--set expects FIELD=VALUE, got '{item}'")
        context[name.strip()] = value
    try:
        text = scaffold.render(kind, context)  # type: ignore[arg-type]
    except templates.TemplateError as exc:
        return usage(f"cannot render the template: {exc.message}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        return usage(f"{path} already exists; not overwriting it")
    except OSError as exc:
        return usage(f"cannot write {path}: {exc.strerror or exc}")
    left = text.count("<<")
    print(f"Created {path}" + (f" ({left} fields to resolve)" if left else ""))
    return EXIT_OK
