"""Shared fixtures."""

from __future__ import annotations

import pytest
from support import complete_plan


@pytest.fixture
def plan() -> str:
    return complete_plan()
