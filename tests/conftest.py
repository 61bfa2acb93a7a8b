"""Shared fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings
from support import complete_plan

# CI runs every property test on a fixed sequence of examples, so a red run can be replayed and a
# green one is not luck; a developer's run (no CI) explores new examples each time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def plan() -> str:
    return complete_plan()
