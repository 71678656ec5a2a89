"""Concentration by underlying: shares plus options' delta, in delta dollars, of equity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.domain import (
    Combo,
    ComboLeg,
    Greeks,
    Instrument,
    OptionQuote,
    OrderIntent,
    OrderSide,
    VerdictLevel,
)
from tests.helpers.risk_fakes import MSFT, Desk, limit_buy

WARN = VerdictLevel.WARN
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAR = dt.date(2026, 3, 20)
AAPL = Instrument.stock("AAPL")
C150 = Instrument.option("AAPL", MAR, 150, "C")
C160 = Instrument.option("AAPL", MAR, 160, "C")
#: Delta per share 0.60 and 0.30: one 150/160 call vertical is (0.6 - 0.3) × 100 = 30 shares.
VERTICAL = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C160, 1, SELL)), "vertical")


@pytest.fixture
def desk() -> Desk:
    """AAPL last 150, equity 10,000,000: the 10% limit is 1,000,000 of delta dollars."""
    desk = Desk()
    desk.option_quotes.set(
        OptionQuote(C150.key, 7.95, 8.05, greeks=Greeks(0.6, 0.02, -0.05, 0.3, 0.1), iv=0.25)
    )
    desk.option_quotes.set(
        OptionQuote(C160.key, 2.95, 3.05, greeks=Greeks(0.3, 0.015, -0.04, 0.25, 0.05), iv=0.24)
    )
    desk.portfolio.hold(AAPL, 5_000, "150")  # 750,000: 7.5% alone
    desk.portfolio.hold(C150, 20, "8.00")  # 0.6 × 20 × 100 = 1,200 shares of delta
    return desk


def test_stock_calls_and_a_new_combo_on_one_underlying_warn_in_delta_dollars(desk: Desk) -> None:
    combo = OrderIntent.for_combo(VERTICAL, BUY, 100, limit_price="5.00")  # 3,000 shares

    (reason,) = desk.reasons(combo, "concentration")

    # Before: (5,000 + 1,200) × 150 = 930,000 (9.3%); after: 9,200 × 150 = 1,380,000 (13.8%).
    # Piecemeal, nothing is past 10%: the shares 7.5%, the combo's 50,000 of exposure 0.5%.
    assert reason.level is WARN
    assert reason.message == (
        "AAPL would be 13.8% of equity in delta dollars (limit 10%): 1,380,000.00 = 9,200 "
        "shares × 150.00, now 9.3% (930,000.00)"
    )
    # 10 verticals add 300 shares: 6,500 × 150 = 975,000 is within.
    within = OrderIntent.for_combo(VERTICAL, BUY, 10, limit_price="5.00")
    assert desk.reasons(within, "concentration") == []


def test_a_stock_order_counts_the_options_held_on_its_underlying(desk: Desk) -> None:
    # 6,000 shares alone would be 900,000 (9%); with the calls' 1,200: 7,200 × 150 = 1,080,000.
    (reason,) = desk.reasons(limit_buy(1_000), "concentration")

    assert "10.8% of equity in delta dollars" in reason.message
    assert "7,200 shares" in reason.message
    assert desk.reasons(limit_buy(400), "concentration") == []  # 6,600 × 150 = 990,000


def test_an_order_that_brings_delta_dollars_closer_to_zero_passes(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 10_000, "150")  # with the calls 11,200 × 150 = 1,680,000: 16.8%
    sell_calls = OrderIntent(C160, SELL, Decimal(10), limit_price=Decimal("3.00"))  # -300 shares
    buy_calls = OrderIntent(C160, BUY, Decimal(10), limit_price=Decimal("3.00"))  # +300

    assert desk.reasons(sell_calls, "concentration") == []  # 10,900 × 150: still 16.4%
    sold = OrderIntent.for_combo(VERTICAL, SELL, 100, limit_price="5.00")  # -3,000 shares
    assert desk.reasons(sold, "concentration") == []
    (reason,) = desk.reasons(buy_calls, "concentration")
    assert "17.2% of equity in delta dollars" in reason.message  # 11,500 × 150


def test_contracts_without_greeks_are_named_not_counted_as_zero(desk: Desk) -> None:
    lonely = Instrument.option("AAPL", MAR, 170, "C")  # no option quote, no implied vol
    desk.portfolio.hold(lonely, 50)

    (reason,) = desk.reasons(limit_buy(100), "concentration")  # 6,300 × 150: within

    assert reason.level is WARN
    assert reason.message == (
        f"concentration in AAPL not checked in full: no Greeks for {lonely.key} "
        "(no option quote or implied volatility)"
    )
    (past,) = desk.reasons(limit_buy(1_000), "concentration")
    assert "10.8% of equity in delta dollars" in past.message
    assert past.message.endswith(
        f"not counted: no Greeks for {lonely.key} (no option quote or implied volatility)"
    )


def test_an_underlying_without_options_is_weighed_as_one_instrument_as_before(desk: Desk) -> None:
    desk.portfolio.hold(MSFT, 2_000, "400")  # 800,000; options are held on AAPL only

    (reason,) = desk.reasons(limit_buy(600, "400.00", MSFT), "concentration")

    assert reason.message == "MSFT would be 10.4% of equity (limit 10%)"  # 2,600 × 400


def test_a_combo_whose_delta_dollars_pass_is_still_weighed_by_its_own_exposure(
    desk: Desk,
) -> None:
    desk.portfolio.held.clear()
    desk.portfolio.cash_equity = Decimal(100_000)  # 10%: 10,000
    desk.portfolio.hold(AAPL, -1_000, "150")  # short 1,000 shares
    combo = OrderIntent.for_combo(VERTICAL, BUY, 25, limit_price="5.00")

    (reason,) = desk.reasons(combo, "concentration")

    # Delta -1,000 + 25 × 30 = -250: a hedge. The combo's own 25 × 5.00 × 100 = 12,500: 12.5%.
    assert "12.5% of equity" in reason.message
    assert "delta dollars" not in reason.message


def test_the_underlying_is_priced_by_its_quote_else_its_mark_else_not_checked(desk: Desk) -> None:
    combo = OrderIntent.for_combo(VERTICAL, BUY, 100, limit_price="5.00")
    desk.portfolio.marks["AAPL"] = Decimal(140)

    (reason,) = desk.reasons(combo, "concentration")
    assert "9,200 shares × 150.00" in reason.message  # the quote's last first

    del desk.quotes.quotes["AAPL"]  # no quote: the position's mark
    (reason,) = desk.reasons(combo, "concentration")
    assert "1,288,000.00 = 9,200 shares × 140.00" in reason.message

    del desk.portfolio.marks["AAPL"]
    (reason,) = desk.reasons(combo, "concentration")
    assert reason.message == "concentration in AAPL not checked: no price for AAPL"
