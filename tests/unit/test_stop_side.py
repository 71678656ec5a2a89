"""The stop-side rule the ladder and the chart share: BUY above the ask, SELL below the bid."""

from __future__ import annotations

from decimal import Decimal

from terminal.domain import OrderSide
from terminal.domain.stop_side import stop_side, triggers_at_once

D = Decimal
BID, ASK, LAST = D("100.00"), D("100.02"), D("100.01")


def test_a_stop_above_the_ask_is_a_buy_below_the_bid_a_sell_and_none_at_the_market() -> None:
    assert stop_side(D("100.03"), BID, ASK, LAST) is OrderSide.BUY
    assert stop_side(D("99.99"), BID, ASK, LAST) is OrderSide.SELL
    for price in (BID, LAST, ASK):  # at the touch or inside the spread: no safe side
        assert stop_side(price, BID, ASK, LAST) is None


def test_the_last_trade_stands_in_for_a_missing_side_and_ticks_work_as_prices() -> None:
    assert stop_side(D("100.02"), None, None, LAST) is OrderSide.BUY
    assert stop_side(D("100.00"), None, None, LAST) is OrderSide.SELL
    assert stop_side(105, 100, 102, None) is OrderSide.BUY
    assert stop_side(99, 100, 102, None) is OrderSide.SELL


def test_a_stop_on_the_wrong_side_triggers_at_once_and_nothing_is_said_without_a_market() -> None:
    assert triggers_at_once(OrderSide.SELL, D("100.05"), BID, ASK, LAST)
    assert triggers_at_once(OrderSide.SELL, BID, BID, ASK, LAST)  # at the bid: at once
    assert not triggers_at_once(OrderSide.SELL, D("99.95"), BID, ASK, LAST)
    assert triggers_at_once(OrderSide.BUY, D("99.95"), BID, ASK, LAST)
    assert not triggers_at_once(OrderSide.BUY, D("100.05"), BID, ASK, LAST)
    assert not triggers_at_once(OrderSide.SELL, D("100.05"), None, None, None)
