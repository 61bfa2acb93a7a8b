"""Stdio transport that reads ahead, so the server checks only when it is idle.

pygls reads stdin a line at a time through its thread pool, yielding to the event loop between
messages; a check scheduled after one keystroke then runs before the next keystroke is even read.
This reader has a thread that reads whatever the client has sent into a buffer; the message loop
takes messages from the buffer without yielding while any are there. So a burst of changes is
applied first, and the check that follows (``loop.call_soon``) sees only the newest version.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import BinaryIO


class ReadAheadReader:
    """An async reader (``readline``/``readexactly``) over a stream, filled by a thread."""

    def __init__(self, stream: BinaryIO, chunk: int = 1 << 16) -> None:
        self.stream = stream
        self.chunk = chunk
        self.buffer = bytearray()
        self.eof = False
        self._ready: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

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
            try:
                data = self._read()
            except OSError:
                data = b""
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

    async def _wait(self) -> None:
        assert self._ready is not None
        self._ready.clear()
        await self._ready.wait()

    async def readline(self) -> bytes:
        self._start()
        while True:
            i = self.buffer.find(b"\n")
            if i >= 0:
                line = bytes(self.buffer[: i + 1])
                del self.buffer[: i + 1]
                return line
            if self.eof:
                rest = bytes(self.buffer)
                self.buffer.clear()
                return rest
            await self._wait()

    async def readexactly(self, n: int) -> bytes:
        self._start()
        while len(self.buffer) < n and not self.eof:
            await self._wait()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data
