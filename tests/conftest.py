"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from hypothesis import settings
from lsp_support import forget, session
from pytest_lsp import LanguageClient
from support import complete_plan

# CI runs every property test on a fixed sequence of examples, so a red run can be replayed and a
# green one is not luck; a developer's run (no CI) explores new examples each time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The servers the tests start keep their workspace index in a cache folder of this run's own,
# not the user's (``check``'s tests choose theirs).
if "PLAN_LSP_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["PLAN_LSP_CACHE_DIR"] = tempfile.mkdtemp(prefix="plan-lsp-test-cache-")


@pytest.fixture
def plan() -> str:
    return complete_plan()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared() -> AsyncIterator[LanguageClient]:
    """One server for a module's tests that only read (modules mark themselves
    ``pytest.mark.asyncio(loop_scope="module")``)."""
    async with session() as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def client(shared: LanguageClient) -> AsyncIterator[LanguageClient]:
    """The module's shared server, with every document closed after the test."""
    yield shared
    await forget(shared)
