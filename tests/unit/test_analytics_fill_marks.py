"""The fills marked on the chart for a trade or an order, from hand-built round trips."""

from __future__ import annotations

from decimal import Decimal

from terminal.analytics.fill_marks import Role, order_marks, trade_marks
from terminal.analytics.trades import round_trips
from tests.unit.analytics_fixtures import at, fill
from tests.unit.test_analytics_execution import order


def test_a_trade_marks_its_entries_and_exits_and_nothing_of_other_trades() -> None:
    fills = [
        fill("BUY", 60, "10.00", seconds=0, order_id="A"),
        fill("BUY", 40, "10.10", seconds=5, order_id="B"),
        fill("SELL", 30, "20.00", seconds=6, order_id="M", instrument="MSFT"),
        fill("SELL", 50, "10.20", seconds=8, order_id="C"),
        # Flips: closes the long with 50, opens a short of 20 (the next trade).
        fill("SELL", 70, "10.30", seconds=9, order_id="D"),
        fill("BUY", 20, "10.00", seconds=12, order_id="E"),
        fill("BUY", 30, "19.00", seconds=12, order_id="M2", instrument="MSFT"),
    ]
    long_trade, short_trade, msft = round_trips(fills)
    assert (long_trade.instrument, short_trade.instrument) == ("AAPL", "AAPL")

    marks = trade_marks(long_trade, reversed(fills))  # any order in, time order out
    assert [(m.time, m.price, m.side, m.quantity, m.role) for m in marks] == [
        (at(0), Decimal("10.00"), "BUY", 60, Role.ENTRY),
        (at(5), Decimal("10.10"), "BUY", 40, Role.ENTRY),
        (at(8), Decimal("10.20"), "SELL", 50, Role.EXIT),
        (at(9), Decimal("10.30"), "SELL", 70, Role.EXIT),
    ]
    short_marks = trade_marks(short_trade, fills)
    assert [(m.time, m.role, m.side) for m in short_marks] == [
        (at(9), Role.ENTRY, "SELL"),  # the flipping fill opened it
        (at(12), Role.EXIT, "BUY"),
    ]
    assert [m.price for m in trade_marks(msft, fills)] == [Decimal("20.00"), Decimal("19.00")]


def test_a_fill_of_another_order_at_the_trade_s_first_second_is_not_its() -> None:
    fills = [
        fill("BUY", 10, "5.00", seconds=0, order_id="A"),
        fill("SELL", 10, "5.10", seconds=3, order_id="B"),
        fill("BUY", 10, "5.20", seconds=3, order_id="C"),  # the next trade, same second
        fill("SELL", 10, "5.30", seconds=7, order_id="D"),
    ]
    first, second = round_trips(fills)
    assert [m.price for m in trade_marks(first, fills)] == [Decimal("5.00"), Decimal("5.10")]
    assert [m.price for m in trade_marks(second, fills)] == [Decimal("5.20"), Decimal("5.30")]


def test_an_order_marks_its_own_fills_in_time_order() -> None:
    record = order(
        fills=(
            fill("BUY", 40, "10.05", seconds=15),
            fill("BUY", 60, "10.03", seconds=13),
        )
    )
    marks = order_marks(record)
    assert [(m.time, m.price, m.role) for m in marks] == [
        (at(13), Decimal("10.03"), Role.FILL),
        (at(15), Decimal("10.05"), Role.FILL),
    ]
    assert order_marks(order()) == ()
