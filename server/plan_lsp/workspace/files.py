"""Reading the workspace's files: the one seam between plan-lsp and the file system.

Every read of a file's content or metadata that the server or ``plan-lsp check`` makes —
documents that are not open, link targets, team templates, the ``planLsp.template`` file, a file
``plan.scaffold`` would fill — goes through a :class:`Files`. Safety rules for untrusted
workspaces (a regular-file check, a size cap, confinement to the workspace) belong in
:meth:`Files.read_text` and :meth:`Files.read_bytes`; a host without a real file system (Pyodide)
gives the :class:`~plan_lsp.workspace.workspace.Workspace` another ``Files``.

Untrusted repositories: a plan, a template or a link may be a symlink to ``/dev/zero``,
``/dev/stdin`` or a FIFO (git stores symlinks), a huge file, or point outside the repository.
:func:`read_bytes` — the one function that reads a file's content, for the server and the
command line — opens without blocking (``O_NONBLOCK``: opening a FIFO with no writer returns at
once), refuses anything ``fstat`` does not call a regular file before reading a byte, and reads at
most ``cap + 1`` bytes. :func:`inside` says whether a path, symlinks resolved, lies in a root:
links are followed only inside the workspace (the command line: the repository, or the current
folder, :func:`repository_root`).

Reads raise :class:`OSError` (:class:`Unreadable` for what is refused, with ``strerror`` saying
why; :class:`UnicodeDecodeError` for text that is not UTF-8); the callers decide what a failure
means (a broken link, a template problem, an error answer).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from plan_lsp.core.paths import DEFAULT_DIR

if TYPE_CHECKING:
    from plan_lsp.core.kinds import Registry

MAX_BYTES = 5_000_000
"""The largest file read: plans, documents, link targets."""
MAX_TEMPLATE_BYTES = 1_000_000
"""The largest template or settings file read."""
LINK_TARGET_LIMIT = MAX_BYTES

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class Unreadable(OSError):
    """A file plan-lsp refuses to read (not a regular file, too large); ``strerror`` says why."""

    def __init__(self, path: str, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, path)


def size_text(cap: int) -> str:
    return f"{cap / 1_000_000:g} MB" if cap >= 1_000_000 else f"{cap:,} bytes"


def read_bytes(path: str | os.PathLike[str], cap: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes, opened without blocking.

    Raises :class:`Unreadable` for anything else (a device, FIFO, socket, folder, a file over
    ``cap``) and ``OSError`` when the file cannot be opened.
    """
    name = os.fspath(path)
    fd = os.open(name, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(name, "not a regular file")
        if st.st_size > cap:
            raise Unreadable(name, f"larger than {size_text(cap)}", errno.EFBIG)
        chunks: list[bytes] = []
        total = 0
        while total <= cap:
            data = os.read(fd, min(cap + 1 - total, 1 << 20))
            if not data:
                break
            chunks.append(data)
            total += len(data)
        if total > cap:  # it grew since fstat
            raise Unreadable(name, f"larger than {size_text(cap)}", errno.EFBIG)
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode(data: bytes) -> str:
    """A file's text; raises ``ValueError`` for binary or non-UTF-8 content."""
    if b"\0" in data[:8192]:
        raise ValueError("binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from exc


def read_text(path: str | os.PathLike[str], cap: int = MAX_BYTES) -> str:
    """A regular file's UTF-8 text (see :func:`read_bytes`); ``ValueError`` for binary or
    non-UTF-8 content, ``OSError`` (:class:`Unreadable` included) when it cannot be read."""
    return decode(read_bytes(path, cap))


def reason(exc: Exception) -> str:
    """What to say about a failed read."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def inside(path: str | os.PathLike[str], roots: Sequence[str | os.PathLike[str]]) -> bool:
    """Whether ``path``, symlinks resolved, lies in one of ``roots`` (resolved too)."""
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    for root in roots:
        try:
            if real.is_relative_to(os.path.realpath(root)):
                return True
        except (OSError, ValueError):
            continue
    return False


_ROOTS: dict[str, Path] = {}


def repository_root(start: str | os.PathLike[str]) -> Path:
    """The repository holding the file ``start``: the nearest folder above it with a ``.git``,
    else the current folder (what the command line follows links inside)."""
    here = os.path.dirname(os.path.abspath(start))
    hit = _ROOTS.get(here)
    if hit is None:
        folder = Path(here)
        hit = next((f for f in (folder, *folder.parents) if (f / ".git").exists()), Path.cwd())
        _ROOTS[here] = hit
    return hit


@dataclass(frozen=True, slots=True)
class Info:
    """What :meth:`Files.info` tells about a path."""

    is_file: bool
    is_dir: bool
    mtime: float
    size: int = 0


class Files:
    """The local file system, read as plan-lsp reads it."""

    def info(self, path: str) -> Info | None:
        """Whether ``path`` is a file or a folder, and when it changed (None: nothing there)."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        return Info(stat.S_ISREG(st.st_mode), stat.S_ISDIR(st.st_mode), st.st_mtime, st.st_size)

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        """The content of the regular file at ``path``, of at most ``limit`` bytes
        (:data:`MAX_BYTES` by default): :func:`read_bytes`."""
        return read_bytes(path, MAX_BYTES if limit is None else limit)

    def read_text(self, path: str, limit: int | None = None) -> str:
        """The file at ``path`` as UTF-8 text."""
        return self.read_bytes(path, limit).decode("utf-8")

    def list_dir(self, folder: str) -> list[str]:
        """The paths of the entries of ``folder``, sorted."""
        return sorted(str(Path(folder) / name) for name in os.listdir(folder))

    def resolve(self, path: str) -> str:
        """``path`` made absolute with symlinks resolved; OSError when it does not exist."""
        return str(Path(path).resolve(strict=True))


def read_text_or_none(files: Files, path: str, limit: int | None = None) -> str | None:
    """The file's text, None when it cannot be read or is not UTF-8."""
    try:
        return files.read_text(path, limit)
    except (OSError, ValueError):
        return None


def heading_lookup(
    files: Files, roots: Callable[[str], Sequence[str | os.PathLike[str]]] | None = None
) -> Callable[[str], list[str] | None]:
    """A :data:`plan_lsp.core.links.Lookup` over ``files``: the heading titles of a Markdown file
    (``[]`` for a folder or another file), None when nothing is there. Each file is parsed once
    per modification.

    ``roots(path)`` names the folders links may lead into (None: anywhere); a path outside them
    (symlinks resolved), or that is not a regular file under :data:`MAX_BYTES`, raises
    :class:`plan_lsp.core.links.Refused` and is never opened.
    """
    from plan_lsp.core.links import Refused
    from plan_lsp.core.outline import parse
    from plan_lsp.core.paths import is_markdown

    seen: dict[str, tuple[float, int, list[str]]] = {}

    def lookup(path: str) -> list[str] | None:
        if roots is not None and not inside(path, roots(path)):
            raise Refused("it is outside the workspace")  # whether it exists or not
        info = files.info(path)
        if info is None:
            return None
        if info.is_dir:
            return []
        if not info.is_file:
            raise Refused("it is not a regular file")
        if info.size > MAX_BYTES:
            raise Refused(f"it is larger than {size_text(MAX_BYTES)}")
        hit = seen.get(path)
        if hit is not None and hit[:2] == (info.mtime, info.size):
            return hit[2]
        titles: list[str] = []
        if is_markdown(path):  # other files are not read
            try:
                text = files.read_bytes(path).decode("utf-8", "replace")
            except Unreadable as exc:
                raise Refused(f"it is {exc.strerror}") from exc
            except OSError:
                return []
            titles = parse(text).anchor_titles
        seen[path] = (info.mtime, info.size, titles)
        return titles

    return lookup


def find_folder(start: Path, name: str = DEFAULT_DIR, files: Files | None = None) -> Path | None:
    """The nearest ``name`` folder in ``start`` (a folder, or a file's) or its ancestors."""
    files = files or Files()

    def is_dir(path: Path) -> bool:
        info = files.info(str(path))
        return info is not None and info.is_dir

    here = start if is_dir(start) else start.parent
    for folder in (here, *here.parents):
        candidate = folder / name
        if is_dir(candidate):
            return candidate
    return None


def load_folder(registry: Registry, folder: Path, files: Files) -> None:
    """Load every template of ``folder`` into ``registry`` (keeping the last good version of
    broken ones; templates gone from the folder are unloaded)."""
    from plan_lsp.core.kinds import Problem, kind_name

    registry.folder = folder
    seen = set()
    info = files.info(str(folder))
    try:
        entries = files.list_dir(str(folder)) if info is not None and info.is_dir else []
    except OSError:
        entries = []
    for entry in entries:
        if kind_name(Path(entry).name) is None:
            continue
        entry_info = files.info(entry)
        if entry_info is None or entry_info.is_dir:
            continue
        try:
            text = files.read_text(entry, MAX_TEMPLATE_BYTES)
        except (OSError, ValueError) as exc:  # a FIFO, a device, too large, not UTF-8
            registry.problems[entry] = [Problem(f"cannot read the template: {reason(exc)}")]
            continue
        seen.add(entry)
        registry.load(entry, text)
    for path in [p for p in registry.texts if p not in seen]:
        registry.load(path, None)
