"""The matching engine on hand-built books: what fills, at what price, and what cancels."""

from __future__ import annotations

from decimal import Decimal

from terminal.domain import OrderRole, OrderStatus, OrderType, TimeInForce
from tests.helpers.sim_support import AAPL, BookVenue, EngineHarness, make_order

S = OrderStatus


def book() -> BookVenue:
    # bid 100.00 × 100, 99.99 × 200, 99.98 × 300; ask 100.01 × 100, 100.02 × 200, 100.03 × 300
    return BookVenue(
        bids=[(10000, 100), (9999, 200), (9998, 300)],
        asks=[(10001, 100), (10002, 200), (10003, 300)],
    )


def test_market_buy_walks_the_book_with_slippage() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 250, OrderType.MARKET)
    h.place(order)
    assert [(f.price, f.quantity) for f in h.fills] == [
        (Decimal("100.01"), Decimal(100)),
        (Decimal("100.02"), Decimal(150)),
    ]
    last = h.updates(order.id)[-1]
    assert last.status is S.FILLED
    assert last.avg_fill_price == (Decimal("100.01") * 100 + Decimal("100.02") * 150) / 250


def test_fill_is_reported_before_its_status_update() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "SELL", 50, OrderType.MARKET)
    h.place(order)
    kinds = [type(p).__name__ for _, p in h.engine.reports]
    assert kinds == ["OrderStatusUpdate", "Fill", "OrderStatusUpdate"]
    assert h.engine.reports[0][1].status is S.ACCEPTED  # type: ignore[union-attr]


def test_marketable_limit_fills_only_up_to_its_price_and_rests_the_rest() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 500, limit_price="100.02")
    h.place(order)
    assert sum(f.quantity for f in h.fills) == 300
    assert max(f.price for f in h.fills) == Decimal("100.02")
    assert h.status(order.id) is S.PARTIALLY_FILLED
    assert order.id in {so.id for so in h.engine.working["AAPL"]}


def test_resting_limit_fills_at_its_price_when_a_print_trades_through_it() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 300, limit_price="99.95")
    h.place(order)
    assert h.fills == []
    h.engine.match_key("AAPL", (9996, 200, +1), regular=True)  # buyer-initiated: not for us
    assert h.fills == []
    h.engine.match_key("AAPL", (9994, 200, -1), regular=True)  # seller through our bid
    assert [(f.price, f.quantity) for f in h.fills] == [(Decimal("99.95"), Decimal(200))]
    h.engine.match_key("AAPL", (9995, 400, -1), regular=True)  # at our price: half the print
    assert h.fills[-1].quantity == 100
    assert h.status(order.id) is S.FILLED


def test_resting_limit_fills_when_the_book_moves_through_it() -> None:
    venue = book()
    h = EngineHarness(venue)
    order = make_order(AAPL, "SELL", 100, limit_price="100.05")
    h.place(order)
    assert h.fills == []
    venue.bids.insert(0, [10007, 60])
    h.engine.match_key("AAPL", None, regular=True)
    assert [(f.price, f.quantity) for f in h.fills] == [(Decimal("100.07"), Decimal(60))]


def test_stop_triggers_on_a_print_and_becomes_a_market_order() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "SELL", 100, OrderType.STOP, stop_price="99.90")
    h.place(order)
    h.engine.match_key("AAPL", (9995, 100, -1), regular=True)
    assert h.fills == []
    h.engine.match_key("AAPL", (9990, 100, -1), regular=True)
    assert [(f.price, f.quantity) for f in h.fills] == [(Decimal("100.00"), Decimal(100))]


def test_stop_limit_does_not_fill_beyond_its_limit_after_triggering() -> None:
    h = EngineHarness(book())
    order = make_order(
        AAPL, "BUY", 400, OrderType.STOP_LIMIT, stop_price="100.01", limit_price="100.02"
    )
    h.place(order)
    h.engine.match_key("AAPL", (10001, 10, 1), regular=True)
    assert sum(f.quantity for f in h.fills) == 300
    assert all(f.price <= Decimal("100.02") for f in h.fills)


def test_trailing_stop_ratchets_up_with_prints_and_never_down() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "SELL", 100, OrderType.TRAIL, trail_amount="0.50", tif=TimeInForce.GTC)
    h.place(order)
    so = h.engine.by_client[order.id]
    h.engine.match_key("AAPL", (10100, 100, 1), regular=True)
    assert so.trail_stop == Decimal("100.50")
    h.engine.match_key("AAPL", (10060, 100, -1), regular=True)
    assert so.trail_stop == Decimal("100.50")
    assert h.fills == []
    h.engine.match_key("AAPL", (10050, 100, -1), regular=True)
    assert h.fills and h.fills[0].price == Decimal("100.00")


def test_trailing_percent_stop_for_a_buy_follows_the_low() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 10, OrderType.TRAIL, trail_percent="1")
    h.place(order)
    so = h.engine.by_client[order.id]
    h.engine.match_key("AAPL", (9900, 100, -1), regular=True)
    assert so.trail_stop == Decimal("99.99")  # 99.00 × 1.01, rounded up to the tick


def test_ioc_fills_what_is_there_and_cancels_the_remainder() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 250, limit_price="100.01", tif=TimeInForce.IOC)
    h.place(order)
    assert sum(f.quantity for f in h.fills) == 100
    last = h.updates(order.id)[-1]
    assert last.status is S.CANCELLED
    assert "IOC" in last.reason


def test_fok_without_enough_liquidity_fills_nothing() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 301, limit_price="100.02", tif=TimeInForce.FOK)
    h.place(order)
    assert h.fills == []
    assert h.status(order.id) is S.CANCELLED


def test_fok_with_enough_liquidity_fills_everything() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 300, limit_price="100.02", tif=TimeInForce.FOK)
    h.place(order)
    assert sum(f.quantity for f in h.fills) == 300
    assert h.status(order.id) is S.FILLED


def _bracket(h: EngineHarness, qty: int = 100) -> tuple[str, str, str]:
    parent = make_order(AAPL, "BUY", qty, limit_price="99.90", role=OrderRole.PARENT)
    tp = make_order(
        AAPL, "SELL", qty, limit_price="101.00", role=OrderRole.TAKE_PROFIT, parent_id=parent.id
    )
    sl = make_order(
        AAPL,
        "SELL",
        qty,
        OrderType.STOP,
        stop_price="99.00",
        role=OrderRole.STOP_LOSS,
        parent_id=parent.id,
    )
    for order in (parent, tp, sl):
        h.place(order)
    return parent.id, tp.id, sl.id


def test_bracket_children_wait_for_the_parent_to_fill() -> None:
    h = EngineHarness(book())
    parent, tp, sl = _bracket(h)
    h.engine.match_key("AAPL", (9890, 500, -1), regular=True)  # would trigger the stop
    assert [f.order_id for f in h.fills] == [parent]
    assert h.status(sl) is S.ACCEPTED
    h.engine.match_key("AAPL", (9890, 500, -1), regular=True)
    assert h.status(sl) is S.FILLED
    assert h.status(tp) is S.CANCELLED


def test_bracket_children_are_cancelled_when_the_parent_is_cancelled_unfilled() -> None:
    h = EngineHarness(book())
    parent, tp, sl = _bracket(h)
    h.engine.cancel(parent)
    assert (h.status(parent), h.status(tp), h.status(sl)) == (S.CANCELLED,) * 3


def test_oco_group_cancels_the_others_on_the_first_fill() -> None:
    h = EngineHarness(book())
    a = make_order(
        AAPL, "SELL", 100, limit_price="100.50", oca_group="g", role=OrderRole.OCO_MEMBER
    )
    b = make_order(AAPL, "BUY", 100, limit_price="100.01", oca_group="g", role=OrderRole.OCO_MEMBER)
    h.place(a)
    h.place(b)
    assert h.status(b.id) is S.FILLED
    assert h.status(a.id) is S.CANCELLED
    assert "OCA" in h.updates(a.id)[-1].reason


def test_modify_changes_the_price_and_a_cancel_after_fill_is_refused() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 100, limit_price="99.00")
    h.place(order)
    h.engine.modify(make_order(AAPL, "BUY", 100, limit_price="100.01", order_id=order.id))
    h.engine.match_key("AAPL", None, regular=True)
    assert h.status(order.id) is S.FILLED
    h.engine.cancel(order.id)
    refused = h.updates(order.id)[-1]
    assert refused.cancel_rejected
    assert refused.status is S.FILLED


def test_modify_below_the_filled_quantity_is_refused() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 300, limit_price="100.01")
    h.place(order)
    h.engine.modify(make_order(AAPL, "BUY", 50, limit_price="100.01", order_id=order.id))
    refused = h.updates(order.id)[-1]
    assert refused.modify_rejected and not refused.cancel_rejected
    assert refused.terms is not None and refused.terms.quantity == 300
    assert h.engine.by_client[order.id].quantity == 300


def test_day_orders_expire_and_gtc_orders_persist() -> None:
    h = EngineHarness(book())
    day = make_order(AAPL, "BUY", 100, limit_price="99.00")
    gtc = make_order(AAPL, "BUY", 100, limit_price="99.00", tif=TimeInForce.GTC)
    h.place(day)
    h.place(gtc)
    h.engine.expire_day_orders(h.clock.now().date().replace(day=6))
    assert h.status(day.id) is S.EXPIRED
    assert h.status(gtc.id) is S.ACCEPTED


def test_cancel_all_cancels_every_working_order() -> None:
    h = EngineHarness(book())
    orders = [make_order(AAPL, "BUY", 10, limit_price="99.00") for _ in range(3)]
    for order in orders:
        h.place(order)
    h.engine.cancel_all()
    assert {h.status(o.id) for o in orders} == {S.CANCELLED}
    assert "AAPL" not in h.engine.working


def test_orders_outside_regular_hours_wait_unless_allowed() -> None:
    h = EngineHarness(book())
    order = make_order(AAPL, "BUY", 10, OrderType.MARKET)
    so = h.engine.submit(order, h.clock.now().date())
    h.engine.activate(so, regular=False)
    assert h.fills == []
    h.engine.match_key("AAPL", None, regular=True)
    assert h.status(order.id) is S.FILLED


def test_commission_follows_the_schedule() -> None:
    h = EngineHarness(book())
    h.place(make_order(AAPL, "BUY", 100, OrderType.MARKET))
    assert h.fills[0].commission == Decimal("1.00")  # 100 × 0.005 = 0.50, minimum 1.00


def test_trailing_stop_limit_sets_its_limit_from_the_trailing_stop() -> None:
    h = EngineHarness(book())
    order = make_order(
        AAPL, "SELL", 500, OrderType.TRAIL_LIMIT, trail_amount="0.05", limit_offset="0.01"
    )
    h.place(order)
    h.engine.match_key("AAPL", (10004, 100, 1), regular=True)  # best print 100.04: stop 99.99
    assert h.fills == []
    h.engine.match_key("AAPL", (9999, 100, -1), regular=True)  # triggers; limit 99.98
    assert all(f.price >= Decimal("99.98") for f in h.fills)
    assert sum(f.quantity for f in h.fills) == 500  # 100 @ 100.00, 200 @ 99.99, 200 @ 99.98
