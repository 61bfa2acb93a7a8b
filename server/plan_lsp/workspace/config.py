"""Configuration files: ``.plan-lsp.toml``, or ``[tool.plan-lsp]`` in ``pyproject.toml``, the
nearest one from a folder upwards. One reader for ``plan-lsp check`` and the server (which reads
it for each workspace folder); core/settings.py parses it. Reads go through
:class:`~plan_lsp.workspace.files.Files`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from plan_lsp.core import settings as settings_mod
from plan_lsp.core.settings import ConfigProblem, Settings
from plan_lsp.workspace.files import Files

MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Config:
    """The settings a configuration file sets, and where it is."""

    settings: Settings = field(default_factory=Settings)
    path: str | None = None
    """The configuration file (None: none found, defaults)."""
    problems: tuple[ConfigProblem, ...] = ()
    keys: frozenset[str] = frozenset()
    """The settings (camelCase) the file sets."""

    @property
    def folder(self) -> Path | None:
        return Path(self.path).parent if self.path else None

    def resolve(self, value: str) -> Path:
        """A path setting, relative to the file's folder (else the current one)."""
        p = Path(value)
        if p.is_absolute():
            return p
        return (self.folder or Path.cwd()) / p

    def absolute(self) -> Settings:
        """The settings with their paths (``template``, ``templatesDir``) made absolute."""
        s = self.settings
        out: dict[str, Any] = {}
        if "template" in self.keys and s.template:
            out["template"] = str(self.resolve(s.template))
        if "templatesDir" in self.keys:
            out["templates_dir"] = str(self.resolve(s.templates_dir))
        return replace(s, **out)


def read_config(path: Path, files: Files) -> Config | None:
    """The configuration in the file ``path`` (None: no such file, or it does not configure
    plan-lsp)."""
    info = files.info(str(path))
    if info is None or not info.is_file:
        return None
    try:
        data = files.read_bytes(str(path), MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        return Config(path=str(path), problems=(ConfigProblem(f"cannot read: {exc}"),))
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


def find_config(folder: Path, files: Files, known: dict[str, Config] | None = None) -> Config:
    """The configuration governing ``folder``: the nearest configuration file in it or above
    (within one folder ``.plan-lsp.toml`` first), else defaults. ``known`` caches by folder."""
    cache = known if known is not None else {}
    walked = []
    here = folder
    found = Config()
    while True:
        key = str(here)
        if key in cache:
            found = cache[key]
            break
        walked.append(key)
        hit = None
        for name in settings_mod.CONFIG_NAMES:
            hit = read_config(here / name, files)
            if hit is not None:
                break
        if hit is not None:
            found = hit
            break
        if here.parent == here:
            break
        here = here.parent
    for key in walked:
        cache[key] = found
    return found
