"""The simulated account is a paper account: it survives a restart, and resets only when asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import (
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Severity,
    TimeInForce,
    VerdictLevel,
)
from terminal.persistence.audit_verify import iter_records
from terminal.settings import Settings
from tests.integration.app_setup import track

pytestmark = pytest.mark.asyncio

#: Monday 5 January 2026, 10:00 in New York.
MORNING = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


class Session:
    """One run of the terminal on the simulator, in virtual time, on a given database."""

    def __init__(self, db_url: str, at: dt.datetime, seed: int = 7) -> None:
        self.clock = ManualClock(at)
        config = SimConfig(quote_fraction=1.0, trade_probability=0.8)
        self.broker = SimBroker(self.clock, config, seed=seed)
        self.app = TradingApp.open(Settings(), db_url, self.broker, self.clock)
        track(self.app)  # stopped by the db_url fixture if the test fails before stop()
        self.app.restore()

    async def start(self) -> None:
        await self.app.start()
        self.run(1.0)

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.1)):
            self.clock.advance(0.1)
            self.broker.step(0.1)

    async def trade(self, intent: OrderIntent) -> Order:
        order = self.app.orders.stage(intent)
        verdict = order.verdict
        override = "test" if verdict and verdict.level is VerdictLevel.WARN else None
        await self.app.orders.approve(order.id, override_reason=override)
        self.run(0.5)
        return self.app.orders.get(order.id)

    async def stop(self) -> None:
        await self.app.stop()


async def buy_and_rest(session: Session) -> tuple[Order, Order]:
    aapl = await session.broker.qualify("AAPL")
    filled = await session.trade(OrderIntent(aapl, OrderSide.BUY, Decimal(100), OrderType.MARKET))
    quote = session.app.market.last_quote("AAPL")
    assert quote is not None
    below = aapl.check_price(round(quote.bid * 0.98, 2))
    resting = await session.trade(
        OrderIntent(aapl, OrderSide.BUY, Decimal(10), limit_price=below, tif=TimeInForce.GTC)
    )
    assert filled.status is OrderStatus.FILLED and resting.status is OrderStatus.ACCEPTED
    return filled, resting


async def test_cash_positions_working_orders_and_the_market_survive_a_restart(
    db_url: str,
) -> None:
    first = Session(db_url, MORNING)
    await first.start()
    _, resting = await buy_and_rest(first)
    first.run(3.0)
    portfolio = first.app.portfolio
    cash, baseline = portfolio.cash(), portfolio.equity() - portfolio.day_pnl()
    market = first.broker.exchange.market
    i = market.index["AAPL"]
    mid, last = float(market.mid[i]), float(market.last[i])
    stopped_at = first.clock.now()
    await first.stop()

    # Found at the desk: after a restart positions were 0, cash and day P&L were reset, and
    # the market rewound to the same prices.
    second = Session(db_url, stopped_at + dt.timedelta(minutes=5))
    market = second.broker.exchange.market
    assert (float(market.start_price[i]), float(market.last[i])) == (mid, last)
    await second.start()
    app = second.app
    position = app.portfolio.position("AAPL")
    assert position is not None and position.quantity == 100
    assert app.portfolio.cash() == cash
    assert app.orders.get(resting.id).status is OrderStatus.ACCEPTED
    assert [u.order_id for u in await second.broker.open_orders()] == [resting.id]
    # The same day: the day P&L is measured from the same baseline as before the restart.
    assert app.portfolio.day_pnl_established
    assert app.portfolio.equity() - app.portfolio.day_pnl() == baseline
    # The positions were loaded, not "corrected": no warning at every start.
    assert not [a for a in app.alerts.active() if a.severity >= Severity.WARNING]
    # The resting order still works at the exchange: it fills when the market comes down.
    second.broker.exchange.market.mid[i] = float(resting.intent.limit_price or 0) * 0.99
    second.run(2.0)
    assert app.orders.get(resting.id).status is OrderStatus.FILLED
    await second.stop()


async def test_a_new_seed_starts_a_new_market_and_marks_the_positions_at_its_prices(
    db_url: str,
) -> None:
    first = Session(db_url, MORNING)
    await first.start()
    await buy_and_rest(first)
    await first.stop()

    second = Session(db_url, MORNING + dt.timedelta(hours=1), seed=8)
    spec = next(s for s in second.broker.config.universe if s.symbol == "AAPL")
    i = second.broker.exchange.market.index["AAPL"]
    assert float(second.broker.exchange.market.start_price[i]) == spec.price
    await second.start()
    position = second.app.portfolio.position("AAPL")
    assert position is not None and position.quantity == 100
    quote = second.app.market.last_quote("AAPL")
    assert quote is not None
    assert second.app.portfolio.mark("AAPL") == Decimal(repr(round(quote.mark, 8)))
    await second.stop()


async def test_a_reset_is_explicit_audited_and_survives_the_next_restart(db_url: str) -> None:
    first = Session(db_url, MORNING)
    await first.start()
    _, resting = await buy_and_rest(first)
    app = first.app

    before = await app.reset_sim_account()

    assert [p.quantity for p in before.positions] == [Decimal(100)]
    cancelled = app.orders.get(resting.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.reason == "simulated account reset"
    assert app.portfolio.positions() == []
    assert app.portfolio.cash() == Decimal(1_000_000)
    assert app.portfolio.day_pnl() == 0
    stopped_at = first.clock.now()
    await first.stop()
    (record,) = [r for r in iter_records(app.database.engine) if r.action == "sim_account_reset"]
    assert record.subject == "SIM000001" and record.details["after"] == {"cash": "1000000"}
    assert record.details["before"]["positions"][0]["quantity"] == "100"
    assert record.details["before"]["working_orders"] == [resting.id]

    second = Session(db_url, stopped_at + dt.timedelta(minutes=1))
    await second.start()
    assert second.app.portfolio.positions() == []
    assert second.app.portfolio.cash() == Decimal(1_000_000)
    assert await second.broker.open_orders() == []
    await second.stop()
