"""Signed caches in the user's cache folder: ``check``'s results (``plan_lsp.cli.cache``) and
the server's workspace index (``plan_lsp.workspace.index``).

A cache lives in the user's cache folder (``$XDG_CACHE_HOME/plan-lsp``, ``~/.cache/plan-lsp``; the
platform's own on macOS and Windows; ``$PLAN_LSP_CACHE_DIR`` overrides it), never in the
repository by default. It cannot change a result. A cache file is signed with a secret kept in the
user's cache folder (created on first use, readable by the user alone), so a file from elsewhere —
committed to a repository, copied, hand-written — is never trusted. Every entry is validated and
bound to the file's absolute path, its content hash, and the state of every file it depends on
(by absolute path); the file's name carries a key of everything else results depend on (the
code, templates, options). Anything unexpected — a file that cannot be read, a signature that
does not match, an entry of the wrong shape — means the file is checked again. A cache that
cannot be written is ignored and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_BYTES = 256 * 1024 * 1024
"""A cache file larger than this is ignored (and replaced)."""
STALE_SECONDS = 30 * 24 * 3600
"""A cache file unused this long is removed by the next run that writes a cache of its kind."""


def user_folder() -> Path:
    """The user's cache folder for plan-lsp, the platform's way."""
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "plan-lsp" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "plan-lsp"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "plan-lsp"


def default_folder() -> Path:
    """Where ``check`` caches: ``$PLAN_LSP_CACHE_DIR``, else the user's cache folder."""
    env = os.environ.get("PLAN_LSP_CACHE_DIR")
    return Path(env) if env else user_folder()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def secret() -> bytes | None:
    """The user's signing secret (made on first use), or None when it cannot be had."""
    folder = user_folder()
    path = folder / "secret"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None  # something else in its place (a FIFO, a device): no cache
            data = fh.read(65)
        if len(data) == 64:
            return data
    except OSError:
        pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = secrets.token_hex(32).encode("ascii")
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return data
    except OSError:
        return None


def sign(secret: bytes, body: bytes) -> str:
    return hmac.new(secret, body, hashlib.blake2b).hexdigest()


def _valid_stamp(stamp: Any) -> bool:
    return stamp is None or (
        isinstance(stamp, list)
        and len(stamp) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in stamp)
    )


def fingerprint(*subpackages: str) -> str:
    """A hash of the code of these subpackages of plan_lsp: changed code never reads an older
    one's results."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=16)
    for sub in subpackages:
        with contextlib.suppress(OSError):
            for f in sorted((package / sub).glob("*.py")):
                h.update(f"{sub}/{f.name}".encode())
                with contextlib.suppress(OSError):
                    h.update(f.read_bytes())
    return h.hexdigest()


class SignedCache:
    """Values keyed by absolute file path, valid for one content digest; stored in
    ``<folder>/<kind>-<key>.json`` (``kind``: ``check``, ``index``); ``valid`` tells a
    well-formed value."""

    def __init__(self, folder: Path, kind: str, key: str, valid: Callable[[Any], bool]) -> None:
        self.file = folder / f"{kind}-{key}.json"
        self.kind = kind
        self.valid = valid
        self.folder = folder
        self.entries: dict[str, Any] = {}
        self.dirty = False
        self.secret = secret()
        if self.secret is None:
            return
        try:
            self.entries = self._load()
        except Exception:  # anything at all: the cache is only ever a shortcut
            self.entries = {}

    def _load(self) -> dict[str, Any]:
        assert self.secret is not None
        try:
            fd = os.open(self.file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return {}
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return {}
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return {}
        mac, _, body = raw.partition(b"\n")
        if not hmac.compare_digest(mac, sign(self.secret, body).encode("ascii")):
            return {}
        data = json.loads(body)
        return data if isinstance(data, dict) else {}

    def get(self, path: str, hashed: str) -> Any:
        """The value for ``path`` (absolute) at content ``hashed``, if the entry is well formed
        and every file it depends on is as it was (else None)."""
        hit = self.entries.get(path)
        if not (isinstance(hit, list) and len(hit) == 3 and hit[0] == hashed):
            return None
        value, deps = hit[1], hit[2]
        if not self.valid(value) or not isinstance(deps, dict):
            return None
        for dep, stamp in deps.items():
            if not os.path.isabs(dep) or not _valid_stamp(stamp) or stamp_of(dep) != stamp:
                return None
        return value

    def put(self, path: str, hashed: str, value: Any, deps: dict[str, Any] | None = None) -> None:
        self.entries[path] = [hashed, value, deps or {}]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.secret is None:
            return
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gitignore = self.folder / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by plan-lsp.\n*\n", "utf-8")
            # The folder is shared by every project (one file per key): drop files unused for
            # a month, and any leftover of an interrupted write.
            import time

            now = time.time()
            mine = (f"{self.kind}-*.json", f"{self.kind}-*.tmp")
            for old in (*self.folder.glob(mine[0]), *self.folder.glob(mine[1])):
                with contextlib.suppress(OSError):
                    if old != self.file and now - old.stat().st_mtime > STALE_SECONDS:
                        old.unlink()
            body = json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))
            data = body.encode("utf-8", "surrogatepass")
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f"{self.kind}-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(sign(self.secret, data).encode("ascii") + b"\n" + data)
            os.replace(tmp, self.file)
            tmp = None
        except (OSError, ValueError):
            pass
        finally:
            if tmp is not None:  # a full disk, say: leave nothing half-written behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def stamp_of(path: str) -> list[float] | None:
    """What must stay the same for a result depending on ``path``: size and modification time
    (None: the file does not exist)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return [st.st_size, st.st_mtime_ns]


def key(*parts: str) -> str:
    """A cache key from everything results depend on (checker, templates, options)."""
    h = hashlib.blake2b(digest_size=12)
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


def count(n: object) -> bool:
    """Whether ``n`` is a whole number fit to be a line, column or count (not a bool)."""
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 1 << 40


def valid_summary_row(row: object) -> bool:
    """Whether ``row`` has the exact shape of ``Summary.to_row()``'s list (a document at a
    glance, kept by the check cache and the index's store)."""
    return (
        isinstance(row, list)
        and len(row) == 9
        and isinstance(row[0], str)
        and all(x is None or isinstance(x, str) for x in (row[1], row[2], row[7]))
        and all(count(x) for x in row[3:7])
        and (row[8] is None or count(row[8]))
    )
