"""The files the client watches for the server (``client/registerCapability`` of
``workspace/didChangeWatchedFiles``): every workspace folder's templates folder and plan
template (``planLsp.template``), Markdown files (links point to them) and configuration files.
Registered after ``initialized`` and again, the old registration withdrawn first
(``client/unregisterCapability``), whenever what to watch changes: a workspace folder came or
went, settings or a configuration file named another templates folder or plan template."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from plan_lsp.lsp.server import PlanLanguageServer

WATCH_ID = "plan-lsp-templates"
ALWAYS = ["**/*.md", "**/.plan-lsp.toml", "**/pyproject.toml"]
"""Watched whatever the settings: link targets and configuration files."""
_GLOB_SPECIAL = "*?[]{}"


def _literal(part: str) -> str:
    """A folder name as a glob: characters globs treat specially match any one character."""
    return "".join("?" if c in _GLOB_SPECIAL else c for c in part)


def globs(ls: PlanLanguageServer) -> list[str]:
    """One glob per distinct templates folder (its path in its workspace folder, so that two
    folders naming the same one share it), then :data:`ALWAYS`."""
    ws = ls.ws
    out: list[str] = []
    roots: list[Path | None] = [*ws.roots()] or [None]
    for root in roots:
        folder = ws.templates_folder(root)
        if folder is None:  # outside the workspace (refused), or no workspace folder
            if root is not None:
                continue
            folder = Path(ws.settings.templates_dir)
        folder = Path(os.path.normpath(folder))  # ``../b/templates`` from a: b's
        parts: tuple[str, ...] = (folder.name,) if folder.name else ()
        for base in [root, *roots]:
            if base is not None and folder.is_relative_to(base) and folder != base:
                parts = folder.relative_to(base).parts
                break
        if not parts:
            continue
        glob = "**/" + "/".join(_literal(p) for p in parts) + "/*"
        if glob not in out:
            out.append(glob)
    # ``planLsp.template`` files that ``**/*.md`` leaves out (``plan.md.j2``), by their paths.
    for real in sorted({p for found in ws.plan_templates().values() for p in found}):
        if real.lower().endswith(".md"):
            continue
        parts = ()
        for base in roots:
            if base is not None and Path(real).is_relative_to(os.path.realpath(base)):
                parts = Path(real).relative_to(os.path.realpath(base)).parts
                break
        if not parts:
            continue  # outside the workspace folders: refused, not used
        glob = "**/" + "/".join(_literal(p) for p in parts)
        if glob not in out:
            out.append(glob)
    return out + [g for g in ALWAYS if g not in out]


class Watching:
    """What the client was last asked to watch (None: nothing registered)."""

    def __init__(self) -> None:
        self.globs: list[str] | None = None
        self.lock = asyncio.Lock()


def watching(ls: PlanLanguageServer) -> Watching:
    got: Watching | None = getattr(ls, "plan_watching", None)
    if got is None:
        got = Watching()
        ls.plan_watching = got  # type: ignore[attr-defined]
    return got


def update(ls: PlanLanguageServer) -> None:
    """Register the watchers again if the folders to watch changed (in the background)."""
    if not ls.client_supports("workspace.did_change_watched_files.dynamic_registration", False):
        return
    state = watching(ls)
    if state.globs is None or globs(ls) != state.globs:
        ls.run_task(watch(ls))


async def watch(ls: PlanLanguageServer) -> None:
    """Ask the client to tell about changes in every workspace folder's templates folder (and
    Markdown and configuration files); the registration before, if different, is withdrawn."""
    if not ls.client_supports("workspace.did_change_watched_files.dynamic_registration", False):
        return
    state = watching(ls)
    async with state.lock:  # one (un)registration at a time, in order
        wanted = globs(ls)
        if wanted == state.globs:
            return
        method = types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        if state.globs is not None:
            state.globs = None
            try:
                await asyncio.wait_for(
                    ls.client_unregister_capability_async(
                        types.UnregistrationParams(
                            unregisterations=[types.Unregistration(id=WATCH_ID, method=method)]
                        )
                    ),
                    10,
                )
            except Exception as exc:
                ls.log(f"plan-lsp: could not stop watching: {exc}", types.MessageType.Warning)
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in wanted]
        )
        try:
            await asyncio.wait_for(
                ls.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(id=WATCH_ID, method=method, register_options=options)
                        ]
                    )
                ),
                10,
            )
        except Exception as exc:
            ls.log(
                f"plan-lsp: could not watch the templates folders: {exc}", types.MessageType.Warning
            )
            return
        state.globs = wanted
