"""Run a coroutine to its end from a test, whatever loop the test process already runs.

Playwright's synchronous API keeps an event loop running in the main thread of a test process that
has used a browser, and ``asyncio.run`` refuses to start inside a running loop; a fresh thread has
no loop, so the coroutine gets one of its own there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a thread of its own; its result or its exception."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
