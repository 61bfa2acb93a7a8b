"""Progress of a long ``check`` on stderr: only on a terminal, and only past one second."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

DELAY = 1.0
"""Seconds of silence before progress shows."""
EVERY = 0.1
"""Seconds between two updates."""


class Progress:
    """``with Progress(total) as p: ... p.step()``: a "checked N/M files" line, redrawn in
    place, once the work has lasted :data:`DELAY`; erased when done. Nothing in a pipe or a log."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.live = self.stream.isatty()
        except (AttributeError, ValueError, OSError):
            self.live = False
        self.start = time.monotonic()
        self.next = self.start + DELAY
        self.shown = False

    def __enter__(self) -> Progress:
        return self

    def step(self, count: int = 1) -> None:
        self.done += count
        if not self.live:
            return
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + EVERY
        self.shown = True
        self._write(f"\rplan-lsp: checked {self.done}/{self.total} files")

    def __exit__(self, *exc: Any) -> None:
        if self.shown:
            self._write("\r\x1b[K")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.live = False
