"""The first connection, retried by the core: a terminal started before its broker waits for it,
says when the next attempt is due, can try at once, and starts normally once connected."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from terminal.app import TradingApp
from terminal.broker.base import BrokerError, ConnectionState
from terminal.domain import ManualClock
from terminal.startup import wait_for
from tests.helpers.fake_broker import FakeBroker
from tests.integration.app_setup import AAPL, MSFT, new_app

pytestmark = pytest.mark.asyncio
START = dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC)


def not_connected_alerts(app: TradingApp) -> list[str]:
    return [a.message for a in app.alerts.active() if a.message.startswith("Not connected yet")]


async def test_start_waits_for_a_broker_not_up_yet_and_says_when_it_tries_again(
    db_url: str,
) -> None:
    broker = FakeBroker([AAPL, MSFT])
    broker.unreachable = 2
    clock = ManualClock(START)
    broker.now = clock.now
    app = new_app(db_url, broker, clock)
    starting = asyncio.create_task(app.start(retry_connect=True))
    await wait_for(broker.connection_changed, lambda: broker.next_attempt, "a failed attempt", 5)
    status = app.connection_status()
    assert status.state is ConnectionState.DISCONNECTED
    assert "next try in 8 s" in status.message
    assert status.next_attempt == START + dt.timedelta(seconds=8)
    assert status.seconds_to_next_attempt(clock.now()) == 8.0
    assert not_connected_alerts(app) == [f"Not connected yet: {status.message}"]
    assert not starting.done()
    app.connect_now()  # the "try now" button: the second attempt fails too
    await wait_for(
        broker.connection_changed,
        lambda: broker.next_attempt is not None and broker.unreachable == 0,
        "the second failed attempt",
        5,
    )
    assert len(not_connected_alerts(app)) == 1  # one warning, kept up to date
    app.connect_now()
    report = await asyncio.wait_for(starting, 5)
    assert report.account_id == "DU123456" and report.watchlist[:1] == ["AAPL"]
    assert app.connection_status().state is ConnectionState.CONNECTED
    assert app.connection_status().next_attempt is None
    assert app.connection_status().seconds_to_next_attempt(clock.now()) is None
    assert not_connected_alerts(app) == []
    await app.stop()


async def test_without_retry_the_first_failure_raises_at_once(db_url: str) -> None:
    broker = FakeBroker([AAPL])
    broker.unreachable = 1
    app = new_app(db_url, broker)
    with pytest.raises(BrokerError, match="unreachable"):
        await app.start()
    assert not_connected_alerts(app) == []  # nothing is retried: nothing to announce
    await app.stop()


async def test_stopping_while_the_broker_is_awaited_ends_the_attempts(db_url: str) -> None:
    broker = FakeBroker([AAPL])
    broker.unreachable = 5
    app = new_app(db_url, broker)
    starting = asyncio.create_task(app.start(retry_connect=True))
    await wait_for(broker.connection_changed, lambda: broker.next_attempt, "a failed attempt", 5)
    await app.stop()  # the window closed
    with pytest.raises(BrokerError, match="stopped connecting"):
        await asyncio.wait_for(starting, 5)
    assert broker.unreachable == 4  # no attempt after the stop
