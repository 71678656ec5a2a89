"""Domain values survive the trip to database rows and back, exactly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    Alert,
    AlertState,
    Fill,
    Instrument,
    Order,
    OrderIntent,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    RiskReason,
    Severity,
    TimeInForce,
    Verdict,
    VerdictLevel,
)
from terminal.domain.values import MAX_PRICE, MAX_QUANTITY
from terminal.persistence import codec

TICKS = [Decimal("0.01"), Decimal("0.05"), Decimal("0.0001"), Decimal("0.25"), Decimal(1)]
JSON_COLUMNS = ("instrument", "verdict", "extra")

utc_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
quantities = st.integers(min_value=1, max_value=int(MAX_QUANTITY)).map(Decimal)
texts = st.text(max_size=30)


def through_json(row: dict[str, Any]) -> dict[str, Any]:
    """Send JSON columns through json text, as the database does."""
    return {k: json.loads(json.dumps(v)) if k in JSON_COLUMNS else v for k, v in row.items()}


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    tick = draw(st.sampled_from(TICKS))
    if draw(st.booleans()):
        return Instrument.option(
            draw(st.sampled_from(["AAPL", "SPY", "BRK B"])),
            draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 1, 1))),
            draw(st.decimals(min_value=Decimal("0.5"), max_value=Decimal(5000), places=3)),
            draw(st.sampled_from(["C", "P"])),
            tick_size=tick,
        )
    return Instrument.stock(
        draw(st.sampled_from(["AAPL", "MSFT", "SPY"])),
        etf=draw(st.booleans()),
        tick_size=tick,
        description=draw(texts),
    )


@st.composite
def prices(draw: st.DrawFn, inst: Instrument) -> Decimal:
    return (
        draw(st.integers(min_value=1, max_value=int(MAX_PRICE / inst.tick_size))) * inst.tick_size
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    inst = draw(instruments())
    order_type = draw(st.sampled_from(list(OrderType)))
    kwargs: dict[str, Any] = {}
    if order_type.needs_limit:
        kwargs["limit_price"] = draw(prices(inst))
    if order_type.needs_stop:
        kwargs["stop_price"] = draw(prices(inst))
    if order_type.is_trailing:
        if draw(st.booleans()):
            kwargs["trail_amount"] = draw(prices(inst))
        else:
            kwargs["trail_percent"] = draw(
                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2)
            )
        if order_type is OrderType.TRAIL_LIMIT:
            kwargs["limit_offset"] = draw(st.integers(0, 1000)) * inst.tick_size
    tifs = [TimeInForce.DAY, TimeInForce.GTC]
    if not order_type.is_trailing:
        tifs += [TimeInForce.IOC, TimeInForce.FOK]
    intent = OrderIntent(
        instrument=inst,
        side=draw(st.sampled_from(list(OrderSide))),
        quantity=draw(quantities),
        order_type=order_type,
        tif=draw(st.sampled_from(tifs)),
        outside_rth=draw(st.booleans()),
        source=draw(st.sampled_from(["ticket", "ladder", "chain"])),
        **kwargs,
    )
    reasons = draw(
        st.lists(
            st.builds(RiskReason, texts, st.sampled_from(list(VerdictLevel)), texts), max_size=3
        )
    )
    created = draw(utc_times)
    return Order(
        id=draw(st.uuids()).hex,
        intent=intent,
        status=draw(st.sampled_from(list(OrderStatus))),
        created_at=created,
        updated_at=created + dt.timedelta(microseconds=draw(st.integers(0, 10**9))),
        verdict=draw(st.none() | st.just(Verdict.of(reasons))),
        role=draw(st.sampled_from(list(OrderRole))),
        group_id=draw(st.none() | texts),
        parent_id=draw(st.none() | texts),
        oca_group=draw(st.none() | texts),
        broker_order_id=draw(st.none() | texts),
        filled_quantity=draw(st.decimals(min_value=0, max_value=10**7, places=4)),
        avg_fill_price=draw(st.none() | prices(inst)),
        reason=draw(texts),
        approved_by=draw(st.none() | texts),
        override_reason=draw(st.none() | texts),
        extra=draw(st.dictionaries(texts, texts, max_size=3)),
    )


@given(orders())
def test_order_round_trips_exactly_through_a_row(order: Order) -> None:
    back = codec.order_from_row(through_json(codec.order_to_row(order)))
    assert back == order
    assert back.extra == order.extra  # not part of Order equality
    assert str(back.intent.quantity) == str(order.intent.quantity)
    assert str(back.intent.limit_price) == str(order.intent.limit_price)


@given(instruments())
def test_instrument_round_trips_exactly(inst: Instrument) -> None:
    assert codec.instrument_from_row(codec.instrument_to_row(inst)) == inst
    assert codec.instrument_from_row(json.loads(json.dumps(codec.instrument_to_json(inst)))) == inst


@given(
    instruments(),
    quantities,
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**6), places=4),
    st.decimals(min_value=0, max_value=1000, places=4),
    utc_times,
)
def test_fill_round_trips_exactly(
    inst: Instrument, qty: Decimal, price: Decimal, commission: Decimal, at: dt.datetime
) -> None:
    fill = Fill("E1.01", None, inst, OrderSide.SELL, qty, price, commission, at, "42")
    back = codec.fill_from_row(through_json(codec.fill_to_row(fill)))
    assert back == fill
    assert (str(back.price), str(back.commission)) == (str(price), str(commission))


def test_alert_round_trips_with_every_field() -> None:
    at = dt.datetime(2026, 1, 5, 14, 30, 1, 123456, tzinfo=dt.UTC)
    alert = Alert(
        "A1",
        Severity.CRITICAL,
        "risk",
        "Kill switch tripped",
        at,
        AlertState.ACKNOWLEDGED,
        "kill",
        3,
        at + dt.timedelta(seconds=5),
        at + dt.timedelta(seconds=9),
        "alice",
        None,
    )
    row = codec.alert_to_row(alert)
    assert row["severity"] == 2
    assert codec.alert_from_row(row) == alert


def test_decimal_exponent_form_is_kept() -> None:
    inst = Instrument.stock("AAPL", tick_size=Decimal("1E-2"))
    row = codec.instrument_to_row(inst)
    assert row["tick_size"] == "0.01"
    intent = OrderIntent(inst, OrderSide.BUY, Decimal("1E+2"), limit_price=Decimal("101.50"))
    at = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    order = Order("O1", intent, OrderStatus.STAGED, at, at)
    row = codec.order_to_row(order)
    assert (row["quantity"], row["limit_price"]) == ("1E+2", "101.50")
    back = codec.order_from_row(through_json(row))
    assert str(back.intent.limit_price) == "101.50"
