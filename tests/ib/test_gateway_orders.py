"""The loopback gateway's order handling, seen through the unmodified ib_async client.

AAPL starts at bid 189.99 / ask 190.01 / last 190.00.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from ib_async import IB, LimitOrder, MarketOrder, Order, Stock, StopOrder, Trade

from tests.ib.gateway import DEFAULT_REJECT_TEXT, Gateway, running_gateway
from tests.ib.gateway.client_wait import client_until

AAPL = Stock("AAPL", "SMART", "USD", conId=265598)


@pytest.fixture
def gw() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


async def _connect(gw: Gateway, client_id: int = 1) -> IB:
    client = IB()
    await client.connectAsync("127.0.0.1", gw.port, clientId=client_id, timeout=4)
    return client


@pytest_asyncio.fixture
async def ib(gw: Gateway) -> AsyncIterator[IB]:
    client = await _connect(gw)
    yield client
    client.disconnect()


def _errors(client: IB) -> list[tuple[int, int, str]]:
    seen: list[tuple[int, int, str]] = []
    client.errorEvent += lambda req_id, code, text, contract: seen.append((req_id, code, text))
    return seen


async def _status(ib: IB, trade: Trade, status: str, what: str = "") -> None:
    await client_until(
        ib, lambda: trade.orderStatus.status == status, what=what or f"status {status}"
    )


@pytest.mark.asyncio
async def test_market_order_fills_at_the_ask_with_exec_details_and_commission(
    gw: Gateway, ib: IB
) -> None:
    fills: list[float] = []
    commissions: list[float] = []
    ib.execDetailsEvent += lambda trade, fill: fills.append(fill.execution.price)
    ib.commissionReportEvent += lambda trade, fill, report: commissions.append(report.commission)
    sent = dt.datetime.now(dt.UTC)
    trade = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
    await client_until(ib, lambda: bool(commissions), what="commission report")
    answered = dt.datetime.now(dt.UTC)
    assert trade.orderStatus.status == "Filled"
    assert (trade.orderStatus.filled, trade.orderStatus.avgFillPrice) == (100, 190.01)
    assert fills == [190.01]
    assert commissions == [1.0]
    assert trade.order.permId > 0
    assert trade.fills[0].execution.side == "BOT"
    assert trade.fills[0].execution.acctNumber == "DU1234567"
    [placed] = gw.placed_orders
    assert (placed.order_id, placed.action, placed.total_quantity, placed.order_type) == (
        trade.order.orderId,
        "BUY",
        100,
        "MKT",
    )
    assert placed.received_at.tzinfo is not None
    assert sent <= placed.received_at <= answered  # stamped on arrival
    assert gw.order(trade.order.orderId).status == "Filled"


@pytest.mark.asyncio
async def test_place_order_fields_are_decoded_and_echoed_in_open_order(gw: Gateway, ib: IB) -> None:
    order = LimitOrder(
        "BUY", 10, 185.5, tif="GTC", ocaGroup="grp-1", orderRef="ref-7", outsideRth=True
    )
    trade = ib.placeOrder(AAPL, order)
    await _status(ib, trade, "Submitted")
    trail = Order(action="SELL", totalQuantity=5, orderType="TRAIL", trailingPercent=2.5,
                  trailStopPrice=180.0)  # fmt: skip
    trailing = ib.placeOrder(AAPL, trail)
    await _status(ib, trailing, "PreSubmitted")
    first, second = gw.placed_orders
    assert (first.lmt_price, first.tif, first.oca_group, first.order_ref) == (
        185.5,
        "GTC",
        "grp-1",
        "ref-7",
    )
    assert (first.outside_rth, first.transmit, first.parent_id, first.aux_price) == (
        True,
        True,
        0,
        None,
    )
    assert first.contract.con_id == 265598
    assert (second.order_type, second.trailing_percent, second.trail_stop_price) == (
        "TRAIL",
        2.5,
        180.0,
    )
    # A second session sees the full openOrder TWS sends, not the client's own copy.
    other = await _connect(gw, client_id=2)
    try:
        trades = await other.reqAllOpenOrdersAsync()
        echoed = next(t for t in trades if t.order.orderId == trade.order.orderId)
        assert (echoed.order.ocaGroup, echoed.order.orderRef, echoed.order.tif) == (
            "grp-1",
            "ref-7",
            "GTC",
        )
        assert (echoed.order.lmtPrice, echoed.order.totalQuantity, echoed.order.clientId) == (
            185.5,
            10,
            1,
        )
        assert echoed.orderStatus.status == "Submitted"
        assert echoed.contract.conId == 265598
    finally:
        other.disconnect()


@pytest.mark.asyncio
async def test_partial_fills_report_submitted_with_filled_then_filled() -> None:
    with running_gateway(partial_fills=True) as gw:
        ib = await _connect(gw)
        try:
            trade = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
            await client_until(
                ib, lambda: trade.orderStatus.filled == 50 and bool(trade.fills), what="first part"
            )
            assert trade.orderStatus.status == "Submitted"
            assert (trade.orderStatus.filled, trade.orderStatus.remaining) == (50, 50)
            gw.set_quote("AAPL", bid=190.00, ask=190.02)
            await _status(ib, trade, "Filled")
            assert [f.execution.shares for f in trade.fills] == [50, 50]
            assert [f.execution.price for f in trade.fills] == [190.01, 190.02]
            assert trade.orderStatus.avgFillPrice == pytest.approx(190.015)
        finally:
            ib.disconnect()


@pytest.mark.asyncio
async def test_a_manual_fill_control_fills_in_parts(gw: Gateway, ib: IB) -> None:
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 185.0))
    await _status(ib, trade, "Submitted")
    gw.fill(trade.order.orderId, 30, 184.9)
    await client_until(ib, lambda: trade.orderStatus.filled == 30, what="30 filled")
    assert trade.orderStatus.status == "Submitted"
    gw.fill(trade.order.orderId, price=185.0)
    await _status(ib, trade, "Filled")
    assert trade.orderStatus.avgFillPrice == pytest.approx((30 * 184.9 + 70 * 185.0) / 100)


@pytest.mark.asyncio
async def test_limit_order_rests_then_fills_at_its_limit_when_the_market_reaches_it(
    gw: Gateway, ib: IB
) -> None:
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 189.50))
    await _status(ib, trade, "Submitted")
    gw.set_quote("AAPL", bid=189.60, ask=189.70)
    assert gw.order(trade.order.orderId).status == "Submitted"
    gw.set_quote("AAPL", bid=189.40, ask=189.45)
    await _status(ib, trade, "Filled")
    assert trade.fills[0].execution.price == 189.50


@pytest.mark.asyncio
async def test_marketable_limit_fills_at_the_ask_on_arrival(ib: IB) -> None:
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 10, 191.00))
    await _status(ib, trade, "Filled")
    assert trade.orderStatus.avgFillPrice == 190.01


@pytest.mark.asyncio
async def test_stop_rests_presubmitted_until_the_last_price_crosses(gw: Gateway, ib: IB) -> None:
    trade = ib.placeOrder(AAPL, StopOrder("SELL", 100, 189.00))
    await _status(ib, trade, "PreSubmitted")
    gw.set_quote("AAPL", last=189.50)
    assert gw.order(trade.order.orderId).status == "PreSubmitted"
    gw.set_quote("AAPL", bid=188.88, ask=188.92, last=188.90)
    await _status(ib, trade, "Filled")
    assert trade.fills[0].execution.price == 188.88


@pytest.mark.asyncio
async def test_trailing_stop_follows_the_last_price_up_then_triggers(gw: Gateway, ib: IB) -> None:
    trail = Order(action="SELL", totalQuantity=100, orderType="TRAIL", auxPrice=1.0)
    trade = ib.placeOrder(AAPL, trail)
    await _status(ib, trade, "PreSubmitted")
    assert gw.order(trade.order.orderId).trail_stop_price == 189.00
    gw.set_quote("AAPL", bid=191.99, ask=192.01, last=192.00)
    assert gw.order(trade.order.orderId).trail_stop_price == 191.00
    gw.set_quote("AAPL", bid=191.49, ask=191.51, last=191.50)
    assert gw.order(trade.order.orderId).status == "PreSubmitted"
    gw.set_quote("AAPL", bid=190.95, ask=190.99, last=190.97)
    await _status(ib, trade, "Filled")
    assert trade.fills[0].execution.price == 190.95


@pytest.mark.asyncio
async def test_cancel_answers_cancelled_and_202(gw: Gateway, ib: IB) -> None:
    errors = _errors(ib)
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 180.0))
    await _status(ib, trade, "Submitted")
    ib.cancelOrder(trade.order)
    await _status(ib, trade, "Cancelled")
    await client_until(ib, lambda: any(c == 202 for _, c, _ in errors), what="202")
    assert (trade.order.orderId, 202, "Order Canceled - reason:") in errors
    assert gw.order(trade.order.orderId).status == "Cancelled"


@pytest.mark.asyncio
async def test_cancel_of_an_unknown_or_filled_order_is_refused(ib: IB) -> None:
    errors = _errors(ib)
    ib.client.cancelOrder(987654)
    filled = ib.placeOrder(AAPL, MarketOrder("BUY", 1))
    await _status(ib, filled, "Filled")
    ib.client.cancelOrder(filled.order.orderId)
    await client_until(ib, lambda: len([e for e in errors if e[1] >= 10000]) == 2, what="refusals")
    assert (987654, 10147, "OrderId 987654 that needs to be cancelled is not found.") in errors
    assert any(e[:2] == (filled.order.orderId, 10148) for e in errors)
    assert filled.orderStatus.status == "Filled"


@pytest.mark.asyncio
async def test_global_cancel_cancels_every_working_order_of_every_client(
    gw: Gateway, ib: IB
) -> None:
    other = await _connect(gw, client_id=2)
    try:
        mine = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 180.0))
        stop = ib.placeOrder(AAPL, StopOrder("SELL", 100, 170.0))
        theirs = other.placeOrder(AAPL, LimitOrder("SELL", 50, 200.0))
        await _status(other, theirs, "Submitted")
        await _status(ib, stop, "PreSubmitted")
        ib.reqGlobalCancel()
        await _status(ib, mine, "Cancelled")
        await _status(ib, stop, "Cancelled")
        await _status(other, theirs, "Cancelled")
        assert {o.status for o in gw.orders()} == {"Cancelled"}
    finally:
        other.disconnect()


@pytest.mark.asyncio
async def test_modify_updates_the_order_then_a_marketable_price_fills_it(
    gw: Gateway, ib: IB
) -> None:
    order = LimitOrder("BUY", 100, 185.0)
    trade = ib.placeOrder(AAPL, order)
    await _status(ib, trade, "Submitted")
    order.lmtPrice, order.totalQuantity = 186.0, 200
    ib.placeOrder(AAPL, order)
    await client_until(ib, lambda: trade.orderStatus.remaining == 200, what="modify acknowledged")
    snapshot = gw.order(order.orderId)
    assert (snapshot.lmt_price, snapshot.total_quantity, snapshot.status) == (
        186.0,
        200,
        "Submitted",
    )
    order.lmtPrice = 190.50
    ib.placeOrder(AAPL, order)
    await _status(ib, trade, "Filled")
    assert (trade.orderStatus.filled, trade.orderStatus.avgFillPrice) == (200, 190.01)
    assert len(gw.placed_orders) == 3


@pytest.mark.asyncio
async def test_bracket_children_wait_for_the_parent_then_one_exit_cancels_the_other(
    gw: Gateway, ib: IB
) -> None:
    parent, take_profit, stop_loss = ib.bracketOrder("BUY", 100, 189.00, 195.00, 185.00)
    parent_trade = ib.placeOrder(AAPL, parent)
    await gw.until(lambda g: len(g.placed_orders) == 1, what="parent received")
    held = gw.order(parent.orderId)
    assert (held.status, held.transmitted) == ("PendingSubmit", False)
    tp_trade = ib.placeOrder(AAPL, take_profit)
    sl_trade = ib.placeOrder(AAPL, stop_loss)
    await _status(ib, sl_trade, "PreSubmitted")
    assert parent_trade.orderStatus.status == "Submitted"
    assert tp_trade.orderStatus.status == "PreSubmitted"
    gw.set_quote("AAPL", bid=188.90, ask=188.95, last=188.93)
    await _status(ib, parent_trade, "Filled")
    await _status(ib, tp_trade, "Submitted", "take profit working")
    assert sl_trade.orderStatus.status == "PreSubmitted"
    assert parent_trade.fills[0].execution.price == 189.00
    gw.set_quote("AAPL", bid=195.05, ask=195.07, last=195.06)
    await _status(ib, tp_trade, "Filled")
    await _status(ib, sl_trade, "Cancelled", "stop loss cancelled")
    assert tp_trade.fills[0].execution.price == 195.00
    assert gw.position("AAPL") == 0
    realized = float(gw.account_values()["RealizedPnL"])
    assert realized == pytest.approx((195.00 - 189.00) * 100 - 2.0, abs=0.02)


@pytest.mark.asyncio
async def test_oca_group_fill_cancels_the_other_members(gw: Gateway, ib: IB) -> None:
    first = ib.placeOrder(AAPL, LimitOrder("SELL", 100, 192.0, ocaGroup="exit", ocaType=1))
    second = ib.placeOrder(AAPL, LimitOrder("SELL", 100, 193.0, ocaGroup="exit", ocaType=1))
    await _status(ib, second, "Submitted")
    gw.set_quote("AAPL", bid=192.05, ask=192.07, last=192.06)
    await _status(ib, first, "Filled")
    await _status(ib, second, "Cancelled", "OCA sibling cancelled")
    assert gw.order(second.order.orderId).filled == 0


@pytest.mark.asyncio
async def test_a_rejected_order_gets_201_then_inactive(gw: Gateway, ib: IB) -> None:
    errors = _errors(ib)
    gw.reject_next_order()
    rejected = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
    await _status(ib, rejected, "Inactive")
    assert (rejected.order.orderId, 201, DEFAULT_REJECT_TEXT) in errors
    assert gw.order(rejected.order.orderId).status == "Inactive"
    assert rejected.fills == []
    accepted = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
    await _status(ib, accepted, "Filled")


@pytest.mark.asyncio
async def test_off_tick_prices_are_refused_with_110(ib: IB) -> None:
    errors = _errors(ib)
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 189.123))
    await _status(ib, trade, "Cancelled")
    assert [c for r, c, _ in errors if r == trade.order.orderId] == [110]


@pytest.mark.asyncio
async def test_positions_and_account_values_follow_fills(gw: Gateway, ib: IB) -> None:
    buy = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
    await _status(ib, buy, "Filled")

    def cash() -> float:
        values = {v.tag: v.value for v in ib.accountValues() if v.currency == "USD"}
        return float(values["TotalCashValue"])

    await client_until(
        ib,
        lambda: cash() == pytest.approx(1_000_000 - 19_001 - 1) and bool(ib.portfolio()),
        what="cash and portfolio after the fill",
    )
    [position] = ib.positions()
    assert (position.contract.conId, position.position) == (265598, 100)
    assert position.avgCost == pytest.approx(190.02)
    [item] = ib.portfolio()
    assert item.marketPrice == 190.00
    assert item.unrealizedPNL == pytest.approx(190.00 * 100 - 19_002)
    sell = ib.placeOrder(AAPL, MarketOrder("SELL", 100))
    await _status(ib, sell, "Filled")
    await client_until(ib, lambda: not ib.positions(), what="flat")
    realized = (189.99 - 190.02) * 100 - 1.0
    assert float(gw.account_values()["RealizedPnL"]) == pytest.approx(realized, abs=0.01)
    assert sell.fills[0].commissionReport.realizedPNL == pytest.approx(realized, abs=0.01)


@pytest.mark.asyncio
async def test_open_orders_survive_a_reconnect(gw: Gateway, ib: IB) -> None:
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 180.0, orderRef="keep"))
    await _status(ib, trade, "Submitted")
    ib.disconnect()
    await gw.until(lambda g: g.connections == 0, what="disconnected")
    again = await _connect(gw)
    try:
        [restored] = again.openTrades()
        assert (restored.order.orderId, restored.order.orderRef) == (trade.order.orderId, "keep")
        assert restored.orderStatus.status == "Submitted"
    finally:
        again.disconnect()


@pytest.mark.asyncio
async def test_a_fill_while_disconnected_shows_up_after_reconnect(gw: Gateway, ib: IB) -> None:
    trade = ib.placeOrder(AAPL, LimitOrder("BUY", 100, 185.0))
    await _status(ib, trade, "Submitted")
    order_id = trade.order.orderId
    ib.disconnect()
    await gw.until(lambda g: g.connections == 0, what="disconnected")
    gw.fill(order_id, price=185.0)
    assert gw.order(order_id).status == "Filled"
    again = await _connect(gw)
    try:
        [fill] = again.fills()
        assert (fill.execution.orderId, fill.execution.shares, fill.execution.price) == (
            order_id,
            100,
            185.0,
        )
        assert fill.commissionReport.commission == 1.0
        assert [p.position for p in again.positions()] == [100]
        assert again.openTrades() == []
        executions = await again.reqExecutionsAsync()
        assert [f.execution.execId for f in executions] == [fill.execution.execId]
        completed = await again.reqCompletedOrdersAsync(False)
        assert [(t.order.permId, t.orderStatus.status) for t in completed] == [
            (gw.order(order_id).perm_id, "Filled")
        ]
    finally:
        again.disconnect()


@pytest.mark.asyncio
async def test_order_messages_go_only_to_the_client_that_placed_the_order(
    gw: Gateway, ib: IB
) -> None:
    other = await _connect(gw, client_id=2)
    try:
        seen: list[int] = []
        other.orderStatusEvent += lambda trade: seen.append(trade.order.orderId)
        trade = ib.placeOrder(AAPL, MarketOrder("BUY", 10))
        await _status(ib, trade, "Filled")
        await asyncio.wait_for(other.reqCurrentTimeAsync(), 5)
        assert seen == []
    finally:
        other.disconnect()


@pytest.mark.asyncio
async def test_account_summary_and_pnl_report_the_fill(gw: Gateway, ib: IB) -> None:
    trade = ib.placeOrder(AAPL, MarketOrder("BUY", 100))
    await _status(ib, trade, "Filled")
    summary = {v.tag: v.value for v in await ib.accountSummaryAsync()}
    assert summary["TotalCashValue"] == "980998.00"
    assert float(summary["NetLiquidation"]) == pytest.approx(980_998 + 19_000)
    assert {"BuyingPower", "InitMarginReq", "MaintMarginReq", "EquityWithLoanValue"} <= set(summary)
    pnl = ib.reqPnL("DU1234567")
    gw.set_quote("AAPL", last=191.00)
    gw.publish_account()
    await client_until(ib, lambda: pnl.unrealizedPnL == pytest.approx(98.0), what="pnl")
    assert pnl.realizedPnL == 0


@pytest.mark.asyncio
async def test_positions_put_on_the_books_show_at_connect_and_new_stocks_trade() -> None:
    with running_gateway() as gw:
        gw.set_position("MSFT", 50, 400.0)
        con_id = gw.add_stock("XYZ", 12.34, long_name="XYZ HOLDINGS")
        ib = await _connect(gw)
        try:
            assert [(p.contract.symbol, p.position, p.avgCost) for p in ib.positions()] == [
                ("MSFT", 50, 400.0)
            ]
            xyz = Stock("XYZ", "SMART", "USD")
            await ib.qualifyContractsAsync(xyz)
            assert xyz.conId == con_id
            trade = ib.placeOrder(xyz, MarketOrder("BUY", 10))
            await _status(ib, trade, "Filled")
            assert trade.orderStatus.avgFillPrice == 12.35
        finally:
            ib.disconnect()


@pytest.mark.asyncio
async def test_a_what_if_order_previews_margin_and_commission_without_trading(
    gw: Gateway, ib: IB
) -> None:
    state = await asyncio.wait_for(ib.whatIfOrderAsync(AAPL, MarketOrder("BUY", 400)), 5)
    assert float(state.initMarginChange) == pytest.approx(0.25 * 400 * 190.01)
    assert float(state.equityWithLoanChange) == pytest.approx(-2.0)
    assert state.commission == 2.0
    assert gw.orders() == []
    assert gw.positions() == []
    assert gw.placed_orders[0].what_if
