"""The websocket tests' coroutine runner works where a test process already runs a loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.asyncrun import run_async


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_runs_inside_a_running_loop_where_asyncio_run_refuses() -> None:
    """Playwright's synchronous API leaves a loop running in the main thread, as here."""

    async def inside_a_loop() -> int:
        with pytest.raises(RuntimeError, match="running event loop"):
            coroutine = _answer()
            try:
                asyncio.run(coroutine)
            finally:
                coroutine.close()
        return run_async(_answer())

    with ThreadPoolExecutor(max_workers=1) as pool:  # this test's own loop, whatever runs here
        assert pool.submit(asyncio.run, inside_a_loop()).result() == 42


def test_the_coroutine_s_exception_reaches_the_test() -> None:
    async def fails() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        run_async(fails())
