"""Waiting on the client's side without sleeps: re-check after every packet it processes.

ib_async emits ``IB.updateEvent`` once per network packet, after the wrapper has applied it; a
predicate over ``Trade``/``Ticker`` state is re-evaluated then. (Duck-typed: no ib_async import.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def client_until(
    ib: Any,
    predicate: Callable[[], bool],
    timeout: float = 5.0,  # noqa: ASYNC109 (same shape as Gateway.until)
    what: str = "client condition",
) -> None:
    """Wait until ``predicate()`` holds on the client; TimeoutError(what) after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(what)
        try:
            await asyncio.wait_for(_next_update(ib), remaining)
        except TimeoutError:
            if predicate():
                return
            raise TimeoutError(what) from None


async def _next_update(ib: Any) -> None:
    await ib.updateEvent
