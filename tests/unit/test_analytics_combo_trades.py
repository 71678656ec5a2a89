"""Combo positions as one trade each, in combo units (values worked out by hand)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from terminal.analytics.combo_trades import with_combo_units
from terminal.analytics.records import ComboLegRecord, FillRecord, OrderRecord
from terminal.analytics.render import trade_row, write_report
from terminal.analytics.report import build_report
from terminal.analytics.trades import round_trips
from tests.unit.analytics_fixtures import T0, at, fill

LOW, HIGH = "AAPL 20260116 C 230", "AAPL 20260116 C 240"
KEY = f"AAPL COMBO +1 {LOW} -1 {HIGH}"
LEGS = (ComboLegRecord(LOW, 1, 1), ComboLegRecord(HIGH, 1, -1))


def combo_order(order_id: str, sign: int, units: int, seconds: float = 0) -> OrderRecord:
    return OrderRecord(
        order_id,
        KEY,
        sign,
        Decimal(units),
        "LMT",
        "ticket",
        "filled",
        at(seconds),
        multiplier=Decimal(100),
        combo=True,
        legs=LEGS,
    )


def leg(side: str, key: str, qty: int, price: str, order_id: str, seconds: float) -> FillRecord:
    return fill(
        side,
        qty,
        price,
        seconds=seconds,
        commission=f"{Decimal('0.65') * qty}",
        instrument=key,
        multiplier=100,
        order_id=order_id,
    )


def vertical_round_trip() -> tuple[list[OrderRecord], list[FillRecord]]:
    """Bought 2 of the 230/240 call vertical for 5.00 - 2.00 = 3.00, sold for 7.00 - 3.50."""
    orders = [combo_order("C1", 1, 2), combo_order("C2", -1, 2, seconds=3600)]
    fills = [
        leg("BUY", LOW, 2, "5.00", "C1", 1),
        leg("SELL", HIGH, 2, "2.00", "C1", 2),
        leg("SELL", LOW, 2, "7.00", "C2", 3601),
        leg("BUY", HIGH, 2, "3.50", "C2", 3602),
    ]
    return orders, fills


def test_a_vertical_opened_and_closed_is_one_trade_of_its_legs_pnl() -> None:
    orders, fills = vertical_round_trip()
    [trade] = round_trips(with_combo_units(orders, fills))
    assert trade.combo and trade.instrument == KEY and trade.side == "LONG"
    assert trade.quantity == 2 and trade.multiplier == 100
    assert trade.entry_price == Decimal("3.00") and trade.exit_price == Decimal("3.50")
    # Legs: 230 call (7.00 - 5.00) x 2 x 100 = 400; 240 call (2.00 - 3.50) x 2 x 100 = -300.
    assert trade.gross_pnl == Decimal(100)
    assert trade.commission == Decimal("5.20")  # 4 leg fills of 2 contracts at 0.65
    assert trade.net_pnl == Decimal("94.80")
    assert trade.entry_time == at(2) and trade.exit_time == at(3602)  # the last leg of each
    assert trade.order_ids == ("C1", "C2")


def test_without_the_orders_the_legs_are_traded_apart() -> None:
    """What the grouping replaces: one trade per leg, whose P&L adds up to the same."""
    _, fills = vertical_round_trip()
    trades = round_trips(fills)
    assert sorted(t.instrument for t in trades) == [LOW, HIGH]
    assert sum(t.gross_pnl for t in trades) == Decimal(100)


def test_a_partly_closed_vertical_stays_open_with_the_closed_units_pnl() -> None:
    orders = [combo_order("C1", 1, 3), combo_order("C2", -1, 1, seconds=60)]
    fills = [
        leg("BUY", LOW, 3, "5.00", "C1", 1),
        leg("SELL", HIGH, 3, "2.00", "C1", 1),
        leg("SELL", LOW, 1, "6.50", "C2", 61),
        leg("BUY", HIGH, 1, "2.50", "C2", 61),
    ]
    [trade] = round_trips(with_combo_units(orders, fills))
    assert trade.is_open and trade.combo and trade.quantity == 3
    assert trade.entry_price == Decimal("3.00") and trade.exit_price == Decimal("4.00")
    assert trade.gross_pnl == Decimal(100)  # one unit closed 1.00 higher, x 100
    assert trade.commission == Decimal("5.20")  # 3 + 3 + 1 + 1 contracts at 0.65
    report = build_report(orders, fills, T0.date(), T0.date())
    assert report.trades == () and report.open_trades == (trade,)


def test_a_leg_filled_ahead_of_the_others_stays_a_trade_of_its_own() -> None:
    # 2 units ordered; the low call filled both, the high call one: 1 complete unit.
    orders = [combo_order("C1", 1, 2)]
    fills = [
        leg("BUY", LOW, 2, "5.00", "C1", 1),
        leg("SELL", HIGH, 1, "2.00", "C1", 2),
    ]
    units = with_combo_units(orders, fills)
    [combo] = [f for f in units if f.combo]
    assert combo.quantity == 1 and combo.price == Decimal("3.00")
    assert combo.commission == Decimal("1.30")  # half of the low call's 1.30, all the high's 0.65
    [rest] = [f for f in units if not f.combo]
    assert (rest.instrument, rest.quantity, rest.commission) == (LOW, 1, Decimal("0.65"))
    assert sum(f.commission for f in units) == sum(f.commission for f in fills)


def test_the_report_lists_a_combo_trade_once_with_its_legs() -> None:
    orders, fills = vertical_round_trip()
    single = fill("BUY", 100, "230.00", seconds=5, order_id="S1", instrument="AAPL")
    single_exit = fill("SELL", 100, "231.00", seconds=50, order_id="S2", instrument="AAPL")
    report = build_report(orders, [*fills, single, single_exit], T0.date(), T0.date())
    assert sorted(t.instrument for t in report.trades) == ["AAPL", KEY]
    assert report.performance.net_pnl == Decimal("94.80") + 100
    assert list(report.trade_groups["instrument"]) == ["AAPL", KEY]
    [row] = [trade_row(t) for t in report.trades if t.combo]
    assert row["combo"] is True and row["legs"] == f"+1 {LOW}, -1 {HIGH}"
    assert row["entry_price"] == "3.00" and row["net_pnl"] == "94.80"
    out = io.StringIO()
    write_report(report, "json", out)
    rows = json.loads(out.getvalue())["trades"]
    assert [(r["instrument"], r["combo"]) for r in rows] == [("AAPL", False), (KEY, True)]
    for fmt in ("csv", "html"):
        out = io.StringIO()
        write_report(report, fmt, out)
        assert f"+1 {LOW}, -1 {HIGH}" in out.getvalue()
