"""Checking the workspace index's files in forked worker processes, beside the server's loop.

The index's first build checks every plan of the workspace (~2 ms each); one at a time in the
server's event loop, that is seconds for a thousand plans, and a keystroke arriving mid-check
waits for it. A :class:`Pool` forks a few workers (:func:`wanted`) that already hold everything
checking needs (the kinds, the options, the imported modules: the server's memory, copied on
write); each checks every k-th file and sends what it found back in small batches, pickled and
length-prefixed, through a pipe. The server reads the pipes without blocking
(``loop.add_reader``) and merges one batch at a time between other messages (see
``index.build``), so it only merges and keystrokes go first.

A worker, right after the fork, never touches the event loop, the stdin thread, stdout or
logging: its stdin and stdout are ``/dev/null`` (nothing can reach the LSP stream), it runs at a
lower priority (``os.nice``), and it leaves with ``os._exit``. It stops at its first failed write
(the server is gone: EPIPE). A worker that dies or sends what is not a well-formed batch leaves
the files it did not send to the server, which checks them itself. Every worker is killed and
reaped when its pool closes (a build that ends or is cancelled) and when the server exits
(:func:`stop_all`): none is left behind.

Where ``os.fork`` is missing (Pyodide, Windows) or ``PLAN_LSP_INDEX_WORKERS=0``, the index is
built in the loop as before.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import os
import pickle
import signal
import struct
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

ENV = "PLAN_LSP_INDEX_WORKERS"
"""Environment variable: how many worker processes check the index's files (0: none, the
server's loop checks them one at a time)."""
MAX_WORKERS = 2
"""Workers by default, at most (and no more than the processors this process may use)."""
BATCH_FILES = 16
BATCH_SECONDS = 0.02
"""A worker sends what it has after this many files or seconds, whichever comes first."""
NICE = 10
"""How much lower a worker's priority is than the server's (keystrokes first)."""
MAX_FRAME = 64 << 20
"""Bytes: a longer batch is garbage (the worker is stopped, its files checked in the server)."""
READ_CHUNK = 1 << 16
QUEUED = 4
"""Batches read and not yet merged past which the pipes are left unread (the workers wait)."""
_HEADER = struct.Struct("<Q")

LOST = object()
"""What :meth:`Pool.next` gives for a file no worker checked: the server checks it itself."""

_live: set[int] = set()
"""Workers forked and not yet reaped (for :func:`stop_all`)."""


def wanted() -> int:
    """How many workers to fork: ``PLAN_LSP_INDEX_WORKERS`` when set, else as many as the
    processors this process may use, at most :data:`MAX_WORKERS`; 0 without ``os.fork``."""
    if not hasattr(os, "fork"):
        return 0
    raw = os.environ.get(ENV, "").strip()
    if raw:
        with contextlib.suppress(ValueError):
            return max(0, min(int(raw), 32))
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def stop_all() -> None:
    """Kill and reap every worker still there (the server is exiting)."""
    for pid in list(_live):
        _kill(pid)


atexit.register(stop_all)


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)
    _live.discard(pid)


def _reaped(pid: int) -> bool:
    """Whether the worker ``pid`` is gone and reaped (without waiting)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        done = pid
    except OSError:
        return False
    if done:
        _live.discard(pid)
    return bool(done)


@dataclass(eq=False)
class _Worker:
    pid: int
    fd: int
    paths: list[str]
    wanted: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    buffer: bytearray = field(default_factory=bytearray)
    ended: bool = False
    """Its pipe is closed (at its end, or stopped by the server)."""
    failed: bool = False
    reading: bool = False


class _Plain(pickle.Unpickler):
    """Unpickles plain data only (lists, tuples, dicts, strings, numbers, None)."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")


class Pool:
    """Workers checking ``paths`` with ``compute(path)`` (its value must pickle as plain data);
    forked when made, from the running event loop. Take the results with :meth:`next`; always
    :meth:`close` it."""

    def __init__(self, paths: Sequence[str], compute: Callable[[str], Any], workers: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: deque[tuple[_Worker, bytes | None]] = deque()
        """Batches read (or None: that worker's end), in the order they came."""
        self.ready = asyncio.Event()
        self.workers: list[_Worker] = []
        self.open = 0
        """Workers whose end is not yet taken by :meth:`next`."""
        self.closed = False
        self.files = len(paths)
        self.lost = 0
        """Files given back to the server to check (a worker died, failed or sent garbage)."""
        workers = max(1, min(workers, len(paths)))
        for k in range(workers):
            self._fork(list(paths[k::workers]), compute)

    def _fork(self, share: list[str], compute: Callable[[str], Any]) -> None:
        inherited = [w.fd for w in self.workers if not w.ended]
        try:
            r, w = os.pipe()
        except OSError:
            r = w = -1
        pid = -1
        if r >= 0:
            try:
                with warnings.catch_warnings():  # Python 3.12+: forking with threads running
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pid = os.fork()
            except OSError:
                pid = -1
            if pid == 0:
                _child(w, share, compute, [r, *inherited])
        worker = _Worker(pid, r, share, set(share))
        self.workers.append(worker)
        self.open += 1
        if pid < 0:  # could not fork: the server checks these files itself
            for fd in (r, w):
                if fd >= 0:
                    os.close(fd)
            worker.ended = True
            self.queue.append((worker, None))
            self.ready.set()
            return
        _live.add(pid)
        os.close(w)
        os.set_blocking(r, False)
        self._read(worker, True)

    def _read(self, worker: _Worker, on: bool) -> None:
        if worker.ended or worker.reading == on:
            return
        worker.reading = on
        if on:
            self.loop.add_reader(worker.fd, self._readable, worker)
        else:
            self.loop.remove_reader(worker.fd)

    def _readable(self, worker: _Worker) -> None:
        try:
            data = os.read(worker.fd, READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._end(worker)
            return
        buf = worker.buffer
        buf += data
        start = 0
        while len(buf) - start >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buf, start)
            if size > MAX_FRAME:
                self._stop(worker)
                return
            if len(buf) - start - _HEADER.size < size:
                break
            begin = start + _HEADER.size
            self.queue.append((worker, bytes(buf[begin : begin + size])))
            start = begin + size
        if start:
            del buf[:start]
        if len(self.queue) >= QUEUED:
            for w in self.workers:
                self._read(w, False)
        self.ready.set()

    def _end(self, worker: _Worker) -> None:
        """Its pipe is closed: take no more from it."""
        if worker.ended:
            return
        self._read(worker, False)
        worker.ended = True
        with contextlib.suppress(OSError):
            os.close(worker.fd)
        worker.buffer = bytearray()
        self.queue.append((worker, None))
        self.ready.set()

    def _stop(self, worker: _Worker) -> None:
        """It sent garbage: stop it; the files it did not send are checked in the server."""
        worker.failed = True
        self._end(worker)
        _kill(worker.pid)

    def _decode(self, worker: _Worker, frame: bytes) -> list[tuple[str, Any]] | None:
        try:
            got = _Plain(io.BytesIO(frame)).load()
        except Exception:
            return None
        if not isinstance(got, list):
            return None
        seen: set[str] = set()
        for item in got:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                return None
            path = item[0]
            if path not in worker.wanted or path in worker.received or path in seen:
                return None
            seen.add(path)
        worker.received |= seen
        return got

    async def next(self) -> list[tuple[str, Any]] | None:
        """The next batch of ``(path, value)`` (:data:`LOST` for a file to check in the
        server); None once every worker has ended and everything it sent is taken."""
        while True:
            while self.queue:
                worker, frame = self.queue.popleft()
                if len(self.queue) < QUEUED:
                    for w in self.workers:
                        self._read(w, True)
                if frame is None:
                    self.open -= 1
                    if worker.pid > 0 and worker.pid in _live:
                        _reaped(worker.pid)
                    lost = [p for p in worker.paths if p not in worker.received]
                    worker.received.update(lost)
                    self.lost += len(lost)
                    if lost:
                        return [(p, LOST) for p in lost]
                    continue
                if worker.failed:
                    continue
                got = self._decode(worker, frame)
                if got is None:
                    self._stop(worker)
                    continue
                return got
            if self.open <= 0 or self.closed:
                return None
            self.ready.clear()
            await self.ready.wait()

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.pid > 0]

    def close(self) -> None:
        """Stop reading; kill and reap every worker still there."""
        self.closed = True
        for worker in self.workers:
            if not worker.ended:
                self._read(worker, False)
                worker.ended = True
                with contextlib.suppress(OSError):
                    os.close(worker.fd)
        for worker in self.workers:
            if worker.pid > 0 and worker.pid in _live:
                _kill(worker.pid)
        self.queue.clear()
        self.ready.set()


def _child(
    fd: int, paths: list[str], compute: Callable[[str], Any], inherited: list[int]
) -> NoReturn:
    """A worker: check ``paths``, send the results through ``fd``, leave."""
    status = 1
    try:
        for other in inherited:  # the other workers' pipes: the server's alone
            with contextlib.suppress(OSError):
                os.close(other)
        # Signals are no longer the server's business: no wake-up byte into its loop's pipe.
        with contextlib.suppress(ValueError):  # (only the main thread may; it is, as a rule)
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # whatever happens, nothing reaches the LSP stream
        if null > 1:
            os.close(null)
        with contextlib.suppress(OSError):
            os.nice(NICE)
        batch: list[tuple[str, Any]] = []
        sent = time.monotonic()
        for path in paths:
            # A file that fails is left out: the server checks it itself, and sees the error.
            with contextlib.suppress(Exception):
                batch.append((path, compute(path)))
            if len(batch) >= BATCH_FILES or time.monotonic() - sent >= BATCH_SECONDS:
                if batch:
                    _send(fd, batch)
                batch = []
                sent = time.monotonic()
        if batch:
            _send(fd, batch)
        status = 0
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _send(fd: int, batch: list[tuple[str, Any]]) -> None:
    data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]  # the server gone: EPIPE, and this worker leaves
