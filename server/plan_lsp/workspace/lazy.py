"""Modules loaded on first use, so the server answers ``initialize`` before the parser, the
template engine and the checks are imported (they load in the background right after)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def module(name: str) -> ModuleType:
    """``name``, imported now if it already was, else when one of its attributes is first used."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return importlib.import_module(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    loader.exec_module(mod)
    return mod
