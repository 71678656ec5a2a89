"""A modification the simulated exchange refuses, through the whole core on a real database: the
book shows the stop the exchange holds, the refusal is audited and alerted, the order works on."""

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
)
from terminal.oms.errors import ModifyFailed
from terminal.persistence.audit_verify import iter_records
from terminal.settings import Settings
from tests.helpers.waiting import until

pytestmark = pytest.mark.asyncio
S = OrderStatus
#: Monday 5 January 2026, 10:00 in New York.
MORNING = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


class SimDesk:
    def __init__(self, db_url: str) -> None:
        self.clock = ManualClock(MORNING)
        config = SimConfig(quote_fraction=1.0, trade_probability=0.8)
        self.broker = SimBroker(self.clock, config, seed=7)
        self.app = TradingApp.open(Settings(), db_url, self.broker, self.clock)
        self.app.restore()

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.1)):
            self.clock.advance(0.1)
            self.broker.step(0.1)

    async def resting_stop(self) -> Order:
        """A buy stop well above the market: it works and does not trigger."""
        await self.app.start()
        self.run(1.0)
        aapl = await self.broker.qualify("AAPL")
        quote = self.app.market.last_quote("AAPL")
        assert quote is not None
        stop = aapl.check_price(round(quote.ask * 1.2, 2))
        intent = OrderIntent(
            aapl, OrderSide.BUY, Decimal(10), OrderType.STOP, stop_price=stop, tif=TimeInForce.GTC
        )
        staged = self.app.orders.stage(intent)
        await self.app.orders.approve(staged.id, override_reason="test: resting stop")
        self.run(0.5)
        order = self.app.orders.get(staged.id)
        assert order.status is S.ACCEPTED
        return order

    def held_stop(self, order_id: str) -> Decimal | None:
        """The stop the exchange holds for the order."""
        return self.broker.exchange.engine.by_client[order_id].order.intent.stop_price

    def audit(self, action: str, order_id: str) -> list[dict[str, object]]:
        assert self.app.writer.flush(10)
        return [
            r.details
            for r in iter_records(self.app.database.engine)
            if r.action == action and r.subject == order_id
        ]

    def alerts(self, text: str) -> list[str]:
        return [a.message for a in self.app.alerts.active() if text in a.message]


async def test_a_refused_modification_leaves_the_stop_where_the_exchange_holds_it(
    db_url: str,
) -> None:
    desk = SimDesk(db_url)
    order = await desk.resting_stop()
    was = order.intent.stop_price
    assert was is not None
    desk.broker.refuse_next_modify("modify refused: stop too close to the market")
    moved = await desk.app.orders.modify(order.id, stop_price=was - Decimal("1.00"))
    assert moved.intent.stop_price == was - Decimal("1.00")  # asked for, on its way
    desk.run(0.5)
    await until(
        desk.app.orders.order_updated,
        lambda: desk.app.orders.get(order.id).intent.stop_price == was,
        "the stop back where the exchange holds it",
    )
    now = desk.app.orders.get(order.id)
    assert now.intent.stop_price == desk.held_stop(order.id) == was
    assert now.status is S.ACCEPTED and now.reason.startswith("modify refused")
    [record] = desk.audit("modify_rejected", order.id)
    assert record["held"]["stop_price"] == str(was)  # type: ignore[index]
    assert record["refused"]["stop_price"] == str(was - Decimal("1.00"))  # type: ignore[index]
    [alert] = desk.alerts("Modify refused by broker")
    assert "stop too close to the market" in alert and "keeps working" in alert
    assert [a.severity for a in desk.app.alerts.active() if a.message == alert] == [
        Severity.WARNING
    ]
    assert desk.app.store.load_orders(open_only=True)[0].intent.stop_price == was
    # It still works: the next modification is made.
    await desk.app.orders.modify(order.id, stop_price=was + Decimal("1.00"))
    desk.run(0.5)
    assert desk.held_stop(order.id) == was + Decimal("1.00")
    assert desk.app.orders.get(order.id).intent.stop_price == was + Decimal("1.00")
    await desk.app.stop()


async def test_a_modification_the_exchange_cannot_take_now_is_refused_at_once(
    db_url: str,
) -> None:
    desk = SimDesk(db_url)
    order = await desk.resting_stop()
    was = order.intent.stop_price
    assert was is not None
    desk.broker.drop_connection()
    with pytest.raises(ModifyFailed, match="not connected"):
        await desk.app.orders.modify(order.id, stop_price=was - Decimal("1.00"))
    now = desk.app.orders.get(order.id)
    assert now.intent.stop_price == desk.held_stop(order.id) == was
    assert now.status is S.ACCEPTED
    assert len(desk.audit("modify_rejected", order.id)) == 1
    assert desk.alerts("Modify refused by broker")
    await desk.app.stop()
