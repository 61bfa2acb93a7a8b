"""The guarded fan-out: a feature that raises never breaks a request.

Every handler is registered through :func:`guarded`: an exception other than a JSON-RPC error
(which is the answer meant, e.g. invalid params) is logged with its traceback and the request is
answered with the handler's fallback (null, or an empty report) instead of an internal error. A
request answered by several independent parts (quick fixes: the fixes, the files to create)
runs each through :func:`part`, so one broken part leaves the others' answer intact.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from plan_lsp.lsp.server import PlanLanguageServer

T = TypeVar("T")
log = logging.getLogger("plan_lsp")


def failed(ls: PlanLanguageServer, what: str, exc: BaseException) -> None:
    """Log a feature that raised, with where it raised, to stderr and the client's log."""
    trace = "".join(traceback.format_exception(exc)).rstrip()
    log.error("plan-lsp: %s failed:\n%s", what, trace)
    ls.log(f"plan-lsp: {what} failed: {type(exc).__name__}: {exc}", types.MessageType.Error)


def part(ls: PlanLanguageServer, what: str, fn: Callable[..., list[T]], *args: Any) -> list[T]:
    """One part of an answer: ``fn(*args)``, or nothing (logged) when it raises."""
    try:
        return fn(*args)
    except JsonRpcException:
        raise
    except Exception as exc:
        failed(ls, what, exc)
        return []


def guarded(
    ls: PlanLanguageServer,
    what: str,
    handler: Callable[..., Any],
    fallback: Callable[[], Any] = lambda: None,
) -> Callable[..., Any]:
    """``handler`` answering ``fallback()`` (logged) instead of raising; JSON-RPC errors pass."""
    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def run_async(*args: Any) -> Any:
            try:
                return await handler(*args)
            except JsonRpcException:
                raise
            except Exception as exc:
                failed(ls, what, exc)
                return fallback()

        return run_async

    @functools.wraps(handler)
    def run(*args: Any) -> Any:
        try:
            return handler(*args)
        except JsonRpcException:
            raise
        except Exception as exc:
            failed(ls, what, exc)
            return fallback()

    return run


def guard_all(ls: PlanLanguageServer, fallbacks: dict[str, Callable[[], Any]]) -> None:
    """Guard every registered LSP feature and command of ``ls`` (done once, after registering);
    ``fallbacks`` gives the answer of a failed request when null is not a valid one."""
    fm = ls.protocol.fm
    for method, handler in list(fm.features.items()):
        fm.features[method] = guarded(ls, method, handler, fallbacks.get(method, lambda: None))
    for name, handler in list(fm.commands.items()):
        wrapped = guarded(ls, name, handler)
        if hasattr(handler, "func"):  # pygls reads a command's signature from it
            wrapped.func = handler.func  # type: ignore[attr-defined]
        fm.commands[name] = wrapped
