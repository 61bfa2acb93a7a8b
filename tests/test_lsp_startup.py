"""Start-up: lsprotocol's classes built from cached attrs bytecode (``lsp/bytecode.py``), in fresh
interpreters, with the cache file moved to a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from plan_lsp.lsp import bytecode

# Imports the protocol as the server does, with the cache at argv[1]; prints how many scripts
# attrs compiled, how many cache entries the file then has, and some classes at work.
PROBE = """
import builtins, json, sys
from pathlib import Path
import attr  # its own classes are built before the cache can be used
from plan_lsp.lsp import bytecode
bytecode.cache_file = lambda: Path(sys.argv[1])
compiled = []
real = builtins.compile
def counting(source, filename, *args, **kwargs):
    if isinstance(filename, str) and filename.startswith("<attrs generated"):
        compiled.append(filename)
    return real(source, filename, *args, **kwargs)
builtins.compile = counting
bytecode.import_protocol()
builtins.compile = real
from lsprotocol import types
from pygls.lsp.server import LanguageServer
a = types.Position(line=1, character=2)
r = types.Range(start=a, end=types.Position(3, 4))
print(json.dumps({
    "compiled": len(compiled),
    "entries": len(bytecode.read(Path(sys.argv[1]))),
    "equal": a == types.Position(1, 2) and a != types.Position(1, 3),
    "repr": repr(r),
    "init": repr(types.TextEdit(range=r, new_text="x")),
    "hash": hash(types.Position(1, 2)) == hash(types.Position(1, 2)) if types.Position.__hash__
    else None,
    "server": LanguageServer.__name__,
}))
"""


def probe(cache: Path, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(cache)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "", **env},
        check=True,
    )
    got: dict[str, object] = json.loads(done.stdout)
    return got


def test_the_first_start_writes_the_code_the_next_compiles_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "lsprotocol-attrs.bin"
    first = probe(cache)
    assert cache.exists()
    assert isinstance(first["compiled"], int) and first["compiled"] > 500  # lsprotocol's classes
    assert first["entries"] == first["compiled"]
    written = cache.stat().st_mtime_ns
    second = probe(cache)
    # Only what cannot be kept is compiled: a frozen class's __hash__ holds a number salted per
    # process (cattrs' AttributeOverride); the file is not written again for so little.
    assert second["compiled"] == 1
    assert second["entries"] == first["entries"]
    assert cache.stat().st_mtime_ns == written
    # The classes behave the same, built either way.
    for key in ("equal", "repr", "init", "hash", "server"):
        assert second[key] == first[key]
    assert first["equal"] is True
    assert first["repr"] == "1:2-3:4"


def test_a_damaged_or_foreign_file_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "lsprotocol-attrs.bin"
    probe(cache)
    good = cache.read_bytes()
    import marshal

    foreign = marshal.dumps((bytecode.FORMAT, b"\0\0\r\n", marshal.loads(good)[2]))
    odd = marshal.dumps((bytecode.FORMAT, marshal.loads(good)[1], {"<attrs generated x>": 3}))
    for bad in (good[: len(good) // 2], b"", b"not marshal at all", foreign, odd):
        cache.write_bytes(bad)
        got = probe(cache)
        assert isinstance(got["compiled"], int) and got["compiled"] > 500
        assert got["repr"] == "1:2-3:4"
        assert probe(cache)["compiled"] == 1  # written again, whole


def test_no_file_is_written_when_python_writes_no_bytecode(tmp_path: Path) -> None:
    cache = tmp_path / "lsprotocol-attrs.bin"
    got = probe(cache, PYTHONDONTWRITEBYTECODE="1")
    assert isinstance(got["compiled"], int) and got["compiled"] > 500
    assert not cache.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_cache_lives_beside_the_modules_bytecode() -> None:
    path = bytecode.cache_file()
    assert path is not None
    assert path.parent == Path(bytecode.__file__).parent / "__pycache__"
    assert sys.implementation.cache_tag in path.name
