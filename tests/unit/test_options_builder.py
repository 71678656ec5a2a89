"""The strategy builder's core: editing legs, the combo they make, its numbers and its words."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from terminal.domain import Greeks, OptionChainParams, OptionQuote, OrderSide, Quote
from terminal.domain.combos import InvalidCombo
from terminal.options import analysis, labels, strategies
from terminal.options.builder import Draft, evaluate, leg_vols
from terminal.options.pricing import black_scholes, years_to_expiry

BUY, SELL = OrderSide.BUY, OrderSide.SELL
NOW = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
NEAR, FAR = dt.date(2026, 12, 18), dt.date(2027, 1, 15)
CHAIN = OptionChainParams(
    underlying="SPY",
    expiries=(NEAR, FAR),
    strikes=tuple(float(k) for k in range(470, 531, 10)),
)


def test_clicks_add_legs_and_the_same_contract_again_changes_its_ratio() -> None:
    call = strategies.ChainStrikes(CHAIN).option(NEAR, Decimal(500), "C")
    put = strategies.ChainStrikes(CHAIN).option(NEAR, Decimal(500), "P")
    draft = Draft().add(call, BUY).add(put, SELL)
    assert [(leg.instrument.key, leg.side, leg.ratio) for leg in draft.legs] == [
        (call.key, BUY, 1),
        (put.key, SELL, 1),
    ]
    draft = draft.add(call, BUY)
    assert draft.legs[0].ratio == 2
    draft = draft.add(call, SELL).add(call, SELL)  # the other side: one less, then gone
    assert [leg.instrument.key for leg in draft.legs] == [put.key]


def test_the_combo_of_a_draft_has_reduced_ratios_and_counts_how_many() -> None:
    strikes = strategies.ChainStrikes(CHAIN)
    low, high = strikes.option(NEAR, Decimal(490), "C"), strikes.option(NEAR, Decimal(510), "C")
    draft = Draft().add(low, BUY).add(low, BUY).add(high, SELL).add(high, SELL)
    combo, factor = draft.combo()
    assert factor == 2 and [leg.ratio for leg in combo.legs] == [1, 1]
    with pytest.raises(InvalidCombo, match="at least two legs"):
        Draft().add(low, BUY).combo()
    with pytest.raises(InvalidCombo, match="no legs"):
        Draft().combo()


def test_a_named_strategy_keeps_its_name_until_edited() -> None:
    condor = strategies.iron_condor(CHAIN, NEAR, 500)
    draft = Draft.of(condor)
    assert draft.combo() == (condor, 1)
    assert [float(leg.instrument.strike or 0) for leg in draft.legs] == [480, 490, 510, 520]
    assert draft.set_ratio(0, 2).strategy == "custom"


@pytest.mark.parametrize(
    ("side", "price", "word"),
    [
        (BUY, "-1.20", "credit"),
        (SELL, "1.20", "credit"),
        (BUY, "1.20", "debit"),
        (SELL, "-1.20", "debit"),
        (BUY, "0", "even"),
    ],
)
def test_an_order_says_whether_it_pays_or_receives(side: OrderSide, price: str, word: str) -> None:
    assert labels.cash_word(side, Decimal(price)) == word


def test_an_iron_condor_order_reads_as_its_strategy_with_strikes_and_legs() -> None:
    condor = strategies.iron_condor(CHAIN, NEAR, 500)
    assert (
        labels.order_title(condor, BUY, 1, Decimal("-1.20"))
        == "BUY IRON CONDOR SPY 2026-12-18 480/490/510/520 ×1 net −1.20 credit"
    )
    assert labels.legs_text(condor) == (
        "+1 SPY 2026-12-18 480 P · −1 SPY 2026-12-18 490 P · "
        "−1 SPY 2026-12-18 510 C · +1 SPY 2026-12-18 520 C"
    )
    vertical = strategies.vertical(CHAIN, NEAR, 500, "C")
    assert labels.strategy_title(vertical) == "VERTICAL SPY 2026-12-18 500/510 C"
    assert labels.net_text(SELL, None) == "net MKT"


def _quote(key: str, bid: float, ask: float) -> Quote:
    return Quote(key, bid=bid, ask=ask)


def test_evaluate_prices_the_combo_from_its_legs_and_values_it_at_the_limit() -> None:
    vertical = strategies.vertical(CHAIN, NEAR, 500, "C")
    bought, sold = (leg.instrument.key for leg in vertical.legs)
    quotes = {bought: _quote(bought, 5.00, 5.20), sold: _quote(sold, 1.90, 2.00)}
    value = evaluate(vertical, quotes, {}, 501.0, NOW, limit=3.10)
    assert value.net.ask == pytest.approx(5.20 - 1.90)
    assert value.net.bid == pytest.approx(5.00 - 2.00)
    assert value.price == 3.10
    assert value.risk == analysis.risk(vertical, 3.10)
    assert value.risk is not None and value.risk.max_loss == pytest.approx(310)
    assert value.payoff is not None and value.payoff.today is not None
    assert value.payoff.spots[0] < 500 and value.payoff.spots[-1] > 510
    # Greeks from Black–Scholes at the vols solved from the legs' mids (no feed Greeks here).
    assert value.greeks_source == "Black–Scholes"
    vols = leg_vols(vertical, quotes, {}, 501.0, NOW)
    years = years_to_expiry(NEAR, NOW)
    for leg in vertical.legs:
        k = float(leg.instrument.strike or 0)
        mid = (quotes[leg.instrument.key].bid + quotes[leg.instrument.key].ask) / 2
        price = black_scholes(501.0, k, years, 0.04, vols[leg.instrument.key], True).price
        assert float(price) == pytest.approx(mid, abs=1e-3)
    assert value.greeks == analysis.net_greeks(vertical, 501.0, now=NOW, vols=vols, rate=0.04)


def test_evaluate_uses_the_feeds_greeks_when_every_leg_has_them() -> None:
    straddle = strategies.straddle(CHAIN, NEAR, 500)
    feed = {
        leg.instrument.key: OptionQuote(
            leg.instrument.key, bid=9.0, ask=9.4, iv=0.2, greeks=Greeks(0.5, 0.01, -0.1, 0.6, 0.1)
        )
        for leg in straddle.legs
    }
    value = evaluate(straddle, {}, feed, 500.0, NOW, quantity=-2)  # two sold
    assert value.greeks_source == "feed"
    assert value.greeks is not None and value.greeks.delta == pytest.approx(-2 * 100 * 1.0)
    assert value.price == pytest.approx(2 * 9.2)
    assert value.risk is not None and value.risk.max_loss is None  # a sold straddle: unlimited


def test_evaluate_says_what_is_missing_without_quotes() -> None:
    vertical = strategies.vertical(CHAIN, NEAR, 500, "C")
    value = evaluate(vertical, {}, {}, math.nan, NOW)
    assert math.isnan(value.net.mid) and value.risk is None and value.payoff is None
    assert value.problems and "waiting for quotes" in value.problems[0]
