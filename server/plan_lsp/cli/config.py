"""The configuration file for a checked file (workspace/config.py reads it): the nearest
``.plan-lsp.toml`` or ``pyproject.toml`` with ``[tool.plan-lsp]`` above the file."""

from __future__ import annotations

import os
from pathlib import Path

from plan_lsp.workspace.config import Config
from plan_lsp.workspace.config import find_config as _find
from plan_lsp.workspace.files import Files

__all__ = ["Config", "config_for"]

_BY_FOLDER: dict[str, Config] = {}
_FILES = Files()


def config_for(path: str) -> Config:
    """The configuration governing the file ``path`` (defaults when there is none)."""
    return _find(Path(os.path.dirname(os.path.abspath(path))), _FILES, _BY_FOLDER)
