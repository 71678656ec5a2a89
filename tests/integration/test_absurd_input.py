"""Absurd input never becomes an order in the queue, and a BLOCK order takes no room in limits."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.domain import (
    InvalidPrice,
    InvalidQuantity,
    ManualClock,
    Order,
    OrderSide,
    OrderType,
    VerdictLevel,
)
from terminal.persistence.audit_verify import iter_records
from tests.integration.app_setup import AAPL, buy, new_app, quote

pytestmark = pytest.mark.asyncio


async def started(tmp_path: Path) -> TradingApp:
    app = new_app(f"sqlite:///{tmp_path / 'absurd.db'}")
    await app.start()
    app.broker.push_quotes(quote())
    return app


def refusals(app: TradingApp) -> list[str]:
    assert app.writer.flush(10.0)
    return [
        str(r.details["reason"])
        for r in iter_records(app.database.engine)
        if r.action == "stage_refused"
    ]


@pytest.mark.parametrize(
    ("fields", "error", "problem"),
    [
        # Found at the desk: both were staged as BLOCK orders that sat in the queue.
        ({"quantity": "10,000,000", "limit_price": "150.00"}, InvalidQuantity, "absurd"),
        ({"quantity": "100", "limit_price": "99,999,999"}, InvalidPrice, "absurd"),
        # "1e3" was accepted as a price and stored as 1E+3.
        ({"quantity": "100", "limit_price": "1e3"}, InvalidPrice, "no scientific notation"),
        ({"quantity": "1e3", "limit_price": "150.00"}, InvalidQuantity, "no scientific notation"),
        ({"quantity": "100", "limit_price": "NaN"}, InvalidPrice, "finite"),
        ({"quantity": "100", "limit_price": "Infinity"}, InvalidPrice, "finite"),
    ],
)
async def test_absurd_or_scientific_input_is_refused_at_staging_and_audited(
    tmp_path: Path, fields: dict[str, str], error: type[Exception], problem: str
) -> None:
    app = await started(tmp_path)
    try:
        with pytest.raises(error, match=problem):
            app.orders.stage_input(AAPL, side=OrderSide.BUY, order_type=OrderType.LIMIT, **fields)

        assert app.orders.pending_approvals() == []
        (reason,) = refusals(app)
        assert problem in reason
    finally:
        await app.stop()


async def test_blocked_orders_in_the_queue_do_not_use_up_the_open_orders_limit(
    tmp_path: Path,
) -> None:
    app = await started(tmp_path)
    try:
        app.risk.update_limits(replace(app.risk.limits, max_open_orders=2))
        clock = app.clock
        assert isinstance(clock, ManualClock)

        def stage(qty: int) -> Order:
            clock.advance(1.0)  # one a second: the staging-rate rule stays out of it
            return app.orders.stage(buy(qty))

        blocked = [stage(20_000 + i) for i in range(3)]  # above max_order_quantity
        assert all(o.verdict and o.verdict.level is VerdictLevel.BLOCK for o in blocked)

        first, second, third = stage(100), stage(200), stage(300)

        assert first.verdict is not None and first.verdict.level is VerdictLevel.PASS
        assert second.verdict is not None and second.verdict.level is VerdictLevel.PASS
        # The limit still holds for orders that could be approved.
        assert third.verdict is not None
        assert [r.rule for r in third.verdict.reasons] == ["max_open_orders"]
        assert "2 orders already open" in third.verdict.reasons[0].message
        usage = {u.name: u for u in app.risk.utilisation(app.orders.open_orders())}
        # The risk panel counts the two approvable orders: no BLOCK (the third is one now too).
        assert usage["open_orders"].used == Decimal(2)
    finally:
        await app.stop()
