"""The configuration file for a checked file: ``.plan-lsp.toml`` or ``[tool.plan-lsp]`` in
``pyproject.toml``, the nearest one from the file's folder upwards (core/settings.py reads it)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from plan_lsp.core import settings as settings_mod
from plan_lsp.core.settings import ConfigProblem, Settings

MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Config:
    """The settings in force for a folder, and where they come from."""

    settings: Settings = field(default_factory=Settings)
    path: str | None = None
    """The configuration file (None: defaults)."""
    problems: tuple[ConfigProblem, ...] = ()
    keys: frozenset[str] = frozenset()
    """The settings the file sets."""

    @property
    def folder(self) -> Path | None:
        return Path(self.path).parent if self.path else None

    def resolve(self, value: str) -> Path:
        """A path setting, relative to the configuration file's folder (else the current one)."""
        p = Path(value)
        if p.is_absolute():
            return p
        return (self.folder or Path.cwd()) / p


_BY_FOLDER: dict[str, Config] = {}


def read_config(path: Path) -> Config | None:
    """The configuration in the file ``path`` (None: it does not configure plan-lsp)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return Config(path=str(path), problems=(ConfigProblem(f"cannot read: {exc}"),))
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        return Config(path=str(path), problems=(ConfigProblem("larger than 1 MB"),))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Config(path=str(path), problems=(ConfigProblem(f"not UTF-8 (byte {exc.start})"),))
    found, problems, keys = settings_mod.parse_config(text, path.name)
    if found is None:
        return None
    return Config(found, str(path), tuple(problems), frozenset(keys))


def config_for(path: str) -> Config:
    """The configuration governing the file ``path``: the nearest configuration file in its
    folder or above (within one folder ``.plan-lsp.toml`` first), else defaults."""
    folder = os.path.dirname(os.path.abspath(path))
    if folder in _BY_FOLDER:
        return _BY_FOLDER[folder]
    walked = []
    here = folder
    found = Config()
    while True:
        if here in _BY_FOLDER:
            found = _BY_FOLDER[here]
            break
        walked.append(here)
        hit = None
        for name in settings_mod.CONFIG_NAMES:
            hit = read_config(Path(here) / name)
            if hit is not None:
                break
        if hit is not None:
            found = hit
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    for f in walked:
        _BY_FOLDER[f] = found
    return found
