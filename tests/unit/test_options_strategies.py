"""Named strategies pick the right legs from a chain around a chosen strike, or say why not."""

from __future__ import annotations

import datetime as dt

import pytest

from terminal.domain import Combo, InvalidCombo, OptionChainParams
from terminal.options import strategies as st

JAN, FEB, MAR = dt.date(2026, 1, 16), dt.date(2026, 2, 20), dt.date(2026, 3, 20)
CHAIN = OptionChainParams("AAPL", (JAN, FEB), tuple(float(k) for k in range(200, 262, 5)))


def legs(combo: Combo) -> list[tuple[str, int]]:
    """Each leg as (OCC-like key, signed ratio), in the combo's canonical order."""
    return [(leg.instrument.key, leg.signed_ratio) for leg in combo.legs]


def test_vertical_buys_the_strike_and_sells_further_out_of_the_money() -> None:
    call = st.vertical(CHAIN, JAN, 230, "C", width=2)
    assert legs(call) == [("AAPL 20260116 C 230", 1), ("AAPL 20260116 C 240", -1)]
    assert call.description == "AAPL 20260116 230/240 C vertical"
    put = st.vertical(CHAIN, JAN, 230, "P")
    assert legs(put) == [("AAPL 20260116 P 225", -1), ("AAPL 20260116 P 230", 1)]


def test_straddle_and_strangle() -> None:
    assert legs(st.straddle(CHAIN, JAN, 230)) == [
        ("AAPL 20260116 C 230", 1),
        ("AAPL 20260116 P 230", 1),
    ]
    assert legs(st.strangle(CHAIN, JAN, 230, width=2)) == [
        ("AAPL 20260116 C 240", 1),
        ("AAPL 20260116 P 220", 1),
    ]


def test_iron_condor_sells_the_inner_strikes_and_buys_the_wings() -> None:
    condor = st.iron_condor(CHAIN, JAN, 230, inner=2, wing=1)
    assert sorted(legs(condor)) == [
        ("AAPL 20260116 C 240", -1),
        ("AAPL 20260116 C 245", 1),
        ("AAPL 20260116 P 215", 1),
        ("AAPL 20260116 P 220", -1),
    ]
    assert condor.description == "AAPL 20260116 215/220/240/245 P/C iron condor"


def test_butterfly_is_one_two_one() -> None:
    fly = st.butterfly(CHAIN, JAN, 230, "P")
    assert legs(fly) == [
        ("AAPL 20260116 P 225", 1),
        ("AAPL 20260116 P 230", -2),
        ("AAPL 20260116 P 235", 1),
    ]


def test_calendar_and_diagonal_sell_near_and_buy_far() -> None:
    cal = st.calendar(CHAIN, JAN, FEB, 230, "C")
    assert legs(cal) == [("AAPL 20260116 C 230", -1), ("AAPL 20260220 C 230", 1)]
    diag = st.diagonal(CHAIN, JAN, FEB, 230, "P", width=1)
    assert legs(diag) == [("AAPL 20260116 P 225", -1), ("AAPL 20260220 P 230", 1)]


def test_the_chain_multiplier_reaches_the_legs() -> None:
    mini = OptionChainParams("AAPL", (JAN,), CHAIN.strikes, multiplier=10)
    assert st.vertical(mini, JAN, 230, "C").multiplier == 10


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: st.vertical(CHAIN, JAN, 231, "C"), "strike 231 is not listed; nearest is 230"),
        (lambda: st.vertical(CHAIN, JAN, 260, "C"), "no strike 1 strike(s) above 260"),
        (lambda: st.iron_condor(CHAIN, JAN, 205, inner=1, wing=1), "below 200"),
        (lambda: st.straddle(CHAIN, MAR, 230), "expiry 2026-03-20 is not listed"),
        (lambda: st.calendar(CHAIN, FEB, JAN, 230, "C"), "near expiry (2026-02-20) must come"),
        (lambda: st.strangle(CHAIN, JAN, 230, width=0), "at least one strike"),
    ],
)
def test_impossible_strategies_are_refused_with_a_reason(build: object, message: str) -> None:
    with pytest.raises(InvalidCombo) as info:
        build()  # type: ignore[operator]
    assert message in str(info.value)


def test_every_named_strategy_has_a_builder() -> None:
    names = {st.vertical(CHAIN, JAN, 230, "C").strategy, st.straddle(CHAIN, JAN, 230).strategy}
    names |= {st.strangle(CHAIN, JAN, 230).strategy, st.iron_condor(CHAIN, JAN, 230).strategy}
    names |= {st.butterfly(CHAIN, JAN, 230, "C").strategy}
    names |= {st.calendar(CHAIN, JAN, FEB, 230, "C").strategy}
    names |= {st.diagonal(CHAIN, JAN, FEB, 230, "C").strategy}
    assert names == set(st.STRATEGIES)
