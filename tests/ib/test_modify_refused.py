"""TWS refuses a modification (error on the order id, the order keeps working at its old
terms), through the whole core on a real database: the book shows the limit IB holds, the
refusal is audited and alerted, and the order can still be modified and cancelled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.broker.ib.broker import IBBroker
from terminal.domain import Order, OrderIntent, OrderSide, OrderStatus, OrderType, WallClock
from terminal.persistence.audit_verify import iter_records
from terminal.settings import Settings, UiSettings
from terminal.startup import wait_for
from tests.ib.adapter_setup import FAST, gateway
from tests.ib.gateway import Gateway

pytestmark = pytest.mark.asyncio
S = OrderStatus
REFUSED = "Order rejected - reason:The price is too far from the market"


@asynccontextmanager
async def terminal_on(gw: Gateway, tmp_path: Path, client_id: int) -> AsyncIterator[TradingApp]:
    settings = Settings(ui=UiSettings(watchlist=("AAPL",)))
    config = replace(FAST, port=gw.port, client_id=client_id)
    app = TradingApp.open(
        settings, f"sqlite:///{tmp_path / 'ib.db'}", IBBroker(config, WallClock()), WallClock()
    )
    app.restore()
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


async def resting_bid(app: TradingApp, gw: Gateway) -> tuple[Order, int]:
    intent = OrderIntent(
        app.watchlist[0],
        OrderSide.BUY,
        Decimal(10),
        OrderType.LIMIT,
        limit_price=Decimal("195"),
        outside_rth=True,
    )
    staged = app.orders.stage(intent)
    await app.orders.approve(staged.id, override_reason="test: resting order")
    await gw.until(lambda g: len(g.orders()) == 1 and g.orders()[0].status == "Submitted")
    await wait_for(
        app.orders.order_updated,
        lambda: app.orders.get(staged.id).status is S.ACCEPTED,
        "accepted",
        5,
    )
    return app.orders.get(staged.id), gw.orders()[0].order_id


async def limit_becomes(app: TradingApp, order_id: str, price: str) -> None:
    await wait_for(
        app.orders.order_updated,
        lambda: app.orders.get(order_id).intent.limit_price == Decimal(price),
        f"limit {price} in the book",
        5,
    )


def refusals(app: TradingApp, order_id: str) -> list[dict[str, object]]:
    assert app.writer.flush(10)
    return [
        r.details
        for r in iter_records(app.database.engine)
        if r.action == "modify_rejected" and r.subject == order_id
    ]


@pytest.mark.parametrize("report_order", [True, False], ids=["with-openOrder", "error-only"])
async def test_a_modify_tws_refuses_leaves_the_book_at_the_limit_ib_holds(
    tmp_path: Path, report_order: bool
) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with terminal_on(gw, tmp_path, 141 + report_order) as app:
            order, ib_id = await resting_bid(app, gw)
            gw.refuse_next_modify(201, REFUSED, report_order=report_order)
            await app.orders.modify(order.id, limit_price=Decimal("196"))
            await limit_becomes(app, order.id, "195")
            now = app.orders.get(order.id)
            assert gw.order(ib_id).lmt_price == 195.0 and gw.order(ib_id).status == "Submitted"
            assert now.intent.limit_price == Decimal("195") and now.status is S.ACCEPTED
            assert "too far from the market" in now.reason
            [record] = refusals(app, order.id)
            assert record["held"]["limit_price"] == "195"  # type: ignore[index]
            assert record["refused"]["limit_price"] == "196"  # type: ignore[index]
            assert record["terms_reported"] is True
            alerts = [a.message for a in app.alerts.active() if "Modify refused" in a.message]
            assert len(alerts) == 1 and "201" in alerts[0] and "keeps working" in alerts[0]
            # The order works on at IB and here: the next modification is made...
            await app.orders.modify(order.id, limit_price=Decimal("197"))
            await gw.until(lambda g: g.order(ib_id).lmt_price == 197.0, what="197 at IB")
            await limit_becomes(app, order.id, "197")
            # ... and a cancel ends it.
            await app.orders.cancel(order.id)
            await wait_for(
                app.orders.order_updated,
                lambda: app.orders.get(order.id).status is S.CANCELLED,
                "cancelled",
                5,
            )
            assert gw.order(ib_id).status == "Cancelled"
            assert app.orders.get(order.id).status is S.CANCELLED


async def test_when_one_of_two_modifies_is_refused_the_book_follows_ib(tmp_path: Path) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with terminal_on(gw, tmp_path, 143) as app:
            order, ib_id = await resting_bid(app, gw)
            gw.hold_replies()  # both modifications go out before TWS answers either
            await app.orders.modify(order.id, limit_price=Decimal("196"))
            await gw.until(lambda g: len(g.placed_orders) == 2, what="the first modify")
            gw.refuse_next_modify(201, REFUSED, report_order=False)
            await app.orders.modify(order.id, limit_price=Decimal("197"))
            await gw.until(lambda g: len(g.placed_orders) == 3, what="the second modify")
            gw.release_replies()
            await wait_for(
                app.orders.order_updated,
                lambda: bool(app.orders.get(order.id).reason),
                "the refusal",
                5,
            )
            # IB made the first (196) and refused the second (197): neither our first terms
            # nor our last wish.
            assert gw.order(ib_id).lmt_price == 196.0
            assert app.orders.get(order.id).intent.limit_price == Decimal("196")
            assert app.orders.get(order.id).status is S.ACCEPTED
            [record] = refusals(app, order.id)
            assert record["held"]["limit_price"] == "196"  # type: ignore[index]


async def test_a_fill_at_the_old_limit_before_tws_takes_the_modify_stands(tmp_path: Path) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with terminal_on(gw, tmp_path, 144) as app:
            order, ib_id = await resting_bid(app, gw)
            gw.hold_replies()  # the fill's messages are on their way when the modify leaves
            gw.fill(ib_id, price=195.0)
            await app.orders.modify(order.id, limit_price=Decimal("194"))
            await gw.until(lambda g: len(g.placed_orders) == 2, what="the modify")
            gw.release_replies()  # the fill, then TWS's error for the modify of a done order
            await wait_for(
                app.orders.order_updated,
                lambda: (
                    app.orders.get(order.id).status is S.FILLED
                    and app.orders.get(order.id).intent.limit_price == Decimal("195")
                ),
                "filled, at the limit it filled under",
                5,
            )
            filled = app.orders.get(order.id)
            assert (filled.filled_quantity, filled.avg_fill_price) == (10, Decimal("195"))
            [exec_id] = app.orders.book.known_exec_ids()
            booked = app.orders.book.fill(exec_id)
            assert booked is not None and booked.price == Decimal("195")
            [record] = refusals(app, order.id)
            assert record["refused"]["limit_price"] == "194"  # type: ignore[index]
            assert record["reported"] == "filled"
