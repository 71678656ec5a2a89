"""Recorded price bars, end to end: what is traded gets its 1-minute bars stored, and the report
measures MAE / MFE against them (SQLite file and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, text

from terminal.analytics.cli import run_report
from terminal.analytics.report import build_report
from terminal.analytics.source import load_history
from terminal.app import TradingApp
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import (
    Bar,
    ManualClock,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Severity,
    Trade,
    VerdictLevel,
)
from terminal.persistence import open_database
from terminal.persistence.schema import PriceBarRow
from terminal.settings import Settings
from tests.helpers.fake_broker import FakeBroker
from tests.helpers.waiting import until
from tests.integration.app_setup import AAPL, MSFT, buy, new_app, quote, sell, track

pytestmark = pytest.mark.asyncio

T0 = ManualClock().now()  # 14:30:00 UTC, Monday 5 January 2026
MINUTE = dt.timedelta(minutes=1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stored_bars(db_url: str) -> dict[str, list[Bar]]:
    db = open_database(db_url, migrate=False)
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(PriceBarRow.__table__).order_by(
                    PriceBarRow.instrument_key, PriceBarRow.start
                )
            ).mappings()
            result: dict[str, list[Bar]] = {}
            for r in rows:
                assert r["seconds"] == 60
                bar = Bar(r["start"], r["open"], r["high"], r["low"], r["close"], r["volume"])
                result.setdefault(r["instrument_key"], []).append(bar)
            return result
    finally:
        db.close()


def prints(broker: FakeBroker, *trades: tuple[str, float, float]) -> None:
    """One broker batch of prints: (key, price, seconds after T0), 10 shares each."""
    broker.trades_received.emit([Trade(k, p, 10.0, at(s)) for k, p, s in trades])


async def _approve(app: TradingApp, order_id: str) -> None:
    await app.orders.approve(order_id)
    await until(
        app.orders.order_updated,
        lambda: app.orders.get(order_id).status is OrderStatus.ACCEPTED,
        f"{order_id} accepted",
    )


async def test_a_round_trip_gets_its_bars_recorded_and_the_report_its_mae_and_mfe(
    db_url: str,
) -> None:
    clock = ManualClock(T0)
    broker = FakeBroker([AAPL, MSFT])
    broker.now = clock.now
    app = new_app(db_url, broker, clock)
    await app.start()  # the watchlist subscribes AAPL and MSFT quotes
    broker.push_quotes(quote(), quote("MSFT", 399.99, 400.01, 400.0, 398.0))
    prints(broker, ("AAPL", 149.00, 2), ("MSFT", 400.0, 2))  # before anything is staged
    clock.advance(5)
    entry = app.orders.stage(buy(100, "150.00"))
    await app.tasks.idle()
    assert app.bar_recorder.recording == ["AAPL"]
    prints(broker, ("AAPL", 150.00, 10), ("MSFT", 401.0, 10))
    await _approve(app, entry.id)
    clock.advance(15)
    broker.fill(entry.id, 100, "150.00", commission="1.00")  # 14:30:20
    prints(broker, ("AAPL", 149.50, 30), ("MSFT", 390.0, 31))
    prints(broker, ("AAPL", 150.20, 50))
    prints(broker, ("AAPL", 151.00, 70), ("MSFT", 410.0, 71))  # 14:30 closed
    prints(broker, ("AAPL", 148.80, 90))
    prints(broker, ("AAPL", 150.50, 125))  # 14:31 closed
    clock.advance(110)  # 14:32:10
    exit_ = app.orders.stage(sell(100, "150.40"))
    await _approve(app, exit_.id)
    broker.fill(exit_.id, 100, "150.40", commission="1.00")  # flat
    await app.tasks.idle()
    assert app.bar_recorder.recording == []
    prints(broker, ("AAPL", 160.00, 180))  # after flat: not recorded
    await app.stop()

    bars = stored_bars(db_url)
    assert list(bars) == ["AAPL"]  # MSFT printed all along but was never traded
    assert bars["AAPL"] == [
        Bar(at(0), 150.00, 150.20, 149.50, 150.20, 30.0),
        Bar(at(60), 151.00, 151.00, 148.80, 148.80, 20.0),
        Bar(at(120), 150.50, 150.50, 150.50, 150.50, 10.0),  # written at flat: holds the exit
    ]
    # Long 100 from 150.00: best high 151.00 (+1.00 x 100), worst low 148.80 (-1.20 x 100).
    out, err = io.StringIO(), io.StringIO()
    assert run_report(db_url, T0.date(), T0.date(), "json", None, out, err) == 0, err.getvalue()
    data = json.loads(out.getvalue())
    [trade] = data["trades"]
    assert (trade["mae"], trade["mfe"]) == ("-120.00", "100.00")
    assert not any("price bars" in n for n in data["notes"])

    # Without the bar of the exit the trade is not covered: n/a, and the note says how many.
    db = open_database(db_url, migrate=False)
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(PriceBarRow).where(PriceBarRow.start == at(120)))
        history = load_history(db.engine, T0.date(), T0.date())
    finally:
        db.close()
    report = build_report(history.orders, history.fills, T0.date(), T0.date(), bars=history.bars)
    [uncovered] = report.trades
    assert uncovered.mae is None and uncovered.mfe is None
    assert "1 of 1 closed trades have no price bars covering their holding period" in (
        " ".join(report.notes)
    )
    # Nothing recorded at all (a database from before the recorder): the same note.
    db = open_database(db_url, migrate=False)
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(PriceBarRow))
        history = load_history(db.engine, T0.date(), T0.date())
    finally:
        db.close()
    assert history.bars == {}
    report = build_report(history.orders, history.fills, T0.date(), T0.date(), bars=history.bars)
    assert any(n.startswith("1 of 1 closed trades have no price bars") for n in report.notes)


async def test_a_failed_bar_write_is_kept_and_raised_as_a_critical_alert(
    db_url: str, logged_errors: list[logging.LogRecord]
) -> None:
    clock = ManualClock(T0)
    broker = FakeBroker([AAPL, MSFT])
    app = new_app(db_url, broker, clock)
    await app.start()
    broker.push_quotes(quote())
    app.orders.stage(buy(100, "150.00"))
    await app.tasks.idle()
    app.writer.flush(10.0)
    with app.database.engine.begin() as conn:
        conn.execute(text("DROP TABLE price_bars"))
    prints(broker, ("AAPL", 150.0, 10))
    prints(broker, ("AAPL", 150.5, 70))  # 14:30 closed: its write fails
    app.bar_recorder.flush()
    await until(
        app.alerts.alert_raised,
        lambda: any("price bar" in a.message for a in app.alerts.active()),
        "the failed bar write's alert",
    )
    [alert] = [a for a in app.alerts.active() if "price bar" in a.message]
    assert alert.severity is Severity.CRITICAL
    assert [f.description for f in app.writer.failed] == ["save 1 price bar(s)"]
    assert any("save 1 price bar(s)" in r.getMessage() for r in logged_errors)
    app.close_threads()


class SimSession:
    """One run of the terminal on the simulator in virtual time (as test_paper_account)."""

    def __init__(self, db_url: str, at: dt.datetime) -> None:
        self.clock = ManualClock(at)
        config = SimConfig(quote_fraction=1.0, trade_probability=0.8)
        self.broker = SimBroker(self.clock, config, seed=7)
        self.app = track(TradingApp.open(Settings(), db_url, self.broker, self.clock))
        self.app.restore()
        self.prints: list[Trade] = []
        self.broker.trades_received += self._on_trades

    def _on_trades(self, trades: list[Trade]) -> None:
        self.prints.extend(t for t in trades if t.key == "AAPL")

    async def start(self) -> None:
        await self.app.start()
        await self.app.tasks.idle()
        self.run(1.0)

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.1)):
            self.clock.advance(0.1)
            self.broker.step(0.1)

    async def market_order(self, side: OrderSide) -> None:
        aapl = await self.broker.qualify("AAPL")
        order = self.app.orders.stage(OrderIntent(aapl, side, Decimal(100), OrderType.MARKET))
        await self.app.tasks.idle()  # the recording starts at staging
        self.prints.clear()  # the recorder's bars start from here
        verdict = order.verdict
        override = "test" if verdict and verdict.level is VerdictLevel.WARN else None
        await self.app.orders.approve(order.id, override_reason=override)
        self.run(0.5)
        assert self.app.orders.get(order.id).status is OrderStatus.FILLED


def minute_bars(trades: list[Trade]) -> list[Bar]:
    """1-minute bars built by hand from prints in arrival order."""
    bars: dict[dt.datetime, Bar] = {}
    for t in trades:
        start = t.time.replace(second=0, microsecond=0)
        b = bars.get(start)
        bars[start] = (
            Bar(start, t.price, t.price, t.price, t.price, t.size)
            if b is None
            else Bar(
                start,
                b.open,
                max(b.high, t.price),
                min(b.low, t.price),
                t.price,
                b.volume + t.size,
            )
        )
    return list(bars.values())


async def test_a_simulator_position_is_recorded_across_a_restart_until_it_is_flat(
    db_url: str,
) -> None:
    first = SimSession(db_url, T0)
    await first.start()
    await first.market_order(OrderSide.BUY)
    first.run(150.0)
    assert first.app.bar_recorder.recording == ["AAPL"]
    before_restart = minute_bars(first.prints)
    stopped_at = first.clock.now()
    await first.app.stop()
    recorded = stored_bars(db_url)
    # Only the instrument held: the watchlist's others printed all the time.
    assert list(recorded) == ["AAPL"]
    # Every minute the position was held, as built from the simulator's prints (the last one
    # forming at shutdown, written too).
    assert len(before_restart) >= 3
    assert recorded["AAPL"] == before_restart

    second = SimSession(db_url, stopped_at + dt.timedelta(minutes=10))
    await second.start()  # the paper account still holds the position: recorded again
    assert second.app.bar_recorder.recording == ["AAPL"]
    second.prints.clear()
    second.run(120.0)
    await second.market_order(OrderSide.SELL)
    flat_at = second.clock.now()
    await second.app.tasks.idle()
    assert second.app.bar_recorder.recording == []
    second.run(120.0)
    await second.app.stop()

    bars = stored_bars(db_url)["AAPL"]
    assert bars[: len(before_restart)] == before_restart
    after = bars[len(before_restart) :]
    assert after and after[0].start >= stopped_at + dt.timedelta(minutes=10) - MINUTE
    assert after[-1].start == flat_at.replace(second=0, microsecond=0)  # none after flat

    day = T0.date()
    db = open_database(db_url, migrate=False)
    try:
        history = load_history(db.engine, day, day)
    finally:
        db.close()
    report = build_report(history.orders, history.fills, day, day, bars=history.bars)
    [trade] = report.trades
    held = [b for b in bars if b.start + MINUTE > trade.entry_time and b.start <= trade.exit_time]
    assert held == bars  # every recorded bar lies in the trade, both sessions'
    high = Decimal(repr(max(b.high for b in held)))
    low = Decimal(repr(min(b.low for b in held)))
    assert trade.mfe == max(high - trade.entry_price, Decimal(0)) * 100
    assert trade.mae == min(low - trade.entry_price, Decimal(0)) * 100
    assert not any("price bars" in n for n in report.notes)
