"""Running hostile input in a child process with a memory ceiling and a deadline: a hang or a
blow-up is a failed test, not a stuck suite."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from typing import Any

MEMORY = 1 << 30
"""Address space the child may use (1 GiB): a multi-gigabyte allocation fails."""


def _child(fn: Callable[[], Any], out: Any, memory: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        out.put(("ok", repr(fn())))
    except MemoryError:
        out.put(("MemoryError", ""))
    except BaseException as exc:  # reported to the parent
        out.put((type(exc).__name__, str(exc) or traceback.format_exc()))


def bounded(fn: Callable[[], Any], timeout: float = 60, memory: int = MEMORY) -> tuple[str, str]:
    """``fn()`` in a forked child: ("ok", repr(result)) or (exception name, message). Fails the
    test when it runs past ``timeout`` seconds (a hang) or exhausts ``memory``."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, out, memory))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        os.kill(proc.pid, 9)
        proc.join()
        raise AssertionError(f"still running after {timeout} s")
    got: tuple[str, str] = out.get(timeout=5)
    assert got[0] != "MemoryError", "ran out of memory"
    return got
