"""A combo order as IB's BAG: its legs by conId, the net limit in IB's convention, the routing
tag IB requires for combos it does not guarantee, and the BAG's own execution told apart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from ib_async import Contract, Option, Stock, TagValue

from terminal.broker.ib.mapping import (
    bag_contract,
    combo_routing_params,
    ib_order_for,
    is_bag_execution,
)
from terminal.domain import (
    Combo,
    ComboLeg,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    UnknownInstrument,
)

JAN = dt.date(2026, 1, 16)
BUY, SELL = OrderSide.BUY, OrderSide.SELL
LOW = Instrument.option("AAPL", JAN, 230, "C")
MID = Instrument.option("AAPL", JAN, 235, "C")
HIGH = Instrument.option("AAPL", JAN, 240, "C")
STOCK = Instrument.stock("AAPL")
CON_IDS = {LOW.key: 1001, MID.key: 1002, HIGH.key: 1003, STOCK.key: 265598}
NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def contracts(*instruments: Instrument) -> dict[str, Contract]:
    out: dict[str, Contract] = {}
    for inst in instruments:
        if inst.is_option:
            out[inst.key] = Option("AAPL", "20260116", float(inst.strike or 0), "C", "SMART",
                                   conId=CON_IDS[inst.key])  # fmt: skip
        else:
            out[inst.key] = Stock("AAPL", "SMART", "USD", conId=CON_IDS[inst.key])
    return out


def order(combo: Combo, side: OrderSide, quantity: int = 1, **fields: Any) -> Order:
    intent = OrderIntent.for_combo(combo, side, quantity, **fields)
    return Order(id="C-1", intent=intent, status=OrderStatus.APPROVED, created_at=NOW,
                 updated_at=NOW)  # fmt: skip


def test_a_butterfly_is_one_bag_with_each_legs_conid_ratio_and_action_for_the_bought_combo() -> (
    None
):
    fly = Combo((ComboLeg(HIGH, 1, BUY), ComboLeg(MID, 2, SELL), ComboLeg(LOW, 1, BUY)), "fly")
    bag = bag_contract(fly, contracts(LOW, MID, HIGH))
    assert (bag.secType, bag.symbol, bag.currency, bag.exchange) == ("BAG", "AAPL", "USD", "SMART")
    legs = [(leg.conId, leg.ratio, leg.action, leg.exchange) for leg in bag.comboLegs]
    assert legs == [
        (1001, 1, "BUY", "SMART"),
        (1002, 2, "SELL", "SMART"),
        (1003, 1, "BUY", "SMART"),
    ]


def test_a_buy_write_names_its_stock_leg_by_conid_too() -> None:
    buy_write = Combo((ComboLeg(STOCK, 1, BUY), ComboLeg(HIGH, 1, SELL)), "buy-write")
    bag = bag_contract(buy_write, contracts(STOCK, HIGH))
    assert [(leg.conId, leg.action) for leg in bag.comboLegs] == [(265598, "BUY"), (1003, "SELL")]
    assert combo_routing_params(buy_write) == []  # IB guarantees US stock-vs-option combos


def test_a_leg_not_qualified_is_refused_not_sent_without_its_conid() -> None:
    vertical = Combo((ComboLeg(LOW, 1, BUY), ComboLeg(HIGH, 1, SELL)), "vertical")
    with pytest.raises(UnknownInstrument, match="not qualified"):
        bag_contract(vertical, contracts(LOW))
    unqualified = {**contracts(LOW), HIGH.key: Option("AAPL", "20260116", 240, "C", "SMART")}
    with pytest.raises(UnknownInstrument, match="240"):
        bag_contract(vertical, unqualified)


@pytest.mark.parametrize(
    ("side", "limit", "action", "lmt"),
    [
        (BUY, "3.40", "BUY", 3.4),  # a debit
        (BUY, "-1.20", "BUY", -1.2),  # a credit: IB takes the negative limit as it is
        (SELL, "1.20", "SELL", 1.2),  # sold for a credit of at least 1.20
        (BUY, "0", "BUY", 0.0),
    ],
)
def test_the_net_limit_goes_to_ib_unchanged_with_the_combos_side(
    side: OrderSide, limit: str, action: str, lmt: float
) -> None:
    vertical = Combo((ComboLeg(LOW, 1, BUY), ComboLeg(HIGH, 1, SELL)), "vertical")
    ib = ib_order_for(order(vertical, side, 3, limit_price=Decimal(limit), tif=TimeInForce.GTC))
    assert (ib.action, ib.totalQuantity, ib.orderType, ib.lmtPrice) == (action, 3, "LMT", lmt)
    assert (ib.tif, ib.orderRef) == ("GTC", "C-1")
    assert ib.smartComboRoutingParams == []


def test_a_market_combo_is_mkt_for_the_day() -> None:
    vertical = Combo((ComboLeg(LOW, 1, BUY), ComboLeg(HIGH, 1, SELL)), "vertical")
    ib = ib_order_for(order(vertical, BUY, 2, order_type=OrderType.MARKET))
    assert (ib.orderType, ib.tif, ib.totalQuantity) == ("MKT", "DAY", 2)


def test_a_combo_ib_does_not_guarantee_is_sent_non_guaranteed() -> None:
    low = Instrument.option("SAP", JAN, 200, "C", currency="EUR")
    high = Instrument.option("SAP", JAN, 210, "C", currency="EUR")
    euro = Combo((ComboLeg(low, 1, BUY), ComboLeg(high, 1, SELL)), "vertical")
    assert combo_routing_params(euro) == [TagValue("NonGuaranteed", "1")]
    ib = ib_order_for(order(euro, BUY, 1, limit_price=Decimal("2.00")))
    assert ib.smartComboRoutingParams == [TagValue("NonGuaranteed", "1")]


def test_the_bags_own_execution_is_told_apart_from_its_legs() -> None:
    assert is_bag_execution(Contract(secType="BAG", conId=28812380))
    assert not is_bag_execution(Option("AAPL", "20260116", 230, "C", "SMART", conId=1001))
    assert not is_bag_execution(None)
