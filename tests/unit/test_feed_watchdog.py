"""The feed watchdog: a quiet subscription becomes stale, an update or renewal clears it."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from terminal.domain import Instrument, ManualClock, Quote, Severity, Timeframe, Trade
from terminal.marketdata import MarketDataService
from terminal.marketdata.staleness import Feed, FeedKind, FeedStatus, FeedWatchdog
from terminal.settings import FeedSettings
from tests.helpers.fake_broker import FakeBroker
from tests.integration.app_setup import new_app

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
AAPL = Feed(FeedKind.QUOTES, "AAPL")
MSFT = Feed(FeedKind.QUOTES, "MSFT")


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


class Changes:
    def __init__(self, dog: FeedWatchdog) -> None:
        self.seen: list[tuple[str, bool]] = []
        dog.feeds_changed += self.on_changed

    def on_changed(self, changes: list[FeedStatus]) -> None:
        self.seen.extend((str(c.feed), c.stale) for c in changes)


def ticking(dog: FeedWatchdog, feed: Feed, every: float, until: float) -> None:
    t = 0.0
    while t <= until:
        dog.updated(feed.kind, [feed.key], at(t))
        t += every


def test_a_feed_quiet_for_ten_times_its_usual_gap_is_stale_and_says_why() -> None:
    dog = FeedWatchdog(FeedSettings(stale_factor=10, stale_min_seconds=2, stale_max_seconds=300))
    changes = Changes(dog)
    dog.started(AAPL, at(0))
    ticking(dog, AAPL, every=0.5, until=10)  # updates every 0.5 s, last at 10 s
    assert dog.check(at(14.9)) == []  # 4.9 s quiet: under 10 x 0.5 s
    (status,) = dog.check(at(15.1))
    assert status.stale and status.feed == AAPL
    assert status.reason == "no update for 5 s, usually every 0.5 s"
    assert changes.seen == [("AAPL quotes", True)]
    assert dog.check(at(20)) == []  # reported once, not at every check


def test_an_update_clears_a_stale_feed_at_once() -> None:
    dog = FeedWatchdog(FeedSettings(stale_min_seconds=2))
    changes = Changes(dog)
    dog.started(AAPL, at(0))
    ticking(dog, AAPL, every=1, until=5)
    dog.check(at(60))
    dog.updated(FeedKind.QUOTES, ["AAPL"], at(61))
    assert changes.seen == [("AAPL quotes", True), ("AAPL quotes", False)]
    status = dog.status(AAPL, at(61.5))
    assert status is not None and not status.stale and status.age == 0.5


def test_a_slow_instrument_is_judged_by_its_own_pace_within_the_bounds() -> None:
    dog = FeedWatchdog(FeedSettings(stale_factor=10, stale_min_seconds=10, stale_max_seconds=120))
    dog.started(AAPL, at(0))
    dog.started(MSFT, at(0))
    ticking(dog, AAPL, every=0.1, until=3)  # busy: 10 x 0.1 s = 1 s, raised to the 10 s floor
    ticking(dog, MSFT, every=30, until=60)  # slow: 10 x 30 s = 300 s, capped at 120 s
    stale = {str(s.feed) for s in dog.check(at(14))}
    assert stale == {"AAPL quotes"}  # MSFT's 60 s gap... is in its habit
    stale = {str(s.feed) for s in dog.check(at(181))}
    assert stale == {"MSFT quotes"}  # 121 s quiet: beyond the 120 s cap


def test_a_feed_that_never_updated_is_stale_after_the_first_update_time() -> None:
    dog = FeedWatchdog(FeedSettings(first_update_seconds=15))
    dog.started(AAPL, at(0))
    assert dog.check(at(14)) == []
    (status,) = dog.check(at(16))
    assert status.reason == "no update in 16 s since subscribed"


def test_a_broken_data_farm_makes_every_feed_stale_until_each_updates() -> None:
    dog = FeedWatchdog()
    changes = Changes(dog)
    for feed in (AAPL, MSFT, Feed(FeedKind.DEPTH, "AAPL")):
        dog.started(feed, at(0))
        dog.updated(feed.kind, [feed.key], at(1))
    dog.interrupt(FeedKind, "IB 2103: market data farm broken", at(2))
    assert {s.reason for s in dog.stale(at(3))} == {"IB 2103: market data farm broken"}
    assert len(changes.seen) == 3
    dog.updated(FeedKind.QUOTES, ["AAPL"], at(4))
    assert sorted(str(s.feed) for s in dog.stale(at(5))) == ["AAPL depth", "MSFT quotes"]
    assert ("AAPL quotes", False) in changes.seen


def test_an_ended_subscription_is_forgotten_and_a_stale_one_is_reported_gone() -> None:
    dog = FeedWatchdog()
    changes = Changes(dog)
    dog.started(AAPL, at(0))
    dog.check(at(100))
    dog.stopped(AAPL)
    assert changes.seen == [("AAPL quotes", True), ("AAPL quotes", False)]
    assert dog.status(AAPL, at(101)) is None
    assert dog.check(at(1000)) == []


def test_renewal_restarts_the_wait_for_a_first_update_and_keeps_the_learned_pace() -> None:
    dog = FeedWatchdog(FeedSettings(first_update_seconds=15, stale_min_seconds=2))
    dog.started(AAPL, at(0))
    ticking(dog, AAPL, every=1, until=10)
    dog.started(AAPL, at(100))  # renewed after a reconnect
    status = dog.status(AAPL, at(100))
    assert status is not None and status.age == 90  # quiet since the last update at 10 s
    assert dog.check(at(101))[0].feed == AAPL  # 91 s quiet against a 1 s habit: stale


# -- the market data service and the app ---------------------------------------------------------


@pytest.mark.asyncio
async def test_the_service_watches_each_subscription_it_runs() -> None:
    clock = ManualClock(T0)
    broker = FakeBroker([Instrument.stock("AAPL")])
    await broker.connect()
    market = MarketDataService(broker, clock, staleness=FeedSettings(first_update_seconds=5))
    aapl = Instrument.stock("AAPL")
    await market.subscribe(aapl)
    await market.subscribe_depth(aapl)
    await market.subscribe_bars(aapl, Timeframe.M1)
    watched = {str(f) for f in market.feeds.watched()}
    assert watched == {"AAPL quotes", "AAPL depth", "AAPL 1m bars"}
    broker.push_quotes(Quote("AAPL", bid=1.0, ask=1.1, last=1.05))
    broker.trades_received.emit([Trade("AAPL", 1.05, 100, clock.now())])
    clock.advance(6)
    assert {str(s.feed) for s in market.feeds.check(clock.now())} == {"AAPL depth"}
    await market.unsubscribe_depth(aapl)
    await market.unsubscribe_bars(aapl, Timeframe.M1)
    await market.unsubscribe(aapl)
    assert market.feeds.watched() == []


@pytest.mark.asyncio
async def test_the_broker_saying_data_stopped_marks_the_feeds_stale() -> None:
    clock = ManualClock(T0)
    broker = FakeBroker([Instrument.stock("AAPL")])
    await broker.connect()
    market = MarketDataService(broker, clock)
    await market.subscribe(Instrument.stock("AAPL"))
    broker.market_data_interrupted.emit("IB 10197: another session holds the live data")
    (status,) = market.feeds.stale(clock.now())
    assert status.reason == "IB 10197: another session holds the live data"


@pytest.mark.asyncio
async def test_stale_feeds_raise_one_warning_that_clears_when_data_flows_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(T0)
    app = new_app(f"sqlite:///{tmp_path / 't.db'}", clock=clock)
    await app.start()
    app.broker.push_quotes(Quote("AAPL", bid=1.0, ask=1.1, last=1.05))
    clock.advance(400)
    app.market.feeds.check(clock.now())  # AAPL updated once, MSFT never
    stale = [a for a in app.alerts.active() if a.source == "market data"]
    assert len(stale) == 1 and stale[0].severity is Severity.WARNING
    assert stale[0].message.startswith("Stale market data, ")
    assert stale[0].message == (
        "Stale market data, 2 feeds: AAPL quotes (no update for 400 s); "
        "MSFT quotes (no update in 400 s since subscribed)"
    )
    for key in [i.key for i in app.watchlist]:
        app.broker.push_quotes(Quote(key, bid=1.0, ask=1.1, last=1.05))
    messages = [a.message for a in app.alerts.active() if a.source == "market data"]
    assert messages == ["Market data is updating again"]
    await app.stop()


@pytest.mark.asyncio
async def test_a_renewal_that_fails_is_a_critical_alert_not_a_log_line(
    tmp_path, monkeypatch: pytest.MonkeyPatch, logged_errors: list[logging.LogRecord]
) -> None:  # type: ignore[no-untyped-def]
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    await app.start()

    def broken(feed: Feed, now: dt.datetime) -> None:
        raise RuntimeError("watchdog bug")

    monkeypatch.setattr(app.market.feeds, "started", broken)
    app.broker.drop_connection()
    app.broker.restore_connection(data_lost=True)
    await app.market._tasks.idle()
    (alert,) = [a for a in app.alerts.active() if a.source == "task renew market data"]
    assert alert.severity is Severity.CRITICAL and "RuntimeError: watchdog bug" in alert.message
    assert [r.getMessage() for r in logged_errors] == ["task renew market data failed"]
    await app.stop()
