"""Lifecycle and settings: ``initialize``, ``initialized``, ``workspace/didChangeConfiguration``;
the file watchers' first registration (:mod:`plan_lsp.lsp.watch`) and the client-process watch."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from typing import Any

from lsprotocol import types

from plan_lsp import __version__
from plan_lsp.core.settings import SECTION
from plan_lsp.lsp import plans, watch
from plan_lsp.lsp.server import PlanLanguageServer, stop_workers


def initialize(ls: PlanLanguageServer, params: types.InitializeParams) -> None:
    """``initialize``: the position encoding, the ``planLsp`` initialization options."""
    encoding = ls.workspace.position_encoding or "utf-16"
    ls.ws.encoding = str(getattr(encoding, "value", encoding))
    opts = params.initialization_options
    if isinstance(opts, dict) and isinstance(opts.get(SECTION), dict):
        opts = opts[SECTION]
    ls.ws.init_options = opts if isinstance(opts, dict) else None
    ls.ws.apply_settings(ls.ws.init_options)
    ls.log(f"plan-lsp {__version__} on Python {sys.version.split()[0]}; encoding {ls.encoding}")


async def initialized(ls: PlanLanguageServer, params: types.InitializedParams) -> None:
    # ``initialize`` has been answered: now load what checking needs, on the loop (a lazily
    # imported module must not be loaded from two threads at once).
    """``initialized``: warm up, pull the settings, watch files and the client process."""
    ls.ws.warm_up()
    ls.publish_config()
    await _pull_configuration(ls)  # the client's first document is checked meanwhile
    # What is loaded by now (protocol, parser, templates) lives as long as the server: the
    # garbage its loading made is collected once, the rest frozen, so that no later collection
    # scans it (a keystroke then never pays for one).
    gc.collect()
    gc.freeze()
    plans.initialized(ls)  # index the workspace's plans in the background
    ls.run_task(watch.watch(ls))  # and again when the folders to watch change
    if ls.process_id:
        ls.run_task(_watch_parent(ls, ls.process_id))


def did_change_workspace_folders(
    ls: PlanLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    """``workspace/didChangeWorkspaceFolders`` (pygls has updated its list): each folder's
    configuration file is read again and every document checked again."""
    ls.recheck(ls.ws.config_changed())


async def _pull_configuration(ls: PlanLanguageServer) -> bool:
    """Pull the ``planLsp`` settings and apply them; whether they changed anything."""
    if not ls.client_supports("workspace.configuration", False):
        return False
    try:
        got = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            ),
            10,
        )
    except Exception as exc:
        ls.log(f"plan-lsp: could not read settings: {exc}", types.MessageType.Warning)
        return False
    raw = got[0] if got else None
    if isinstance(raw, dict):
        return _apply(ls, {**(ls.ws.init_options or {}), **raw})
    return False


def _apply(ls: PlanLanguageServer, raw: dict[str, Any]) -> bool:
    """Settings from the editor, unless they are those in force (then nothing happens, and
    False): the settings pulled right after ``initialize`` are most often the initialization
    options again, and applying them would reload the templates and make the client pull
    every diagnostic again (the first squiggle waited for that second round); and clients send
    ``workspace/didChangeConfiguration`` for changes that leave ours as they were."""
    stale = ls.ws.apply_settings(raw)
    if not stale:
        return False
    ls.recheck(stale)
    return True


async def _watch_parent(ls: PlanLanguageServer, pid: int) -> None:
    """Exit when the client process named in ``initialize`` is gone (LSP's processId rule)."""
    while True:
        await asyncio.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            ls.log(f"plan-lsp: client process {pid} is gone; exiting")
            stop_workers()
            os._exit(1)
        except PermissionError:
            pass  # alive, owned by someone else
        except OSError:
            return


async def did_change_configuration(
    ls: PlanLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    """``workspace/didChangeConfiguration``: new settings (sent, or pulled with
    ``workspace/configuration``); every document re-checked and the workspace indexed again.
    Settings equal to those in force change nothing."""
    raw = params.settings
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        changed = _apply(ls, {**(ls.ws.init_options or {}), **raw[SECTION]})
    else:
        changed = await _pull_configuration(ls)
    if changed:
        plans.initialized(ls)  # index the workspace's plans again, in the background
