"""Historical-data pacing: repeats answered from memory, the ten-minute window respected."""

from __future__ import annotations

import asyncio

import pytest

from terminal.broker.ib.pacing import WINDOW_SECONDS, HistoryPacer

pytestmark = pytest.mark.asyncio


class FakeTime:
    """A clock that moves only when the pacer sleeps (the waits are what is under test)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(per_window: int = 3, repeat: float = 15.0) -> tuple[HistoryPacer, FakeTime, list[str]]:
    clock = FakeTime()
    return HistoryPacer(per_window, repeat, now=clock.time, sleep=clock.sleep), clock, []


async def test_an_identical_request_within_the_repeat_window_is_not_sent_again() -> None:
    pacer, clock, sent = make()

    async def request() -> list[str]:
        sent.append("AAPL")
        return [f"bars@{clock.now}"]

    first = await pacer.run(("AAPL", "1m"), request)
    clock.now += 14.9
    assert await pacer.run(("AAPL", "1m"), request) == first
    assert sent == ["AAPL"]
    clock.now += 0.2  # 15.1 s after the first: IB accepts it again
    assert await pacer.run(("AAPL", "1m"), request) != first
    assert sent == ["AAPL", "AAPL"]


async def test_requests_beyond_the_window_allowance_wait_for_the_oldest_to_age_out() -> None:
    pacer, clock, _sent = make(per_window=3)
    times: list[float] = []

    async def request() -> None:
        times.append(clock.now)

    for i in range(4):
        await pacer.run(i, request)
    assert times[:3] == [1000.0, 1000.0, 1000.0]
    assert times[3] == pytest.approx(1000.0 + WINDOW_SECONDS)
    assert clock.slept == [pytest.approx(WINDOW_SECONDS)]


async def test_unkeyed_requests_are_paced_but_never_answered_from_memory() -> None:
    pacer, _clock, sent = make()

    async def request() -> int:
        sent.append("x")
        return len(sent)

    assert [await pacer.run(None, request) for _ in range(2)] == [1, 2]


async def test_a_failed_request_is_not_remembered() -> None:
    pacer, _clock, sent = make()

    async def failing() -> None:
        sent.append("x")
        raise RuntimeError("HMDS error")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            await pacer.run("k", failing)
    assert sent == ["x", "x"]


async def test_concurrent_callers_keep_their_order_through_the_window() -> None:
    pacer, clock, _sent = make(per_window=1)
    order: list[int] = []

    async def request(i: int) -> None:
        order.append(i)

    await asyncio.gather(*(pacer.run(i, lambda i=i: request(i)) for i in range(3)))
    assert order == [0, 1, 2]
    assert clock.now == pytest.approx(1000.0 + 2 * WINDOW_SECONDS)
