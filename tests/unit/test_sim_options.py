"""Option pricing and the simulated option chains."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pytest

from terminal.broker.sim import SimBroker
from terminal.broker.sim.options import list_expiries, list_strikes, strike_increment
from terminal.domain import ManualClock, OptionQuote, OrderStatus, OrderType
from terminal.options.pricing import black_scholes, implied_vol, smile_vol
from tests.helpers.sim_support import make_broker, make_order, run


def test_black_scholes_matches_a_textbook_value_and_put_call_parity() -> None:
    call = black_scholes(100.0, 100.0, 1.0, 0.05, 0.2, True)
    put = black_scholes(100.0, 100.0, 1.0, 0.05, 0.2, False)
    assert call.price[()] == pytest.approx(10.4506, abs=1e-3)  # Hull's example
    assert call.price[()] - put.price[()] == pytest.approx(100 - 100 * np.exp(-0.05), abs=1e-6)
    assert call.delta[()] == pytest.approx(0.6368, abs=1e-3)


def test_greeks_agree_with_finite_differences() -> None:
    s, k, t, r, v = 120.0, 110.0, 0.3, 0.03, 0.35
    h = 1e-3
    base = black_scholes(s, k, t, r, v, False)
    up, down = black_scholes(s + h, k, t, r, v, False), black_scholes(s - h, k, t, r, v, False)
    assert base.delta[()] == pytest.approx((up.price - down.price)[()] / (2 * h), abs=1e-4)
    assert base.gamma[()] == pytest.approx((up.delta - down.delta)[()] / (2 * h), abs=1e-4)
    vega = (black_scholes(s, k, t, r, v + h, False).price - base.price)[()] / h / 100
    assert base.vega[()] == pytest.approx(vega, rel=1e-2)
    day = 1 / 365
    theta = (black_scholes(s, k, t - day, r, v, False).price - base.price)[()]
    assert base.theta[()] == pytest.approx(theta, rel=2e-2)


def test_implied_vol_recovers_the_input_vol_for_a_whole_chain() -> None:
    strikes = np.linspace(60, 140, 33)
    vols = smile_vol(0.3, 100.0, strikes, 0.25)
    calls = strikes > 100
    prices = black_scholes(100.0, strikes, 0.25, 0.04, vols, calls).price
    solved = implied_vol(prices, 100.0, strikes, 0.25, 0.04, calls)
    assert np.allclose(solved, vols, atol=1e-6)
    assert np.isnan(implied_vol(10.0, 100.0, 50.0, 0.25, 0.04, True))  # below intrinsic value


def test_smile_has_an_equity_skew() -> None:
    vols = smile_vol(0.25, 100.0, np.array([80.0, 100.0, 120.0]), 0.1)
    assert vols[0] > vols[1]
    assert vols[0] > vols[2]


def test_strikes_use_the_usual_increments_around_spot() -> None:
    assert strike_increment(20) == 0.5
    assert strike_increment(228) == 5
    strikes = list_strikes(228.5)
    assert all(s % 5 == 0 for s in strikes)
    assert min(strikes) < 228.5 * 0.75 and max(strikes) > 228.5 * 1.25


def test_expiries_are_weeklies_and_monthly_third_fridays() -> None:
    expiries = list_expiries(dt.date(2026, 1, 5))
    assert 7 <= len(expiries) <= 9
    assert all(e.weekday() == 4 for e in expiries)
    assert dt.date(2026, 2, 20) in expiries  # third Friday of February
    assert expiries == tuple(sorted(expiries))


@pytest.mark.asyncio
async def test_chain_quotes_move_with_the_underlying_in_one_batch() -> None:
    broker, clock = make_broker()
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    params = await broker.option_chain_params(aapl)
    contracts = await broker.subscribe_option_chain(aapl, params.expiries[1], [220.0, 230.0, 235.0])
    assert len(contracts) == 6
    batches: list[list[OptionQuote]] = []
    broker.option_quotes_received += batches.append
    run(broker, clock, 1.0)
    assert batches and all(len(b) == 6 for b in batches)
    last = {q.key: q for q in batches[-1]}
    call = last[contracts[0].key]
    assert 0 < call.bid < call.ask
    assert 0.5 < call.greeks.delta < 1 and call.greeks.gamma > 0 and call.greeks.theta < 0
    assert 0.1 < call.iv < 0.6
    assert call.open_interest > 0
    first = batches[0][0]
    moved = [b[0] for b in batches if b[0].underlying_price != first.underlying_price]
    assert moved and all(
        (q.bid - first.bid) * (q.underlying_price - first.underlying_price) >= 0 for q in moved
    )


@pytest.mark.asyncio
async def test_option_market_order_buys_at_the_offer_and_pays_per_contract() -> None:
    broker, clock = make_broker()
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    params = await broker.option_chain_params(aapl)
    [call, _] = await broker.subscribe_option_chain(aapl, params.expiries[2], [230.0])
    quotes: list[OptionQuote] = []
    broker.option_quotes_received += quotes.extend
    fills = []
    broker.fill_received += fills.append
    statuses: list[OrderStatus] = []
    broker.order_status_received += lambda u: statuses.append(u.status)
    run(broker, clock, 0.1)
    await broker.place_order(make_order(call, "BUY", 3, OrderType.MARKET))
    run(broker, clock, 0.1)
    assert statuses[-1] is OrderStatus.FILLED
    assert fills[0].commission == Decimal("1.95")
    account = await broker.account()
    assert account.cash == Decimal(1_000_000) - fills[0].price * 300 - Decimal("1.95")


@pytest.mark.asyncio
async def test_a_single_option_can_be_subscribed_like_a_stock() -> None:
    broker, clock = make_broker()
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    params = await broker.option_chain_params(aapl)
    put = await broker.qualify(f"AAPL {params.expiries[3]:%Y%m%d} P 220")
    await broker.subscribe_quotes(put)
    keys: list[str] = []
    broker.quotes_received += lambda quotes: keys.extend(q.key for q in quotes)
    run(broker, clock, 0.5)
    assert keys and set(keys) == {put.key}


async def _chain_broker(interval: float) -> tuple[SimBroker, ManualClock]:
    """A broker quoting one AAPL strike (call and put) with ``interval`` between chain quotes."""
    broker, clock = make_broker(option_quote_interval=interval)
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    params = await broker.option_chain_params(aapl)
    await broker.subscribe_option_chain(aapl, params.expiries[1], [230.0])
    return broker, clock


@pytest.mark.asyncio
async def test_a_chain_is_quoted_at_most_every_quote_interval_and_keeps_a_move_for_then() -> None:
    broker, clock = await _chain_broker(0.25)
    stamps: list[float] = []
    broker.option_quotes_received += lambda batch: stamps.append(clock.now().timestamp())
    run(broker, clock, 2.0)  # 20 steps of 0.1 s, the underlying moving on every one
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(stamps)]
    assert len(stamps) == 7  # steps 1, 4, 7, ... : the first step, then every 0.3 s
    assert all(gap >= 0.25 for gap in gaps)


@pytest.mark.asyncio
async def test_without_an_interval_a_chain_is_quoted_on_every_step_its_underlying_moves() -> None:
    broker, clock = await _chain_broker(0.0)
    batches: list[object] = []
    broker.option_quotes_received += batches.append
    run(broker, clock, 1.0)
    assert len(batches) == 10


def test_implied_vol_agrees_with_a_fine_bisection_across_moneyness_and_expiry() -> None:
    """Newton's method, with bisection behind it where vega vanishes, solves every price a
    volatility explains: deep in and out of the money, a day to two years out."""
    rng = np.random.default_rng(3)
    n = 4000
    strikes = rng.uniform(40, 220, n)
    years = rng.uniform(1 / 365, 2.0, n)
    calls = rng.random(n) < 0.5
    vols = rng.uniform(0.05, 2.0, n)
    value = black_scholes(100.0, strikes, years, 0.04, vols, calls)
    solved = implied_vol(value.price, 100.0, strikes, years, 0.04, calls)
    informative = value.vega > 1e-4  # where the price pins the volatility down at all
    assert informative.sum() > n // 2
    assert np.allclose(solved[informative], vols[informative], atol=1e-7)
    # Where it does not, any answer must still reproduce the price.
    again = black_scholes(100.0, strikes, years, 0.04, solved, calls).price
    assert np.allclose(again, value.price, atol=1e-6)
    assert implied_vol(value.price[:1], 100.0, strikes[:1], years[:1], 0.04, calls[:1]).shape == (
        1,
    )
    assert np.ndim(implied_vol(10.45, 100.0, 100.0, 1.0, 0.05, True)) == 0
