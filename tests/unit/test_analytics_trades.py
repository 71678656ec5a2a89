"""Round trips from fills: FIFO, partial fills, commissions, shorts, options x100, flips."""

from __future__ import annotations

from decimal import Decimal

from terminal.analytics.trades import round_trips
from tests.unit.analytics_fixtures import at, fill


def test_long_built_from_partial_fills_nets_every_commission() -> None:
    # Two partial fills of one buy order, one sell: gross 100 x 0.50 + 50 x 0.20 = 60.
    trades = round_trips(
        [
            fill("BUY", 100, "10.00", seconds=0, commission="1.00", order_id="B"),
            fill("BUY", 50, "10.30", seconds=1, commission="0.50", order_id="B"),
            fill("SELL", 150, "10.50", seconds=60, commission="1.50", order_id="S"),
        ]
    )
    assert len(trades) == 1
    trade = trades[0]
    assert trade.side == "LONG" and trade.quantity == 150
    assert trade.entry_price == Decimal("10.1") and trade.exit_price == Decimal("10.50")
    assert trade.gross_pnl == Decimal("60") and trade.commission == Decimal("3.00")
    assert trade.net_pnl == Decimal("57")
    assert trade.entry_time == at(0) and trade.exit_time == at(60)
    assert trade.holding_seconds == 60 and trade.order_ids == ("B", "S")


def test_short_that_loses_is_negative() -> None:
    trades = round_trips(
        [
            fill("SELL", 200, "50.00", seconds=0, commission="2"),
            fill("BUY", 200, "51.00", seconds=30, commission="2"),
        ]
    )
    assert [(t.side, t.gross_pnl, t.net_pnl) for t in trades] == [
        ("SHORT", Decimal(-200), Decimal(-204))
    ]


def test_option_pnl_uses_the_multiplier() -> None:
    trades = round_trips(
        [
            fill("BUY", 2, "1.50", commission="1.30", instrument="AAPL C", multiplier=100),
            fill(
                "SELL", 2, "2.25", seconds=5, commission="1.30", instrument="AAPL C", multiplier=100
            ),
        ]
    )
    assert trades[0].gross_pnl == Decimal(150) and trades[0].net_pnl == Decimal("147.40")


def test_exits_match_the_oldest_units_first() -> None:
    # FIFO: 100 @ 10 and 50 of 100 @ 12 go out at 13 -> 300 + 50; average cost would say 300.
    trades = round_trips(
        [
            fill("BUY", 100, "10", seconds=0),
            fill("BUY", 100, "12", seconds=1),
            fill("SELL", 150, "13", seconds=2),
        ]
    )
    assert len(trades) == 1 and trades[0].is_open
    assert trades[0].gross_pnl == Decimal(350) and trades[0].exit_price == Decimal(13)


def test_a_flip_closes_the_trade_and_opens_a_short_with_its_share_of_commission() -> None:
    trades = round_trips(
        [
            fill("BUY", 100, "10", seconds=0),
            fill("BUY", 100, "12", seconds=1),
            fill("SELL", 150, "13", seconds=2),
            fill("SELL", 100, "11", seconds=3, commission="2"),  # 50 close, 50 open short
            fill("BUY", 50, "10", seconds=4),
        ]
    )
    long, short = trades
    assert long.side == "LONG" and long.gross_pnl == Decimal(300)  # 350 - 50 x (12 - 11)
    assert long.commission == Decimal(1) and long.exit_time == at(3)
    assert short.side == "SHORT" and short.quantity == 50 and short.entry_time == at(3)
    assert short.gross_pnl == Decimal(50) and short.net_pnl == Decimal(49)


def test_instruments_are_matched_separately_and_fills_are_sorted_by_time() -> None:
    trades = round_trips(
        [
            fill("SELL", 10, "101", seconds=10, instrument="MSFT"),
            fill("BUY", 10, "100", seconds=0, instrument="MSFT"),
            fill("BUY", 5, "20", seconds=5, instrument="AAPL"),
        ]
    )
    assert [(t.instrument, t.is_open, t.gross_pnl) for t in trades] == [
        ("MSFT", False, Decimal(10)),
        ("AAPL", True, Decimal(0)),
    ]
