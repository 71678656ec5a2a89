"""The loopback gateway's combo (BAG) orders, seen through the unmodified ib_async client: the
legs it parses, all legs or nothing, executions per leg plus the BAG's, malformed combos refused.

AAPL starts at bid 189.99 / ask 190.01; its options are priced from that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from ib_async import IB, Bag, ComboLeg, LimitOrder, MarketOrder, TagValue, Trade

from tests.ib.gateway import Gateway, running_gateway
from tests.ib.gateway.client_wait import client_until
from tests.ib.gateway.combos import BAG_CON_ID
from tests.ib.gateway.history import TWS_TZ
from tests.ib.gateway.instruments import occ_symbol, option_expiries

pytestmark = pytest.mark.asyncio


@pytest.fixture
def gw() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


@pytest_asyncio.fixture
async def ib(gw: Gateway) -> AsyncIterator[IB]:
    client = IB()
    await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
    yield client
    client.disconnect()


def first_call(strike: int) -> str:
    """The OCC symbol of the AAPL call at ``strike`` on the gateway's first expiry."""
    expiry = option_expiries(dt.datetime.now(TWS_TZ).date())[0]
    return occ_symbol("AAPL", expiry, "C", float(strike))


def call(gw: Gateway, strike: int) -> int:
    return gw.con_id(first_call(strike))


def bag(*legs: tuple[int, int, str]) -> Bag:
    return Bag(
        symbol="AAPL",
        exchange="SMART",
        currency="USD",
        comboLegs=[ComboLeg(conId=c, ratio=r, action=a, exchange="SMART") for c, r, a in legs],
    )


def errors_of(ib: IB) -> list[tuple[int, int, str]]:
    seen: list[tuple[int, int, str]] = []
    ib.errorEvent += lambda req_id, code, text, contract: seen.append((req_id, code, text))
    return seen


async def test_a_bag_is_parsed_with_every_leg_and_routing_tag_and_echoed_with_its_legs(
    gw: Gateway, ib: IB
) -> None:
    low, high = call(gw, 190), call(gw, 200)
    order = LimitOrder("BUY", 2, 0.05)
    order.smartComboRoutingParams = [TagValue("NonGuaranteed", "1")]
    trade = ib.placeOrder(bag((low, 1, "BUY"), (high, 2, "SELL")), order)
    await client_until(ib, lambda: trade.orderStatus.status == "Submitted", what="working")
    placed = gw.placed_orders[0]
    assert [(leg.con_id, leg.ratio, leg.action) for leg in placed.combo_legs] == [
        (low, 1, "BUY"),
        (high, 2, "SELL"),
    ]
    assert placed.combo_params == (("NonGuaranteed", "1"),)
    assert (placed.lmt_price, placed.total_quantity) == (0.05, 2)
    # Another session sees the order as TWS echoes it (ib_async keeps its own contract for
    # the trade it placed): the BAG, its legs and its routing tag.
    other = IB()
    await other.connectAsync("127.0.0.1", gw.port, clientId=2, timeout=4)
    try:
        [echoed] = await other.reqAllOpenOrdersAsync()
    finally:
        other.disconnect()
    assert (echoed.contract.secType, echoed.contract.conId) == ("BAG", BAG_CON_ID)
    assert [(leg.conId, leg.ratio, leg.action) for leg in echoed.contract.comboLegs] == [
        (low, 1, "BUY"),
        (high, 2, "SELL"),
    ]
    assert echoed.order.smartComboRoutingParams == [TagValue("NonGuaranteed", "1")]
    assert echoed.contract.comboLegsDescrip == f"{low}|1,{high}|2"
    assert gw.executions() == []


async def test_a_marketable_bag_fills_every_leg_in_ratio_and_the_bag_once(
    gw: Gateway, ib: IB
) -> None:
    low, high = call(gw, 185), call(gw, 190)
    trade: Trade = ib.placeOrder(bag((low, 1, "BUY"), (high, 2, "SELL")), MarketOrder("BUY", 3))
    await client_until(ib, lambda: trade.orderStatus.status == "Filled", what="filled")
    await client_until(ib, lambda: len(trade.fills) == 3, what="three executions")
    by_contract = {f.contract.conId: f.execution for f in trade.fills}
    assert (by_contract[low].side, by_contract[low].shares) == ("BOT", 3)
    assert (by_contract[high].side, by_contract[high].shares) == ("SLD", 6)
    net = by_contract[BAG_CON_ID]
    assert net.shares == 3
    assert net.price == pytest.approx(by_contract[low].price - 2 * by_contract[high].price)
    assert trade.filled() == 3  # ib_async counts the BAG's own execution for a BAG
    assert gw.position(first_call(185)) == 3
    assert trade.orderStatus.filled == 3


async def test_a_bag_not_marketable_at_its_net_limit_fills_no_leg(gw: Gateway, ib: IB) -> None:
    low, high = call(gw, 190), call(gw, 195)
    trade = ib.placeOrder(bag((low, 1, "BUY"), (high, 1, "SELL")), LimitOrder("SELL", 1, 9.0))
    await client_until(ib, lambda: trade.orderStatus.status == "Submitted", what="working")
    gw.set_quote("AAPL", bid=190.5, ask=190.52)
    await ib.reqOpenOrdersAsync()  # a round trip after the re-match
    assert gw.executions() == []
    assert trade.orderStatus.status == "Submitted"


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        ((), 321),
        (((999_999_999, 1, "BUY"),), 200),
        (((0, 0, "BUY"),), 321),  # a zero ratio (conId filled in below)
        (((0, 1, "HOLD"),), 321),
        (((0, 1, "BUY"), (0, 1, "SELL")), 321),  # a leg twice
        (((265598, 100, "BUY"), (756733, 100, "SELL")), 321),  # AAPL vs SPY: two underlyings
    ],
)
async def test_a_malformed_bag_is_refused_with_tws_error_code(
    gw: Gateway, ib: IB, legs: tuple[tuple[int, int, str], ...], code: int
) -> None:
    low, high = call(gw, 190), call(gw, 195)
    legs = (*((c or low, r, a) for c, r, a in legs), (high, 1, "SELL"))
    if not legs[:-1]:
        legs = ()
    errors = errors_of(ib)
    trade = ib.placeOrder(bag(*legs), LimitOrder("BUY", 1, 1.0))
    await client_until(ib, lambda: errors, what="the error")
    assert errors[0][:2] == (trade.order.orderId, code)
    assert gw.orders() == []


async def test_without_bag_executions_only_the_legs_are_reported() -> None:
    with running_gateway(bag_executions=False) as gw:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            low, high = call(gw, 185), call(gw, 190)
            trade = ib.placeOrder(bag((low, 1, "BUY"), (high, 1, "SELL")), MarketOrder("BUY", 1))
            await client_until(ib, lambda: trade.orderStatus.status == "Filled", what="filled")
            await client_until(ib, lambda: len(trade.fills) == 2, what="the legs")
            assert {f.contract.conId for f in trade.fills} == {low, high}
            assert [e.instrument.sec_type for e in gw.executions()] == ["OPT", "OPT"]
        finally:
            ib.disconnect()
