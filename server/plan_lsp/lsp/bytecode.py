"""lsprotocol's classes built from cached bytecode: most of the server's start-up.

``import lsprotocol.types`` defines some 550 attrs classes, and attrs writes the source of each
one's methods (``__init__``, ``__eq__``, ``__repr__``…) and compiles it: ``compile()`` was about
40% of the server's start-up. The source attrs writes is the same on every start, so the code
objects it compiles to are kept, per Python bytecode version, in a file beside this module's
bytecode (``__pycache__/lsprotocol-attrs.<cache tag>.bin``, like a ``.pyc``; the VS Code
extension ships it built). While the protocol modules are imported, attrs' ``compile`` finds a
script there, by file name and exact source, instead of compiling it again: the classes are the
same, only built faster. Whatever is missing is compiled as before and the file written again
(atomically; not when Python writes no bytecode, ``-B``); an unreadable, foreign or damaged file
is ignored. The file is trusted as Python trusts a ``.pyc`` beside it.
"""

from __future__ import annotations
import __future__

import contextlib
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

FORMAT = 1
"""Version of the file's layout."""
REWRITE_AFTER = 10
"""Scripts compiled again (their source changed) before the file is written again."""
Entries = dict[str, tuple[str, CodeType]]
"""Script file name (attrs makes it from the class) -> (source, code)."""


def cache_file() -> Path | None:
    """Where the code is kept for this Python (None: this Python keeps no bytecode)."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    return Path(__file__).parent / "__pycache__" / f"lsprotocol-attrs.{tag}.bin"


def read(path: Path) -> Entries:
    """The entries of the file at ``path``; none when it is missing, damaged or foreign."""
    try:
        data = marshal.loads(path.read_bytes())
    except Exception:  # missing, unreadable, truncated, or not marshal data at all
        return {}
    if (
        not isinstance(data, tuple)
        or len(data) != 3
        or data[:2] != (FORMAT, importlib.util.MAGIC_NUMBER)
        or not isinstance(data[2], dict)
    ):
        return {}
    return data[2]


def write(path: Path, entries: Entries) -> None:
    """Write the file atomically; never fails (a read-only install keeps compiling)."""
    if sys.dont_write_bytecode:
        return
    tmp = ""
    try:
        path.parent.mkdir(exist_ok=True)
        body = marshal.dumps((FORMAT, importlib.util.MAGIC_NUMBER, entries))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.chmod(tmp, Path(__file__).stat().st_mode & 0o666)  # as readable as the module
        os.replace(tmp, path)
        tmp = ""
    except (OSError, ValueError):
        pass
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@contextlib.contextmanager
def cached_attrs() -> Iterator[None]:
    """While inside, attrs compiles each class's methods once per Python, not once per start."""
    path = cache_file()
    try:
        import attr._make as attrs_make
    except ImportError:  # pragma: no cover - lsprotocol needs attrs
        path = None
    if path is None or "compile" in vars(attrs_make):
        yield
        return
    # attrs' own calls inherit its module's ``from __future__`` flags: so do these.
    flags = 0
    for value in vars(attrs_make).values():
        if isinstance(value, __future__._Feature):
            flags |= value.compiler_flag
    known = read(path)
    used: Entries = {}
    missed, new = [0], [False]

    def compile_cached(source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            args
            or kwargs
            or mode != "exec"
            or not isinstance(source, str)
            or not isinstance(filename, str)
        ):
            return compile(source, filename, mode, *args, **kwargs)
        got = known.get(filename)
        if (
            isinstance(got, tuple)
            and len(got) == 2
            and got[0] == source
            and isinstance(got[1], CodeType)
            and got[1].co_filename == filename
        ):
            used[filename] = got
            return got[1]
        code = compile(source, filename, mode, flags, True)
        used[filename] = (source, code)
        missed[0] += 1
        if filename not in known:
            new[0] = True
        return code

    attrs_make.compile = compile_cached  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del attrs_make.compile  # type: ignore[attr-defined]
        # A frozen class's ``__hash__`` holds a number salted per process: its script is new on
        # every start. Only a new class, or many changed scripts (an upgrade), make it worth
        # writing the file again.
        if used and (new[0] or missed[0] >= REWRITE_AFTER):
            write(path, used)


def import_protocol() -> None:
    """Import lsprotocol's types (and pygls, which builds on them) with cached attrs code."""
    with cached_attrs():
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401
