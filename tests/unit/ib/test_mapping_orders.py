"""Orders to IB (every type and time in force), IB statuses and executions back."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ib_async import CommissionReport, Contract, Execution
from ib_async import Fill as IBFill
from ib_async import Order as IBOrder

from terminal.broker.base import BrokerTerms
from terminal.broker.ib.mapping import (
    UNSET_DOUBLE,
    UNSET_INTEGER,
    fill_from_ib,
    ib_float,
    ib_order_for,
    status_from_ib,
    status_update,
)
from terminal.broker.ib.mapping_orders import held_terms
from terminal.domain import (
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.lifecycle import can_transition
from terminal.domain.values import MAX_PRICE

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
AAPL = Instrument.stock("AAPL")
PRICE_FIELDS = ("lmtPrice", "auxPrice", "trailingPercent", "trailStopPrice", "lmtPriceOffset")


def order(
    order_type: OrderType = OrderType.LIMIT, *, oca_group: str | None = None, **intent: Any
) -> Order:
    fields: dict[str, Any] = {"instrument": AAPL, "side": OrderSide.BUY, "quantity": Decimal(100)}
    return Order(
        id="ord-7",
        intent=OrderIntent(order_type=order_type, **(fields | intent)),
        status=OrderStatus.APPROVED,
        created_at=NOW,
        updated_at=NOW,
        oca_group=oca_group,
    )


# -- ib_order_for ------------------------------------------------------------------------------

#: Our order type and prices -> IB's order type and the price fields it must carry.
ORDER_ROWS = [
    (OrderType.MARKET, {}, "MKT", {}),
    (OrderType.LIMIT, {"limit_price": Decimal("150.25")}, "LMT", {"lmtPrice": 150.25}),
    (OrderType.STOP, {"stop_price": Decimal("140.5")}, "STP", {"auxPrice": 140.5}),
    (
        OrderType.STOP_LIMIT,
        {"stop_price": Decimal(140), "limit_price": Decimal("139.9")},
        "STP LMT",
        {"auxPrice": 140.0, "lmtPrice": 139.9},
    ),
    (OrderType.TRAIL, {"trail_amount": Decimal("1.5")}, "TRAIL", {"auxPrice": 1.5}),
    (OrderType.TRAIL, {"trail_percent": Decimal("2.5")}, "TRAIL", {"trailingPercent": 2.5}),
    (
        OrderType.TRAIL,
        {"trail_amount": Decimal(2), "stop_price": Decimal(148)},
        "TRAIL",
        {"auxPrice": 2.0, "trailStopPrice": 148.0},
    ),
    (
        OrderType.TRAIL_LIMIT,
        {"trail_amount": Decimal(1), "limit_offset": Decimal("0.1"), "stop_price": Decimal(149)},
        "TRAIL LIMIT",
        {"auxPrice": 1.0, "lmtPriceOffset": 0.1, "trailStopPrice": 149.0},
    ),
    (
        OrderType.TRAIL_LIMIT,
        {"trail_percent": Decimal(1), "limit_offset": Decimal(0)},
        "TRAIL LIMIT",
        {"trailingPercent": 1.0, "lmtPriceOffset": 0.0},
    ),
]


@pytest.mark.parametrize(("order_type", "prices", "ib_type", "ib_prices"), ORDER_ROWS)
def test_every_order_type(
    order_type: OrderType, prices: dict[str, Any], ib_type: str, ib_prices: dict[str, float]
) -> None:
    ib = ib_order_for(order(order_type, **prices))
    assert ib.orderType == ib_type
    for name in PRICE_FIELDS:
        assert getattr(ib, name) == ib_prices.get(name, UNSET_DOUBLE), name


def test_every_order_type_has_a_row() -> None:
    assert {row[0] for row in ORDER_ROWS} == set(OrderType)


@pytest.mark.parametrize("tif", list(TimeInForce))
def test_every_time_in_force(tif: TimeInForce) -> None:
    assert ib_order_for(order(limit_price=Decimal(150), tif=tif)).tif == tif.value


def test_the_order_carries_side_size_reference_and_account() -> None:
    ib = ib_order_for(
        order(
            side=OrderSide.SELL, quantity=Decimal(250), limit_price=Decimal(150), outside_rth=True
        ),
        account="DU123",
    )
    assert (ib.action, ib.totalQuantity, ib.outsideRth) == ("SELL", 250.0, True)
    assert ib.orderRef == "ord-7"  # IB echoes it on every status and execution
    assert ib.account == "DU123"
    assert ib.transmit is True
    assert (ib.ocaGroup, ib.ocaType, ib.parentId) == ("", 0, 0)


def test_an_oco_member_gets_an_oca_group_that_cancels_the_others() -> None:
    ib = ib_order_for(order(limit_price=Decimal(150), oca_group="oco-1"))
    assert (ib.ocaGroup, ib.ocaType) == ("oco-1", 1)


def test_decimal_prices_reach_ib_undistorted() -> None:
    price = Decimal("0.1") + Decimal("0.2")
    ib = ib_order_for(order(limit_price=price))
    assert ib.lmtPrice == 0.3
    assert str(ib.lmtPrice) == "0.3"  # what ib_async writes on the wire


@given(
    st.integers(min_value=1, max_value=10**11),
    st.sampled_from([Decimal("0.01"), Decimal("0.0001")]),
)
def test_any_tick_price_is_sent_as_the_same_decimal(steps: int, tick: Decimal) -> None:
    price = min(steps * tick, MAX_PRICE)  # the domain refuses absurd prices
    instrument = Instrument.stock("XYZ", tick_size=tick)
    ib = ib_order_for(order(limit_price=price, instrument=instrument))
    assert Decimal(str(ib.lmtPrice)) == price
    assert ib_float(price) == float(price)


# -- statuses ----------------------------------------------------------------------------------

S = OrderStatus
#: IB status, filled, remaining -> ours.
STATUS_ROWS = [
    ("PendingSubmit", 0, 100, S.SUBMITTED),
    ("ApiPending", 0, 100, S.SUBMITTED),
    ("PreSubmitted", 0, 100, S.ACCEPTED),
    ("Submitted", 0, 100, S.ACCEPTED),
    ("Submitted", 40, 60, S.PARTIALLY_FILLED),
    ("PreSubmitted", 40, 60, S.PARTIALLY_FILLED),
    ("PendingSubmit", 40, 60, S.PARTIALLY_FILLED),
    ("Filled", 100, 0, S.FILLED),
    ("Filled", 40, 60, S.PARTIALLY_FILLED),  # IB sends it transiently
    ("PendingCancel", 0, 100, S.CANCEL_REQUESTED),
    ("PendingCancel", 40, 60, S.CANCEL_REQUESTED),
    ("Cancelled", 0, 100, S.CANCELLED),
    ("Cancelled", 40, 60, S.CANCELLED),
    ("ApiCancelled", 0, 100, S.CANCELLED),
    ("Inactive", 0, 100, S.REJECTED_BY_BROKER),
    ("Inactive", 40, 60, S.CANCELLED),  # what filled stands; the rest is dead
    ("ValidationError", 0, 100, None),  # ib_async's warning on a live order
    ("ApiUpdate", 0, 100, None),
    ("", 0, 0, None),
    ("SomethingNew", 0, 100, None),
]


@pytest.mark.parametrize(("status", "filled", "remaining", "ours"), STATUS_ROWS)
def test_status_table(
    status: str, filled: float, remaining: float, ours: OrderStatus | None
) -> None:
    assert status_from_ib(status, filled, remaining) is ours


@given(st.text(max_size=20), st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_status_table_is_total(status: str, filled: float, remaining: float) -> None:
    assert status_from_ib(status, filled, remaining) in (*OrderStatus, None)


@pytest.mark.parametrize(
    "status",
    [
        "PendingSubmit",
        "ApiPending",
        "PreSubmitted",
        "Submitted",
        "Filled",
        "PendingCancel",
        "Cancelled",
        "ApiCancelled",
        "Inactive",
    ],
)
def test_a_report_after_a_partial_fill_is_a_legal_transition(status: str) -> None:
    ours = status_from_ib(status, 40, 60)
    assert ours is not None
    assert ours is S.PARTIALLY_FILLED or can_transition(S.PARTIALLY_FILLED, ours)


def test_status_update_fields() -> None:
    update = status_update("ord-7", 12, "Submitted", 40.0, 60.0, 150.125, reason="why", time=NOW)
    assert update is not None
    assert (update.order_id, update.broker_order_id, update.status) == (
        "ord-7",
        "12",
        S.PARTIALLY_FILLED,
    )
    assert (update.filled, update.remaining) == (Decimal(40), Decimal(60))
    assert update.avg_fill_price == Decimal("150.125")
    assert (update.reason, update.time) == ("why", NOW)


@pytest.mark.parametrize("avg", [0.0, UNSET_DOUBLE, math.nan, -1.0])
def test_status_update_without_fills_has_no_average_price(avg: float) -> None:
    update = status_update("", 12, "Submitted", 0.0, 100.0, avg)
    assert update is not None
    assert update.order_id is None  # an order placed elsewhere (TWS)
    assert update.avg_fill_price is None
    assert update.filled == 0


def test_status_update_for_an_unknown_status_is_none() -> None:
    assert status_update("ord-7", 12, "ValidationError", 0.0, 100.0, 0.0) is None


# -- fills -------------------------------------------------------------------------------------


def ib_fill(
    side: str = "BOT",
    shares: float = 100.0,
    price: float = 150.1,
    commission: float = 1.25,
    **execution: Any,
) -> IBFill:
    fields: dict[str, Any] = {
        "execId": "0001f4e8.65",
        "orderId": 12,
        "orderRef": "ord-7",
        "time": NOW,
    } | execution
    return IBFill(
        Contract(secType="STK", symbol="AAPL", conId=265598),
        Execution(side=side, shares=shares, price=price, **fields),
        CommissionReport(execId="0001f4e8.65", commission=commission),
        fields["time"],
    )


def test_a_fill() -> None:
    fill = fill_from_ib(ib_fill(), AAPL)
    assert (fill.exec_id, fill.order_id, fill.broker_order_id) == ("0001f4e8.65", "ord-7", "12")
    assert (fill.side, fill.quantity, fill.price) == (OrderSide.BUY, Decimal(100), Decimal("150.1"))
    assert f"{fill.quantity}" == "100"
    assert fill.commission == Decimal("1.25")
    assert fill.time == NOW
    assert fill.instrument is AAPL


@pytest.mark.parametrize(("side", "ours"), [("BOT", OrderSide.BUY), ("SLD", OrderSide.SELL)])
def test_execution_sides(side: str, ours: OrderSide) -> None:
    assert fill_from_ib(ib_fill(side), AAPL).side is ours


@pytest.mark.parametrize(
    ("commission", "expected"),
    [
        (UNSET_DOUBLE, Decimal(0)),
        (math.nan, Decimal(0)),
        (0.0, Decimal(0)),
        (-0.35, Decimal("-0.35")),
    ],
)
def test_commission_until_reported_is_zero_and_rebates_stay(
    commission: float, expected: Decimal
) -> None:
    assert fill_from_ib(ib_fill(commission=commission), AAPL).commission == expected


def test_a_fill_from_elsewhere_has_no_order_id_and_takes_the_execution_time() -> None:
    raw = ib_fill(orderRef="")
    eastern = dt.timezone(dt.timedelta(hours=-5))
    raw = raw._replace(
        time=None,  # type: ignore[arg-type]
        execution=Execution(
            execId="x", side="SLD", shares=5.0, price=10.0, orderId=0, time=NOW.astimezone(eastern)
        ),
    )
    fill = fill_from_ib(raw, AAPL)
    assert fill.order_id is None
    assert fill.time == NOW and fill.time.tzinfo is dt.UTC


@pytest.mark.parametrize(
    "change",
    [
        {"side": "XXX"},
        {"shares": 0.0},
        {"price": 0.0},
        {"price": UNSET_DOUBLE},
        {"shares": float(UNSET_INTEGER)},
    ],
    ids=repr,
)
def test_an_unreadable_execution_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"execution 0001f4e8\.65"):
        fill_from_ib(ib_fill(**change), AAPL)


def test_the_terms_ib_holds_are_read_by_order_type() -> None:
    limit = IBOrder(orderType="LMT", totalQuantity=10.0, lmtPrice=195.5, auxPrice=0.0)
    assert held_terms(limit) == BrokerTerms(Decimal(10), Decimal("195.5"), None)
    stop = IBOrder(orderType="STP", totalQuantity=5.0, lmtPrice=UNSET_DOUBLE, auxPrice=180.25)
    assert held_terms(stop) == BrokerTerms(Decimal(5), None, Decimal("180.25"))
    both = IBOrder(orderType="STP LMT", totalQuantity=1.0, lmtPrice=181.0, auxPrice=180.0)
    assert held_terms(both) == BrokerTerms(Decimal(1), Decimal(181), Decimal(180))
    trail = IBOrder(orderType="TRAIL", totalQuantity=3.0, auxPrice=1.5)  # auxPrice: the trail
    assert held_terms(trail) == BrokerTerms(Decimal(3), None, None)
    assert held_terms(IBOrder(orderType="LMT", totalQuantity=0.0, lmtPrice=1.0)) is None
