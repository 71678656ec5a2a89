"""Closing a strategy: the closing combo's market from the legs' quotes, LMT at the net mid by
default, MKT on request, and a clear refusal when a leg cannot trade (a wing without a bid)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.domain import OrderSide, OrderType, Quote, TimeInForce
from terminal.portfolio.closing import close_quote
from terminal.portfolio.strategies import StrategyPosition, group_positions

from .test_strategy_positions import C510, C520, CONDOR, P480, P490, filled, held

BUY, SELL = OrderSide.BUY, OrderSide.SELL


def condor(units: int) -> StrategyPosition:
    """A strategy of ``units`` iron condors (bought > 0, sold < 0)."""
    side = BUY if units > 0 else SELL
    n = abs(units)
    flip = {BUY: SELL, SELL: BUY}
    positions = [
        held(P480, (side, n, "1.00")),
        held(P490, (flip[side], n, "2.00")),
        held(C510, (flip[side], n, "2.50")),
        held(C520, (side, n, "1.30")),
    ]
    grouping = group_positions([filled("C1", CONDOR, side, n)], positions)
    (strategy,) = grouping.strategies
    return strategy


def quotes(**overrides: tuple[float, float]) -> dict[str, Quote]:
    book = {
        P480.key: (0.95, 1.05),
        P490.key: (1.90, 2.10),
        C510.key: (2.40, 2.60),
        C520.key: (1.25, 1.35),
    }
    names = {"P480": P480.key, "P490": P490.key, "C510": C510.key, "C520": C520.key}
    book.update({names[k]: v for k, v in overrides.items()})
    return {key: Quote(key, bid=bid, ask=ask) for key, (bid, ask) in book.items()}


def test_closing_a_bought_condor_sells_it_at_the_net_mid_on_the_combo_tick() -> None:
    quote = close_quote(condor(2), quotes())
    assert (quote.side, quote.units) == (SELL, Decimal(2))
    # The condor as bought: +P480 -P490 -C510 +C520. Selling it brings the bid of the bought
    # legs and pays the ask of the sold ones: 0.95 - 2.10 - 2.60 + 1.25 = -2.50; buying it
    # would cost 1.05 - 1.90 - 2.40 + 1.35 = -1.90. Mid -2.20.
    assert quote.net.bid == pytest.approx(-2.50) and quote.net.ask == pytest.approx(-1.90)
    assert quote.mid == Decimal("-2.20") and quote.natural == Decimal("-2.50")
    assert quote.tradable and quote.refusal() == ""
    intent = condor(2).closing_intent(source="test", limit_price=quote.mid)
    assert intent.order_type is OrderType.LIMIT and intent.limit_price == Decimal("-2.20")
    assert (intent.side, intent.quantity, intent.combo) == (SELL, Decimal(2), CONDOR)
    assert intent.tif is TimeInForce.DAY


def test_the_mid_is_rounded_to_the_combo_tick_and_a_sold_condor_closes_by_buying() -> None:
    # Mid of -2.505 and -1.90 is -2.2025: on the 0.01 tick, -2.20.
    quote = close_quote(condor(-1), quotes(P480=(0.945, 1.05)))
    assert quote.side is BUY and quote.units == 1
    assert quote.mid == Decimal("-2.20")
    assert quote.natural == Decimal("-1.90")  # buying takes the net ask


def test_market_stays_possible_and_gtc_is_kept() -> None:
    intent = condor(1).closing_intent(source="test", tif=TimeInForce.GTC)
    assert intent.order_type is OrderType.MARKET and intent.limit_price is None
    assert intent.tif is TimeInForce.GTC


def test_a_wing_quoted_zero_bid_refuses_the_close_and_names_the_leg() -> None:
    # Far out of the money, the bought put wing bids 0.00: the close must sell it to nobody.
    quote = close_quote(condor(1), quotes(P480=(0.0, 0.02)))
    assert not quote.tradable
    assert quote.problems == (f"{P480.key} has no bid (quoted 0.00): nobody buys it",)
    assert "cannot close" in quote.refusal() and P480.key in quote.refusal()
    # The same wing is bought when a sold condor is closed: an offer is all it needs.
    assert close_quote(condor(-1), quotes(P480=(0.0, 0.02))).tradable


def test_legs_without_quotes_refuse_the_close_and_give_no_price() -> None:
    some = quotes()
    del some[C510.key]
    quote = close_quote(condor(1), some)
    assert quote.problems == (f"{C510.key} has no quote",)
    assert quote.mid is None and quote.natural is None
    assert close_quote(condor(1), quotes(C520=(1.25, 0.0))).tradable
    bought_back = close_quote(condor(-1), quotes(C520=(1.25, 0.0)))
    assert bought_back.problems == (f"{C520.key} has no offer: nobody sells it",)
