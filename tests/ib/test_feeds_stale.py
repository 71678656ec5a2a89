"""Dead feeds are visible, on IB over the real socket: a feed the gateway silently stops while
the connection stays up becomes stale, IB's 2103 and 10197 mark every feed stale until its next
update, and renewal after 1101 clears them. The watchdog's clock is the app's ManualClock, so
"quiet for 30 s" is exact; the check runs when the test calls ``market.feeds.check``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from eventkit import Event

from terminal.app import TradingApp
from terminal.broker.base import ConnectionState
from terminal.broker.ib.broker import IBBroker
from terminal.domain import ManualClock
from terminal.marketdata.staleness import Feed, FeedKind
from terminal.settings import Settings, UiSettings
from tests.ib.adapter_setup import FAST
from tests.ib.gateway import Gateway, running_gateway

pytestmark = pytest.mark.asyncio
AAPL, MSFT = Feed(FeedKind.QUOTES, "AAPL"), Feed(FeedKind.QUOTES, "MSFT")
STALE_ALERT = "Stale market data"


async def until(event: Event, predicate: Callable[[], bool], what: str) -> None:
    """Wait for ``predicate``, re-checked whenever ``event`` fires (no sleeps)."""
    if predicate():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)

    event += check
    try:
        async with asyncio.timeout(5):
            await done
    except TimeoutError:
        raise TimeoutError(f"timed out waiting for {what}") from None
    finally:
        event -= check


@asynccontextmanager
async def ib_app(tmp_path: Path, client_id: int) -> AsyncIterator[tuple[Gateway, TradingApp]]:
    clock = ManualClock(dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC))
    with running_gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        gw.set_quote("MSFT", bid=409.98, ask=410.02, last=410.0)
        broker = IBBroker(replace(FAST, port=gw.port, client_id=client_id), clock)
        settings = Settings(ui=UiSettings(watchlist=("AAPL", "MSFT")))
        app = TradingApp.open(settings, f"sqlite:///{tmp_path / 'ib.db'}", broker, clock)
        app.restore()
        await app.start()
        try:
            yield gw, app
        finally:
            await app.stop()


def clock_of(app: TradingApp) -> ManualClock:
    assert isinstance(app.clock, ManualClock)
    return app.clock


async def tick(gw: Gateway, app: TradingApp, symbol: str, bid: float) -> None:
    """Move ``symbol`` at the gateway and wait until the app has the new quote."""
    gw.set_quote(symbol, bid=bid, ask=bid + 0.04)
    await until(
        app.market.quotes_updated,
        lambda: (q := app.market.last_quote(symbol)) is not None and q.bid == bid,
        f"{symbol} at {bid}",
    )


async def steady(gw: Gateway, app: TradingApp, symbols: list[str], seconds: int) -> None:
    """One update a second for each of ``symbols`` (the watchdog learns their pace)."""
    for n in range(seconds):
        clock_of(app).advance(1)
        for i, symbol in enumerate(symbols):
            await tick(gw, app, symbol, 100.0 + 10 * i + n / 100)


def stale(app: TradingApp) -> set[Feed]:
    return {s.feed for s in app.market.feeds.stale(app.clock.now())}


def stale_alerts(app: TradingApp) -> list[str]:
    return [a.message for a in app.alerts.active() if a.message.startswith(STALE_ALERT)]


async def test_a_feed_the_gateway_silently_stops_becomes_stale_and_recovers(
    tmp_path: Path,
) -> None:
    async with ib_app(tmp_path, client_id=121) as (gw, app):
        await steady(gw, app, ["AAPL", "MSFT"], 5)
        assert app.market.feeds.check(app.clock.now()) == []
        gw.silence_feed("AAPL")
        for n in range(30):  # AAPL's price moves at IB, nothing arrives; MSFT goes on
            clock_of(app).advance(1)
            gw.set_quote("AAPL", bid=150.0 + n / 100, ask=150.05)
            await tick(gw, app, "MSFT", 300.0 + n / 100)
        assert app.broker.connection_state is ConnectionState.CONNECTED
        changed = app.market.feeds.check(app.clock.now())
        assert [s.feed for s in changed] == [AAPL] and changed[0].stale
        assert "no update for 30 s, usually every 1.0 s" in changed[0].reason
        assert stale(app) == {AAPL}
        assert stale_alerts(app) == [
            "Stale market data, 1 feed: AAPL quotes (no update for 30 s, usually every 1.0 s)"
        ]
        gw.resume_feed("AAPL")
        await tick(gw, app, "AAPL", 151.0)
        assert stale(app) == set() and stale_alerts(app) == []
        assert any(a.message == "Market data is updating again" for a in app.alerts.active())


@pytest.mark.parametrize("code", [2103, 10197])
async def test_ib_saying_the_data_stopped_marks_every_feed_stale_until_it_updates(
    tmp_path: Path, code: int
) -> None:
    async with ib_app(tmp_path, client_id=122) as (gw, app):
        await steady(gw, app, ["AAPL", "MSFT"], 2)
        gw.farm_message(code)
        await until(app.market.feeds.feeds_changed, lambda: stale(app) == {AAPL, MSFT}, "stale")
        [alert] = stale_alerts(app)
        assert f"IB {code}" in alert
        if code == 2103:
            gw.farm_message(2104)  # "farm OK" alone proves nothing: data does
            await tick(gw, app, "MSFT", 411.0)
            assert stale(app) == {AAPL}
        else:
            await tick(gw, app, "MSFT", 411.0)
            assert stale(app) == {AAPL}
        await tick(gw, app, "AAPL", 201.0)
        assert stale(app) == set() and stale_alerts(app) == []


async def test_renewal_after_1101_clears_the_stale_feeds(tmp_path: Path) -> None:
    async with ib_app(tmp_path, client_id=123) as (gw, app):
        await steady(gw, app, ["AAPL", "MSFT"], 5)
        gw.silence_feed("AAPL")
        gw.silence_feed("MSFT")
        clock_of(app).advance(60)
        app.market.feeds.check(app.clock.now())
        assert stale(app) == {AAPL, MSFT}
        gw.resume_feed("AAPL")
        gw.resume_feed("MSFT")
        gw.send_error(1101, "Connectivity between IB and Trader Workstation has been restored")
        # The adapter asks for every stream again; each first answer clears its feed.
        await until(app.market.feeds.feeds_changed, lambda: stale(app) == set(), "renewed")
        assert stale_alerts(app) == []
        assert app.broker.connection_state is ConnectionState.DATA_LOST
