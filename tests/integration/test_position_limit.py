"""The position limit counts working orders, through the real order manager on the simulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import (
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    TimeInForce,
    VerdictLevel,
)
from terminal.oms.errors import ApprovalRefused
from terminal.settings import Settings

pytestmark = pytest.mark.asyncio

#: Monday 5 January 2026, 10:00 in New York.
MORNING = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


class Session:
    """The terminal on the simulator in virtual time, with a position limit of 100 shares."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock = ManualClock(MORNING)
        self.broker = SimBroker(self.clock, SimConfig(quote_fraction=1.0), seed=7)
        settings = Settings()
        limits = replace(settings.risk, max_position_quantity=Decimal(100))
        self.app = TradingApp.open(
            replace(settings, risk=limits),
            f"sqlite:///{tmp_path / 'limit.db'}",
            self.broker,
            self.clock,
        )
        self.app.restore()

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.1)):
            self.clock.advance(0.1)
            self.broker.step(0.1)

    async def resting_buy(self, quantity: int, below: float = 0.98) -> OrderIntent:
        """A buy limit under the bid (it rests), inside the price band."""
        aapl = await self.broker.qualify("AAPL")
        quote = self.app.market.last_quote("AAPL")
        assert quote is not None
        price = aapl.check_price(round(quote.bid * below, 2))
        return OrderIntent(
            aapl, OrderSide.BUY, Decimal(quantity), limit_price=price, tif=TimeInForce.GTC
        )


@pytest_asyncio.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    session = Session(tmp_path)
    await session.app.start()
    session.run(1.0)
    yield session
    await session.app.stop()


def position_reasons(order: Order) -> list[str]:
    assert order.verdict is not None
    return [r.message for r in order.verdict.reasons if r.rule == "max_position"]


async def test_a_second_working_buy_beyond_the_position_limit_is_refused(
    session: Session,
) -> None:
    app, broker = session.app, session.broker
    resting = await session.resting_buy(60)

    first = app.orders.stage(resting)
    assert first.verdict is not None and first.verdict.level is VerdictLevel.PASS
    await app.orders.approve(first.id)
    session.run(0.5)
    assert app.orders.get(first.id).status is OrderStatus.ACCEPTED

    second = app.orders.stage(resting)  # passes alone: 60 of 100
    assert second.verdict is not None and second.verdict.level is VerdictLevel.BLOCK
    assert position_reasons(second) == [
        "position in AAPL could reach 120, beyond the limit of 100: position 0, "
        "buy orders working 60, this order 60"
    ]
    with pytest.raises(ApprovalRefused, match="blocked by risk"):
        await app.orders.approve(second.id)
    assert [u.order_id for u in await broker.open_orders()] == [first.id]

    # Once the first order is cancelled it no longer counts.
    await app.orders.cancel(first.id)
    session.run(0.5)
    assert app.orders.get(first.id).status is OrderStatus.CANCELLED
    assert position_reasons(app.orders.stage(resting)) == []


async def test_one_cancels_other_buys_count_once_toward_the_limit(session: Session) -> None:
    app = session.app
    near, far = await session.resting_buy(60), await session.resting_buy(70, below=0.975)

    members = app.orders.stage_oco([near, far])

    assert [position_reasons(m) for m in members] == [[], []]
    await app.orders.approve(members[0].id)
    session.run(0.5)
    assert {app.orders.get(m.id).status for m in members} == {OrderStatus.ACCEPTED}
    # Working: one of 60 or 70 fills, never both: 70 + 31 is over 100, 70 + 30 is not.
    assert position_reasons(app.orders.stage(await session.resting_buy(30))) == []
    assert len(position_reasons(app.orders.stage(await session.resting_buy(31)))) == 1
