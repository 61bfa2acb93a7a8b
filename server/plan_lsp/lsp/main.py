"""Starting the server: build it, register the handlers, serve over stdio or TCP."""

from __future__ import annotations

import gc
import logging
import sys

from plan_lsp.lsp import bytecode

bytecode.import_protocol()  # before any module below imports lsprotocol (start-up time)

from plan_lsp.lsp.handlers import register  # noqa: E402
from plan_lsp.lsp.server import PlanLanguageServer  # noqa: E402


def serve(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    """Serve LSP over stdio (default) or TCP."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = PlanLanguageServer()
    register(server)
    # Keep the young generations roomy so a keystroke on a large plan does not pay for a full
    # collection. (The long-lived imports are collected once and frozen after ``initialized``,
    # not here: that took ~25 ms of the start-up.)
    gc.set_threshold(20_000, 20, 20)
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
