"""A combo is one order: its intent's rules, its fills per leg, and its way through the OMS."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from terminal.broker.base import BrokerCapabilities
from terminal.domain import (
    Combo,
    ComboLeg,
    DomainError,
    Fill,
    Instrument,
    InvalidOrder,
    InvalidPrice,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.combo_fills import add_leg_fill, net_average, units_filled
from terminal.oms.errors import ApprovalRefused
from tests.unit.oms_setup import make_desk, until_status

JAN = dt.date(2026, 1, 16)
BUY, SELL = OrderSide.BUY, OrderSide.SELL
LOW = Instrument.option("AAPL", JAN, 230, "C")
MID = Instrument.option("AAPL", JAN, 235, "C")
HIGH = Instrument.option("AAPL", JAN, 240, "C")
VERTICAL = Combo((ComboLeg(LOW, 1, BUY), ComboLeg(HIGH, 1, SELL)), "vertical")
FLY = Combo((ComboLeg(LOW, 1, BUY), ComboLeg(MID, 2, SELL), ComboLeg(HIGH, 1, BUY)), "butterfly")
T0 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def leg_fill(
    inst: Instrument, side: OrderSide, qty: int, price: str, n: int = 1, order_id: str = "O1"
) -> Fill:
    return Fill(f"E{n}", order_id, inst, side, Decimal(qty), Decimal(price), Decimal("0.65"), T0)


# -- the intent -------------------------------------------------------------------------------


def test_a_combo_intent_is_keyed_by_the_combo_and_takes_a_credit_as_a_negative_limit() -> None:
    intent = OrderIntent.for_combo(VERTICAL, SELL, 2, limit_price="-1.20", tif=TimeInForce.GTC)
    assert intent.instrument.key == VERTICAL.key
    assert intent.instrument.is_combo
    assert intent.instrument.multiplier == 100
    assert intent.limit_price == Decimal("-1.20")
    assert intent.combo == VERTICAL
    market = OrderIntent.for_combo(VERTICAL, BUY, 1, order_type=OrderType.MARKET)
    assert market.limit_price is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"order_type": OrderType.STOP, "stop_price": "1.00"}, "LMT .net price. or MKT"),
        ({"limit_price": "1.00", "tif": TimeInForce.IOC}, "DAY or GTC"),
        ({"limit_price": "1.005"}, "tick size 0.01"),
        ({}, "needs a net limit price"),
        ({"order_type": OrderType.MARKET, "limit_price": "1.00"}, "takes no limit price"),
    ],
)
def test_a_combo_order_is_refused_unless_lmt_or_mkt_day_or_gtc_on_the_combo_tick(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises((InvalidOrder, InvalidPrice), match=message):
        OrderIntent.for_combo(VERTICAL, BUY, 1, **fields)


def test_a_combo_order_is_for_whole_combos_and_names_its_own_combo() -> None:
    with pytest.raises(DomainError, match="fractional"):
        OrderIntent.for_combo(VERTICAL, BUY, "1.5", limit_price="1.00")
    with pytest.raises(InvalidOrder, match="needs its legs"):
        OrderIntent(VERTICAL.instrument, BUY, Decimal(1), limit_price=Decimal("1.00"))
    with pytest.raises(InvalidOrder, match="combo's own"):
        OrderIntent(FLY.instrument, BUY, Decimal(1), limit_price=Decimal(1), combo=VERTICAL)


# -- fills per leg ----------------------------------------------------------------------------


def test_units_count_only_what_every_leg_has_filled_at_the_legs_net_price() -> None:
    # Butterfly bought: +1 low, -2 mid, +1 high per unit.
    p = add_leg_fill(FLY, BUY, (), leg_fill(LOW, BUY, 2, "6.00"))
    p = add_leg_fill(FLY, BUY, p.legs, leg_fill(MID, SELL, 3, "3.50", 2))
    assert p.units == 0 and p.avg_price is None  # the high leg has nothing yet
    p = add_leg_fill(FLY, BUY, p.legs, leg_fill(HIGH, BUY, 2, "1.80", 3))
    assert p.units == 1  # mid has 3 of the 4 two units need
    p = add_leg_fill(FLY, BUY, p.legs, leg_fill(MID, SELL, 1, "3.30", 4))
    assert p.units == 2
    mid_avg = (3 * Decimal("3.50") + Decimal("3.30")) / 4
    assert p.avg_price == Decimal("6.00") - 2 * mid_avg + Decimal("1.80")
    assert [leg.key for leg in p.legs] == [LOW.key, MID.key, HIGH.key]
    assert units_filled(FLY, p.legs) == 2 and net_average(FLY, p.legs) == p.avg_price


def test_a_sold_combo_sells_the_bought_legs_and_a_wrong_side_or_foreign_fill_is_refused() -> None:
    p = add_leg_fill(VERTICAL, SELL, (), leg_fill(LOW, SELL, 1, "5.00"))
    p = add_leg_fill(VERTICAL, SELL, p.legs, leg_fill(HIGH, BUY, 1, "2.00", 2))
    assert p.units == 1 and p.avg_price == Decimal("3.00")  # sold for a 3.00 debit's worth
    with pytest.raises(InvalidOrder, match="sell order buys that leg"):
        add_leg_fill(VERTICAL, SELL, (), leg_fill(HIGH, SELL, 1, "2.00"))
    with pytest.raises(InvalidOrder, match="not a leg"):
        add_leg_fill(VERTICAL, BUY, (), leg_fill(MID, BUY, 1, "2.00"))


# -- through the order manager ----------------------------------------------------------------

COMBOS = BrokerCapabilities(combos=True)


@pytest.mark.asyncio
async def test_a_combo_is_staged_approved_and_sent_as_one_order_and_filled_by_its_legs() -> None:
    desk = await make_desk(COMBOS)
    order = desk.orders.stage(OrderIntent.for_combo(VERTICAL, BUY, 2, limit_price="3.40"))
    await desk.orders.approve(order.id)
    [sent] = [r.order for r in desk.broker.orders.values()]
    assert sent.id == order.id and sent.intent.combo == VERTICAL
    await until_status(desk, order.id, OrderStatus.ACCEPTED)
    emit = desk.broker.fill_received.emit
    emit(leg_fill(LOW, BUY, 1, "5.60", 1, order.id))
    assert desk.orders.get(order.id).status is OrderStatus.PARTIALLY_FILLED
    assert desk.orders.get(order.id).filled_quantity == 0
    emit(leg_fill(HIGH, SELL, 1, "2.30", 2, order.id))
    half = desk.orders.get(order.id)
    assert half.filled_quantity == 1 and half.avg_fill_price == Decimal("3.30")
    emit(leg_fill(LOW, BUY, 1, "5.60", 3, order.id))
    emit(leg_fill(HIGH, SELL, 1, "2.10", 4, order.id))
    done = desk.orders.get(order.id)
    assert done.status is OrderStatus.FILLED
    assert done.filled_quantity == 2 and done.avg_fill_price == Decimal("3.40")
    # One order in the trail: staged once with its legs, every leg fill under its id.
    [stage] = [d for a, s, d in desk.audit.records if a == "stage"]
    assert stage["intent"]["combo"]["legs"] == [  # type: ignore[index]
        {"instrument": LOW.key, "side": "BUY", "ratio": 1},
        {"instrument": HIGH.key, "side": "SELL", "ratio": 1},
    ]
    fills = [(s, d["instrument"]) for a, s, d in desk.audit.records if a == "fill"]
    assert fills == [(order.id, LOW.key), (order.id, HIGH.key)] * 2
    assert {s for _, s, _ in desk.audit.changes()} == {order.id}
    assert desk.journal.orders[order.id].legs_filled == done.legs_filled  # journaled


@pytest.mark.asyncio
async def test_a_fill_of_another_contract_under_a_combo_order_id_is_a_reported_failure(
    logged_errors: list[logging.LogRecord],
) -> None:
    desk = await make_desk(COMBOS)
    order = desk.orders.stage(OrderIntent.for_combo(VERTICAL, BUY, 1, limit_price="3.40"))
    await desk.orders.approve(order.id)
    errors: list[tuple[str, str]] = []
    desk.orders.error_occurred += lambda where, message: errors.append((where, message))
    desk.broker.fill_received.emit(leg_fill(MID, BUY, 1, "4.00", 9, order.id))
    assert errors and "not a leg" in errors[0][1]
    assert desk.orders.get(order.id).filled_quantity == 0
    assert "order_path_failed" in desk.audit.actions()
    assert len(logged_errors) == 1


@pytest.mark.asyncio
async def test_a_broker_without_combo_orders_never_gets_one_and_the_refusal_is_audited() -> None:
    desk = await make_desk()  # BrokerCapabilities() takes no combos
    order = desk.orders.stage(OrderIntent.for_combo(VERTICAL, BUY, 1, limit_price="3.40"))
    with pytest.raises(ApprovalRefused, match="does not take combo orders"):
        await desk.orders.approve(order.id)
    assert desk.broker.orders == {}
    assert desk.orders.get(order.id).status is OrderStatus.PENDING_APPROVAL
    assert "approve_refused" in desk.audit.actions(order.id)


def test_combo_order_snapshots_compare_by_their_leg_fills() -> None:
    intent = OrderIntent.for_combo(VERTICAL, BUY, 1, limit_price="3.40")
    a = Order("O1", intent, OrderStatus.STAGED, T0, T0)
    p = add_leg_fill(VERTICAL, BUY, (), leg_fill(LOW, BUY, 1, "5.00"))
    assert a != Order("O1", intent, OrderStatus.STAGED, T0, T0, legs_filled=p.legs)
    with pytest.raises(DomainError):
        OrderIntent.for_combo(VERTICAL, BUY, 0, limit_price="3.40")


@pytest.mark.asyncio
async def test_a_combo_is_refused_in_a_bracket_or_an_oco_group_and_the_refusal_audited() -> None:
    desk = await make_desk(COMBOS)
    entry = OrderIntent.for_combo(VERTICAL, BUY, 1, limit_price="3.40")
    exit_ = OrderIntent.for_combo(VERTICAL, SELL, 1, limit_price="5.00")
    with pytest.raises(DomainError, match="on its own"):
        desk.orders.stage_bracket(entry, exit_, None)
    with pytest.raises(DomainError, match="on its own"):
        desk.orders.stage_oco([entry, exit_])
    assert desk.orders.orders() == []
    assert desk.audit.actions().count("stage_refused") == 2
