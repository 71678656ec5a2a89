"""A combo through the whole core on the simulator and a real database: one order, its legs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.analytics.records import ComboLegRecord
from terminal.analytics.report import build_report
from terminal.analytics.source import load_history
from terminal.app import TradingApp
from terminal.broker.base import BrokerPosition
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import (
    Combo,
    ManualClock,
    OrderIntent,
    OrderSide,
    OrderStatus,
    VerdictLevel,
)
from terminal.oms.trail import replay
from terminal.options.strategies import vertical
from terminal.persistence.audit_verify import iter_records, verify_chain
from terminal.risk.pricing import to_decimal
from terminal.settings import Settings
from tests.integration.app_setup import track

pytestmark = pytest.mark.asyncio

#: Monday 5 January 2026, 10:00 in New York: regular hours.
MORNING = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)
S = OrderStatus


class Session:
    def __init__(self, db_url: str) -> None:
        self.clock = ManualClock(MORNING)
        self.broker = SimBroker(self.clock, SimConfig(quote_fraction=1.0), seed=11)
        self.app = track(TradingApp.open(Settings(), db_url, self.broker, self.clock))
        self.app.restore()

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.1)):
            self.clock.advance(0.1)
            self.broker.step(0.1)

    async def call_vertical(self) -> Combo:
        """A call vertical at the money, its legs quoted (the builder subscribes them)."""
        underlying = await self.broker.qualify("AAPL")
        chain = await self.broker.option_chain_params(underlying)
        await self.app.market.subscribe(underlying)
        self.run(0.5)
        spot = self.app.market.last_quote("AAPL")
        assert spot is not None
        atm = min(chain.strikes, key=lambda k: abs(k - spot.mid))
        combo = vertical(chain, chain.expiries[2], atm, "C")
        for leg in combo.legs:
            await self.app.market.subscribe(leg.instrument)
        self.run(0.5)
        return combo


async def test_a_vertical_is_staged_approved_filled_and_held_as_its_legs(db_url: str) -> None:
    session = Session(db_url)
    app = session.app
    await app.start()
    combo = await session.call_vertical()
    quotes = {leg.instrument.key: app.market.last_quote(leg.instrument.key) for leg in combo.legs}
    net = combo.net_quote({k: q for k, q in quotes.items() if q is not None})
    limit = combo.round_price(net.ask) + Decimal("0.05")  # marketable: pays the net ask
    order = app.orders.stage(OrderIntent.for_combo(combo, OrderSide.BUY, 3, limit_price=limit))
    assert order.verdict is not None and order.verdict.level is VerdictLevel.PASS
    await app.orders.approve(order.id)
    session.run(0.5)

    done = app.orders.get(order.id)
    assert done.status is S.FILLED and done.filled_quantity == 3
    assert done.avg_fill_price is not None and done.avg_fill_price <= limit
    # The portfolio holds the legs, not the combo: +3 of the bought call, -3 of the sold one.
    held = {p.key: p.quantity for p in app.portfolio.positions() if not p.is_flat}
    assert held == {leg.instrument.key: 3 * leg.sign for leg in combo.legs}
    assert app.portfolio.position(combo.key) is None
    [strategy] = app.strategy_positions().strategies  # the legs grouped as the vertical
    assert strategy.combo == combo and strategy.units == 3
    held_positions = [p for p in app.portfolio.positions() if not p.is_flat]
    await app.stop()

    # The audit trail: one order, staged once with its legs, every leg fill under its id.
    records = list(iter_records(app.database.engine))
    orders = {r.subject for r in records if "order_state" in r.details}
    assert orders == {order.id}
    [stage] = [r for r in records if r.action == "stage"]
    legs = stage.details["intent"]["combo"]["legs"]  # type: ignore[index]
    assert legs == [
        {"instrument": leg.instrument.key, "side": leg.side.value, "ratio": leg.ratio}
        for leg in combo.legs
    ]
    fills = [r for r in records if r.action == "fill"]
    assert {r.details["instrument"] for r in fills} == {leg.instrument.key for leg in combo.legs}
    assert replay((r.action, r.subject, r.details) for r in records)[order.id].status is S.FILLED
    assert verify_chain(app.database.engine).ok
    # The analytics know it for a combo: its legs' fills are no one price to measure.
    history = load_history(app.database.engine, MORNING.date(), MORNING.date())
    [record] = history.orders
    assert record.combo and len(record.fills) == len(fills)

    # The database gives the combo back with its legs, and the fills per leg.
    reopened = Session(db_url)
    [stored] = reopened.app.store.load_orders(open_only=False)
    assert stored.intent.combo == combo and stored.legs_filled == done.legs_filled
    assert sorted(f.key for f in reopened.app.store.load_fills()) == sorted(
        f.key for f in app.store.load_fills()
    )
    # After a restart the grouping comes back from the stored order, with the broker's legs.
    reopened.app.portfolio.replace_positions(
        [BrokerPosition(p.instrument, p.quantity, p.avg_cost) for p in held_positions]
    )
    [again] = reopened.app.strategy_positions().strategies
    assert again.combo == combo and again.units == 3 and again.order_ids == (order.id,)
    reopened.app.close_threads()


async def test_a_vertical_bought_and_sold_reads_back_as_one_combo_trade(db_url: str) -> None:
    """The analytics read which fills are the combo's, and its legs, from the database."""
    session = Session(db_url)
    app = session.app
    await app.start()
    combo = await session.call_vertical()
    ids: list[str] = []
    mids: list[Decimal] = []
    for side in (OrderSide.BUY, OrderSide.SELL):
        quotes = {
            leg.instrument.key: app.market.last_quote(leg.instrument.key) for leg in combo.legs
        }
        net = combo.net_quote({k: q for k, q in quotes.items() if q is not None})
        mids.append(to_decimal(net.mid))  # the simulator holds the quotes until the next step
        limit = (
            combo.round_price(net.ask) + Decimal("0.05")
            if side is OrderSide.BUY
            else combo.round_price(net.bid) - Decimal("0.05")
        )
        order = app.orders.stage(OrderIntent.for_combo(combo, side, 2, limit_price=limit))
        await app.orders.approve(order.id)
        session.run(0.5)
        assert app.orders.get(order.id).status is S.FILLED
        ids.append(order.id)
    realized = app.portfolio.realized_pnl()
    await app.stop()

    history = load_history(app.database.engine, MORNING.date(), MORNING.date())
    by_id = {o.order_id: o for o in history.orders}
    legs = tuple(ComboLegRecord(leg.instrument.key, leg.ratio, leg.sign) for leg in combo.legs)
    assert by_id[ids[0]].legs == by_id[ids[1]].legs == legs
    report = build_report(history.orders, history.fills, MORNING.date(), MORNING.date())
    [trade] = report.trades  # one trade of the combo, none of its legs
    assert report.open_trades == ()
    assert trade.combo and trade.instrument == combo.key and trade.quantity == 2
    assert trade.order_ids == tuple(ids)
    assert trade.commission == sum(f.commission for f in history.fills)
    assert trade.net_pnl == realized  # the legs' realized P&L, as the portfolio booked it
    entry = app.orders.get(ids[0]).avg_fill_price
    assert entry is not None and abs(trade.entry_price - entry) < Decimal("1e-9")
    # Each combo order's execution is measured at its net price against the legs' net mid
    # the stage record noted (the arrival price).
    executions = {e.order.order_id: e for e in report.orders}
    assert [executions[i].order.arrival_price for i in ids] == mids
    bought = executions[ids[0]]
    assert bought.avg_fill_price is not None and bought.vs_arrival is not None
    assert abs(bought.avg_fill_price - entry) < Decimal("1e-9") and bought.fill_rate == 1
    assert bought.vs_arrival.per_unit == bought.avg_fill_price - mids[0]
