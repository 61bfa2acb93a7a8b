"""The ``check`` cache: results by content hash, for one version of templates and options.

Like ruff's cache, it lives in a folder of the project (``.plan-lsp-cache/`` in the current
folder unless told otherwise); an unchanged plan then costs a file read and a hash. Reading and
writing it needs neither the parser nor the templates engine. A cache that cannot be read or
written is ignored: checking never fails because of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

VERSION = "2"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    """Results keyed by file path and content digest, valid for one ``key``."""

    def __init__(self, folder: Path, key: str) -> None:
        self.file = folder / f"check-{VERSION}-{key}.json"
        self.folder = folder
        self.entries: dict[str, list[Any]] = {}
        self.dirty = False
        try:
            data = json.loads(self.file.read_text("utf-8"))
            if isinstance(data, dict):
                self.entries = data
        except (OSError, ValueError):
            pass

    def get(self, path: str, hashed: str) -> Any:
        """The result for ``path`` at content ``hashed``, if every file it depends on (the
        targets of its links) is as it was."""
        hit = self.entries.get(path)
        if hit is None or len(hit) != 3 or hit[0] != hashed:
            return None
        for dep, stamp in hit[2].items():
            if stamp_of(dep) != stamp:
                return None
        return hit[1]

    def put(self, path: str, hashed: str, value: Any, deps: dict[str, Any] | None = None) -> None:
        self.entries[path] = [hashed, value, deps or {}]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by plan-lsp.\n*\n", "utf-8")
            # Only this key's file is current: drop files of older template versions.
            for old in self.folder.glob(f"check-{VERSION}-*.json"):
                if old != self.file:
                    with contextlib.suppress(OSError):
                        old.unlink()
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.entries, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.file)
        except OSError:
            pass


def stamp_of(path: str) -> list[float] | None:
    """What must stay the same for a result depending on ``path``: size and modification time
    (None: the file does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime]


def key(*parts: str) -> str:
    """A cache key from everything results depend on (version, templates, options)."""
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
