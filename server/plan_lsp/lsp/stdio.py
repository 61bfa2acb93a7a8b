"""Stdio transport that reads ahead, so the server checks only when it is idle — with a bound.

pygls reads stdin a line at a time through its thread pool, yielding to the event loop between
messages; a check scheduled after one keystroke then runs before the next keystroke is even read.
This reader has a thread that reads whatever the client has sent into a buffer; the message loop
takes messages from the buffer without yielding while any are there. So a burst of changes is
applied first, and the check that follows (``loop.call_soon``) sees only the newest version.
The server asks :meth:`ReadAheadReader.waiting` before it checks, so a request sent right after
an edit (a completion after typing) is answered before the diagnostics of that edit are made.

Back-pressure: the thread stops reading once :data:`MAX_BUFFERED` bytes are read and not yet
taken by the message loop (in the buffer or on their way to it), and goes on when the loop has
taken them — unless the loop is waiting for the rest of one message longer than that, which it
then gets. So a client that sends without reading the answers (the server blocks writing them)
fills its own pipe, not the server's memory.
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
from typing import BinaryIO

MAX_BUFFERED = 4 << 20
"""Bytes read ahead and not yet taken, past which the reader waits."""
MAX_MESSAGE = 64 << 20
"""The longest message (or header line) kept: a longer one is read and dropped, as it comes."""


class ReadAheadReader:
    """An async reader (``readline``/``readexactly``) over a stream, filled by a thread."""

    def __init__(self, stream: BinaryIO, chunk: int = 1 << 16, limit: int = MAX_BUFFERED) -> None:
        self.stream = stream
        self.chunk = chunk
        self.limit = limit
        self.buffer = bytearray()
        self.eof = False
        self._ready: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._room = threading.Condition()
        self._pending = 0
        """Bytes read by the thread and not yet taken by the loop (guarded by ``_room``)."""
        self._starved = False
        """The loop waits for more than the buffer holds: read whatever the limit."""

    def waiting(self) -> bool:
        """Whether the client has sent something the message loop has not taken yet: read by
        the thread, or still in the pipe."""
        if self._pending > 0 or self.buffer:
            return True
        try:
            fd = self.stream.fileno()
            return bool(select.select([fd], [], [], 0)[0]) and not self.eof
        except (AttributeError, OSError, ValueError):
            return False

    def _start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._thread = threading.Thread(target=self._pump, name="plan-lsp-stdin", daemon=True)
        self._thread.start()

    def _read(self) -> bytes:
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return bytes(self.stream.read1(self.chunk))  # type: ignore[attr-defined]
        return os.read(fd, self.chunk)

    def _pump(self) -> None:
        while True:
            with self._room:
                while self._pending >= self.limit and not self._starved:
                    self._room.wait()
            try:
                data = self._read()
            except OSError:
                data = b""
            with self._room:
                self._pending += len(data)
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(self._feed, data)
            except RuntimeError:  # the loop is closed: the server is gone
                return
            if not data:
                return

    def _feed(self, data: bytes) -> None:
        if data:
            self.buffer += data
        else:
            self.eof = True
        assert self._ready is not None
        self._ready.set()

    def _take(self, n: int) -> bytes:
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        with self._room:
            self._pending -= len(data)
            self._starved = False
            self._room.notify()
        return data

    async def _wait(self) -> None:
        assert self._ready is not None
        if self._pending >= self.limit:
            with self._room:  # one message longer than the limit: let the thread go on
                self._starved = True
                self._room.notify()
        self._ready.clear()
        await self._ready.wait()

    async def readline(self) -> bytes:
        self._start()
        start = 0
        while True:
            i = self.buffer.find(b"\n", start)
            if i >= 0:
                return self._take(i + 1)
            if self.eof or len(self.buffer) >= MAX_MESSAGE:  # no line break: not a header
                return self._take(len(self.buffer))
            start = len(self.buffer)
            await self._wait()

    async def readexactly(self, n: int) -> bytes:
        self._start()
        if n > MAX_MESSAGE:  # drop it as it comes: the caller gets no JSON, a parse error
            while n > 0 and not (self.eof and not self.buffer):
                if not self.buffer:
                    await self._wait()
                n -= len(self._take(min(n, len(self.buffer))))
            return b""
        while len(self.buffer) < n and not self.eof:
            await self._wait()
        return self._take(n)
