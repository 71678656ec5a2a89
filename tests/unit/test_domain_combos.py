"""Combos: leg rules with clear refusals, a stable key, the net price convention and its tick."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from terminal.domain import (
    Combo,
    ComboLeg,
    DomainError,
    Instrument,
    InvalidCombo,
    InvalidPrice,
    OptionQuote,
    OrderSide,
    Quote,
)

JAN = dt.date(2026, 1, 16)
FEB = dt.date(2026, 2, 20)
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def opt(
    strike: int, right: str = "C", expiry: dt.date = JAN, und: str = "AAPL", **kw: object
) -> Instrument:
    return Instrument.option(und, expiry, strike, right, **kw)  # type: ignore[arg-type]


def leg(inst: Instrument, side: OrderSide = BUY, ratio: int = 1) -> ComboLeg:
    return ComboLeg(inst, ratio, side)


VERTICAL = Combo((leg(opt(230)), leg(opt(240), SELL)), "vertical")


def test_key_and_description_name_the_legs_and_ignore_the_order_they_were_picked() -> None:
    picked_backwards = Combo((leg(opt(240), SELL), leg(opt(230))), "vertical")
    assert VERTICAL.key == "AAPL COMBO +1 AAPL 20260116 C 230 -1 AAPL 20260116 C 240"
    assert picked_backwards.key == VERTICAL.key
    assert VERTICAL.description == "AAPL 20260116 230/240 C vertical"
    assert VERTICAL.multiplier == 100
    assert VERTICAL.underlying == "AAPL"


def test_reversed_combo_flips_every_side_and_so_the_key() -> None:
    rev = VERTICAL.reversed()
    assert [x.side for x in rev.legs] == [SELL, BUY]
    assert rev.key != VERTICAL.key
    assert rev.reversed().key == VERTICAL.key


@pytest.mark.parametrize(
    ("legs", "message"),
    [
        ((), "needs legs"),
        ((leg(opt(230)),), "at least two legs"),
        ((leg(opt(230)), leg(opt(230), SELL)), "twice: AAPL 20260116 C 230"),
        ((leg(opt(230)), leg(opt(240, und="MSFT"), SELL)), "one underlying; got AAPL, MSFT"),
        (
            (leg(opt(230)), leg(opt(240, multiplier=Decimal(150)), SELL)),
            "different multipliers (100, 150)",
        ),
        ((leg(opt(230)), leg(opt(240, currency="EUR"), SELL)), "one currency"),
        ((leg(Instrument.stock("AAPL")), leg(Instrument.stock("AAPL"), SELL)), "twice"),
        ((leg(Instrument.stock("AAPL")), leg(Instrument.stock("MSFT"))), "one option leg"),
        (
            (leg(Instrument.stock("MSFT"), ratio=100), leg(opt(240), SELL)),
            "underlying AAPL, not MSFT",
        ),
        ((leg(opt(230), ratio=2), leg(opt(240), SELL, 4)), "share the factor 2; use 1:2"),
    ],
)
def test_invalid_legs_are_refused_with_a_message_that_says_why(
    legs: tuple[ComboLeg, ...], message: str
) -> None:
    with pytest.raises(InvalidCombo) as info:
        Combo(legs)
    assert message in str(info.value)
    assert isinstance(info.value, DomainError)  # shown to the trader as a refusal


@pytest.mark.parametrize("ratio", [0, -1])
def test_a_leg_ratio_must_be_positive(ratio: int) -> None:
    with pytest.raises(InvalidCombo, match="ratio must be positive"):
        ComboLeg(opt(230), ratio, SELL)


def test_a_leg_ratio_must_be_whole() -> None:
    with pytest.raises(InvalidCombo, match="whole number"):
        ComboLeg(opt(230), 1.5, BUY)  # type: ignore[arg-type]


def test_butterfly_ratios_weigh_in_the_net_price() -> None:
    fly = Combo((leg(opt(220)), leg(opt(230), SELL, 2), leg(opt(240))), "butterfly")
    prices = {
        opt(220).key: Decimal("12.00"),
        opt(230).key: Decimal("6.00"),
        opt(240).key: Decimal("2.50"),
    }
    assert fly.net_price(prices) == Decimal("2.50")  # 12 - 2×6 + 2.5
    assert fly.description == "AAPL 20260116 220/230/240 C butterfly"


def test_net_price_is_a_debit_positive_and_a_credit_negative() -> None:
    prices = {opt(230).key: Decimal("7.00"), opt(240).key: Decimal("3.00")}
    assert VERTICAL.net_price(prices) == Decimal("4.00")
    assert VERTICAL.reversed().net_price(prices) == Decimal("-4.00")
    with pytest.raises(InvalidCombo, match="no price for AAPL 20260116 C 240"):
        VERTICAL.net_price({opt(230).key: Decimal("7.00")})


def test_a_stock_leg_counts_per_share_of_the_option_multiplier() -> None:
    buy_write = Combo((leg(Instrument.stock("AAPL"), ratio=100), leg(opt(240), SELL)), "buy-write")
    prices = {"AAPL": Decimal("235.00"), opt(240).key: Decimal("3.00")}
    assert buy_write.net_price(prices) == Decimal("232.00")
    assert buy_write.description == "+100 AAPL & AAPL 20260116 240 C buy-write"
    assert buy_write.notional(Decimal("232.00"), Decimal(2)) == Decimal("46400.00")


def test_buying_pays_the_ask_of_bought_legs_and_gets_the_bid_of_sold_legs() -> None:
    quotes = {
        opt(230).key: OptionQuote(opt(230).key, bid=6.90, ask=7.10),
        opt(240).key: OptionQuote(opt(240).key, bid=2.90, ask=3.05),
    }
    net = VERTICAL.net_quote(quotes)
    assert net.ask == pytest.approx(7.10 - 2.90)
    assert net.bid == pytest.approx(6.90 - 3.05)
    assert net.mid == pytest.approx(4.025)
    rev = VERTICAL.reversed().net_quote(quotes)
    assert rev.ask == pytest.approx(-net.bid)  # buying the reverse = selling this one
    assert rev.bid == pytest.approx(-net.ask)


def test_net_quote_is_unknown_on_a_side_a_leg_cannot_price() -> None:
    quotes = {
        opt(230).key: OptionQuote(opt(230).key, bid=0.0, ask=0.05),  # a zero bid is a price
        opt(240).key: Quote(opt(240).key, bid=0.0, ask=math.nan),
    }
    net = VERTICAL.net_quote(quotes)
    assert net.ask == pytest.approx(0.05)  # buy 230 at its ask, sell 240 at its bid of 0
    assert math.isnan(net.bid)  # selling needs the 240's ask to buy it back
    assert math.isnan(net.mid)
    assert math.isnan(VERTICAL.net_quote({}).ask)


@pytest.mark.parametrize("price", ["4.00", "-1.25", "0", "0.01"])
def test_net_price_takes_any_sign_on_the_penny_tick(price: str) -> None:
    assert VERTICAL.check_price(price) == Decimal(price)


@pytest.mark.parametrize(
    ("price", "message"),
    [("4.005", "not on the tick size 0.01"), ("nan", "finite"), ("-20000000", "absurd")],
)
def test_bad_net_prices_are_refused(price: str, message: str) -> None:
    with pytest.raises(InvalidPrice, match=message):
        VERTICAL.check_price(price)


def test_a_combo_tick_can_be_coarser_and_mids_round_onto_it() -> None:
    nickel = Combo(VERTICAL.legs, "vertical", Decimal("0.05"))
    with pytest.raises(InvalidPrice, match=r"0\.05"):
        nickel.check_price("4.02")
    assert nickel.round_price(4.026) == Decimal("4.05")
    assert VERTICAL.round_price(-1.234) == Decimal("-1.23")
    assert VERTICAL.format_price(Decimal("-1.2")) == "-1.20"


def test_notional_is_price_times_quantity_times_multiplier_whatever_the_sign() -> None:
    assert VERTICAL.notional(Decimal("4.00"), Decimal(3)) == Decimal("1200.00")
    assert VERTICAL.notional(Decimal("-1.50"), Decimal(2)) == Decimal("300.00")
    mini = Combo(
        (leg(opt(230, multiplier=Decimal(10))), leg(opt(240, multiplier=Decimal(10)), SELL))
    )
    assert mini.notional(Decimal("4.00"), Decimal(3)) == Decimal("120.00")


def test_calendar_description_names_both_expiries() -> None:
    cal = Combo((leg(opt(230), SELL), leg(opt(230, expiry=FEB))), "calendar")
    assert cal.description == "AAPL 20260116/20260220 230 C calendar"


touch = hs.tuples(hs.floats(0, 50), hs.floats(0.01, 5)).map(lambda t: (t[0], t[0] + t[1]))


@given(hs.lists(touch, min_size=3, max_size=3), hs.lists(hs.booleans(), min_size=3, max_size=3))
def test_net_bid_never_exceeds_net_ask(
    touches: list[tuple[float, float]], sides: list[bool]
) -> None:
    insts = [opt(230), opt(240), opt(250, "P")]
    combo = Combo(tuple(leg(i, BUY if b else SELL) for i, b in zip(insts, sides, strict=True)))
    quotes = {
        i.key: OptionQuote(i.key, bid=b, ask=a) for i, (b, a) in zip(insts, touches, strict=True)
    }
    net = combo.net_quote(quotes)
    assert net.bid <= net.ask + 1e-9
    assert net.bid <= net.mid <= net.ask
    assert combo.reversed().net_quote(quotes).ask == pytest.approx(-net.bid)
