"""The app's health report reads the running services: the broker's figures, the feed
watchdog's stale feeds and the database writer."""

from __future__ import annotations

import datetime as dt

import pytest

from terminal.broker.base import BrokerHealth, ConnectionState
from terminal.domain import ManualClock
from terminal.health import Level
from tests.helpers.fake_broker import FakeBroker
from tests.integration.app_setup import AAPL, MSFT, new_app, quote

pytestmark = pytest.mark.asyncio
START = dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC)


async def test_the_report_names_what_is_wrong_across_the_services(db_url: str) -> None:
    broker = FakeBroker([AAPL, MSFT])
    clock = ManualClock(START)
    broker.now = clock.now
    app = new_app(db_url, broker, clock)
    await app.start()
    try:
        await app.health.probe()
        for _ in range(2):  # a second apart: the watchdog learns their pace
            broker.push_quotes(quote("AAPL"), quote("MSFT"))
            clock.advance(1)
        assert app.health.report(loop_lag=0.002).level is Level.OK
        broker.health_now = BrokerHealth(
            ConnectionState.CONNECTED,
            round_trip=0.002,
            measured_at=clock.now(),
            messages_per_second=49,
            message_limit=50,
        )
        clock.advance(30)  # the feeds go quiet (they were subscribed at start)
        app.market.feeds.check(clock.now())
        report = app.health.report()
        assert report.level is Level.RED
        assert [i.name for i in report.red] == ["message rate"]
        assert report.item("feeds").level is Level.WARN
        assert report.item("feeds").value == "2 stale"
        assert report.item("round trip").reason == ""
        assert report.item("database").value.endswith("0 failed")
    finally:
        await app.stop()
