"""Tickers, depth, option computations and bars -> domain market data; sentinels stay NaN."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ib_async import BarData, Contract, DOMLevel, OptionComputation, RealTimeBar, Ticker

from terminal.broker.ib.mapping import (
    UNSET_DOUBLE,
    UNSET_INTEGER,
    bar_from_ib,
    depth_from_ticker,
    option_quote_from_ticker,
    quote_from_ticker,
    trade_from_ticker,
)
from terminal.domain import DepthLevel

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
NO_PRICE = [math.nan, None, UNSET_DOUBLE, UNSET_INTEGER, -1.0, 0.0, math.inf]
NO_SIZE = [math.nan, None, UNSET_DOUBLE, UNSET_INTEGER, -1.0, math.inf]
#: Quote field <- Ticker field.
PRICE_FIELDS = {"bid": "bid", "ask": "ask", "last": "last", "prev_close": "close"}
SIZE_FIELDS = {
    "bid_size": "bidSize",
    "ask_size": "askSize",
    "last_size": "lastSize",
    "volume": "volume",
}


def ticker(contract: Contract | None = None, **fields: Any) -> Ticker:
    """A ticker as ib_async leaves it (fields set after construction, as the wrapper does)."""
    made = Ticker(contract=contract)
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def live_ticker() -> Ticker:
    return ticker(
        bid=99.5,
        bidSize=300.0,
        ask=99.6,
        askSize=200.0,
        last=99.55,
        lastSize=100.0,
        volume=1_250_000.0,
        close=98.0,
        time=NOW,
        marketDataType=1,
    )


# -- quotes ------------------------------------------------------------------------------------


def test_a_live_quote() -> None:
    quote = quote_from_ticker("AAPL", live_ticker(), stamp=12.5)
    assert (quote.key, quote.bid, quote.ask, quote.last) == ("AAPL", 99.5, 99.6, 99.55)
    assert (quote.bid_size, quote.ask_size, quote.last_size) == (300.0, 200.0, 100.0)
    assert quote.volume == 1_250_000.0
    assert quote.prev_close == 98.0
    assert quote.time == NOW
    assert quote.stamp == 12.5
    assert not quote.delayed


@pytest.mark.parametrize(("data_type", "delayed"), [(1, False), (2, False), (3, True), (4, True)])
def test_delayed_data_is_flagged(data_type: int, delayed: bool) -> None:
    quote = quote_from_ticker("AAPL", ticker(marketDataType=data_type), 0.0)
    assert quote.delayed is delayed


def test_a_naive_time_is_utc_and_no_time_stays_none() -> None:
    assert quote_from_ticker("A", ticker(time=NOW.replace(tzinfo=None)), 0.0).time == NOW
    assert quote_from_ticker("A", ticker(), 0.0).time is None


def test_a_size_without_its_price_is_no_size() -> None:
    quote = quote_from_ticker("AAPL", ticker(bid=-1.0, bidSize=0.0, ask=10.0, askSize=0.0), 0.0)
    assert math.isnan(quote.bid)
    assert math.isnan(quote.bid_size)
    assert quote.ask_size == 0.0  # zero is a real size next to a real price


@given(
    st.fixed_dictionaries(
        {
            name: st.one_of(st.sampled_from(NO_PRICE), st.floats(0.01, 1e6))
            for name in PRICE_FIELDS.values()
        }
        | {
            name: st.one_of(st.sampled_from(NO_SIZE), st.floats(0, 1e9))
            for name in SIZE_FIELDS.values()
        }
    )
)
def test_a_sentinel_in_any_field_is_never_a_number(fields: dict[str, Any]) -> None:
    quote = quote_from_ticker("AAPL", ticker(**fields), 0.0)
    for ours, theirs in PRICE_FIELDS.items():
        sent = fields[theirs]
        got = getattr(quote, ours)
        if sent in NO_PRICE:
            assert math.isnan(got), (ours, sent)
        else:
            assert got == sent
    for ours, theirs in SIZE_FIELDS.items():
        got = getattr(quote, ours)
        if fields[theirs] in NO_SIZE:
            assert math.isnan(got), (ours, fields[theirs])
        else:
            assert math.isnan(got) or got == fields[theirs]  # NaN only when its price is missing


# -- trades ------------------------------------------------------------------------------------


def test_a_trade_print() -> None:
    trade = trade_from_ticker("AAPL", live_ticker())
    assert trade is not None
    assert (trade.key, trade.price, trade.size, trade.time) == ("AAPL", 99.55, 100.0, NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"last": -1.0},
        {"last": math.nan},
        {"last": 0.0},
        {"lastSize": 0.0},
        {"lastSize": math.nan},
        {"time": None},
    ],
    ids=repr,
)
def test_no_trade_without_price_size_and_time(change: dict[str, object]) -> None:
    source = live_ticker()
    for name, value in change.items():
        setattr(source, name, value)
    assert trade_from_ticker("AAPL", source) is None


# -- depth -------------------------------------------------------------------------------------


def test_depth_is_best_first_merged_cut_and_clean() -> None:
    source = ticker(
        time=NOW,
        domBids=[
            DOMLevel(99.0, 100.0, "ARCA"),
            DOMLevel(99.5, 200.0, "NSDQ"),
            DOMLevel(99.5, 50.0, "ARCA"),  # same price on another venue: one level
            DOMLevel(-1.0, 0.0, ""),  # an emptied row
            DOMLevel(98.5, 0.0, "BATS"),
            DOMLevel(98.0, 300.0, "BATS"),
        ],
        domAsks=[
            DOMLevel(100.5, 10.0, ""),
            DOMLevel(100.0, 20.0, ""),
            DOMLevel(UNSET_DOUBLE, 5.0, ""),
        ],
    )
    book = depth_from_ticker("AAPL", source, stamp=3.0, levels=2)
    assert book.bids == (DepthLevel(99.5, 250.0), DepthLevel(99.0, 100.0))
    assert book.asks == (DepthLevel(100.0, 20.0), DepthLevel(100.5, 10.0))
    assert (book.key, book.time, book.stamp) == ("AAPL", NOW, 3.0)
    assert depth_from_ticker("AAPL", source, 0.0, levels=0).bids == ()


# -- options -----------------------------------------------------------------------------------

CALL = Contract(secType="OPT", symbol="AAPL", right="C")
PUT = Contract(secType="OPT", symbol="AAPL", right="P")


def computation(
    iv: float | None = 0.3, delta: float | None = 0.5, **more: float | None
) -> OptionComputation:
    fields = {
        "gamma": 0.02,
        "vega": 0.15,
        "theta": -0.05,
        "undPrice": 150.0,
        "optPrice": 5.0,
    } | more
    return OptionComputation(0, impliedVol=iv, delta=delta, **fields)


def test_an_option_quote_takes_the_model_greeks() -> None:
    source = ticker(
        CALL,
        bid=5.0,
        bidSize=10.0,
        ask=5.2,
        askSize=12.0,
        last=5.1,
        volume=900.0,
        callOpenInterest=12_000.0,
        putOpenInterest=7_000.0,
        modelGreeks=computation(0.31, 0.52),
        bidGreeks=computation(0.9, 0.9),
    )
    quote = option_quote_from_ticker("AAPL 20261218 C 150", source, stamp=1.0)
    assert (quote.bid, quote.ask, quote.last, quote.volume) == (5.0, 5.2, 5.1, 900.0)
    assert (quote.iv, quote.greeks.delta) == (0.31, 0.52)
    assert (quote.greeks.gamma, quote.greeks.vega, quote.greeks.theta) == (0.02, 0.15, -0.05)
    assert math.isnan(quote.greeks.rho)
    assert quote.underlying_price == 150.0
    assert quote.open_interest == 12_000.0  # a call's open interest
    assert (
        option_quote_from_ticker("P", ticker(PUT, putOpenInterest=7_000.0), 0.0).open_interest
        == 7_000.0
    )


def test_without_model_greeks_bid_and_ask_are_averaged() -> None:
    source = ticker(
        CALL, bidGreeks=computation(0.30, 0.50), askGreeks=computation(0.34, 0.54, gamma=-2.0)
    )
    quote = option_quote_from_ticker("K", source, 0.0)
    assert quote.iv == pytest.approx(0.32)
    assert quote.greeks.delta == pytest.approx(0.52)
    assert quote.greeks.gamma == pytest.approx(0.02)  # the ask's -2 ("not computed") is left out


def test_without_model_or_quote_greeks_the_last_trade_greeks_are_used() -> None:
    source = ticker(CALL, modelGreeks=computation(None, -2.0), lastGreeks=computation(0.4, 0.6))
    quote = option_quote_from_ticker("K", source, 0.0)
    assert (quote.iv, quote.greeks.delta) == (0.4, 0.6)


def test_no_greeks_at_all_are_nan() -> None:
    quote = option_quote_from_ticker("K", ticker(CALL), 0.0)
    values = (
        quote.iv,
        quote.greeks.delta,
        quote.greeks.gamma,
        quote.greeks.theta,
        quote.underlying_price,
    )
    assert all(math.isnan(v) for v in values)


def test_greek_ranges() -> None:
    deep_put = computation(0.5, -1.0, theta=-2.5, vega=0.0)
    quote = option_quote_from_ticker("K", ticker(PUT, modelGreeks=deep_put), 0.0)
    assert quote.greeks.delta == -1.0  # a real delta, not IB's -1 "no value"
    assert quote.greeks.theta == -2.5
    assert quote.greeks.vega == 0.0
    odd = computation(0.5, 1.5, theta=-2.0, vega=-2.0, gamma=UNSET_DOUBLE, undPrice=-1.0)
    quote = option_quote_from_ticker("K", ticker(PUT, modelGreeks=odd), 0.0)
    values = (quote.greeks.delta, quote.greeks.theta, quote.greeks.vega, quote.greeks.gamma)
    assert all(math.isnan(v) for v in values)
    assert math.isnan(quote.underlying_price)


@given(
    st.fixed_dictionaries(
        {
            "impliedVol": st.sampled_from([None, math.nan, -1.0, 0.0, UNSET_DOUBLE]),
            "delta": st.sampled_from([None, math.nan, -2.0, UNSET_DOUBLE, math.inf]),
            "gamma": st.sampled_from([None, math.nan, -2.0, -1.0, UNSET_DOUBLE]),
            "vega": st.sampled_from([None, math.nan, -2.0, -1.0, UNSET_DOUBLE]),
            "theta": st.sampled_from([None, math.nan, -2.0, UNSET_DOUBLE, -math.inf]),
            "undPrice": st.sampled_from([None, math.nan, -1.0, 0.0, UNSET_DOUBLE]),
        }
    ),
    st.sampled_from(["modelGreeks", "bidGreeks", "askGreeks", "lastGreeks"]),
    st.sampled_from(NO_PRICE),
)
def test_option_sentinels_are_never_numbers(
    fields: dict[str, float | None], source: str, price: float
) -> None:
    quote = option_quote_from_ticker(
        "K",
        ticker(
            CALL,
            bid=price,
            ask=price,
            last=price,
            volume=-1.0,
            **{source: OptionComputation(0, **fields)},
        ),
        0.0,
    )
    greeks = quote.greeks
    values = (quote.bid, quote.ask, quote.last, quote.iv, quote.volume, quote.underlying_price)
    assert all(
        math.isnan(v) for v in (*values, greeks.delta, greeks.gamma, greeks.vega, greeks.theta)
    )


def test_a_zero_bid_with_size_is_a_real_option_bid() -> None:
    assert option_quote_from_ticker("K", ticker(CALL, bid=0.0, bidSize=50.0), 0.0).bid == 0.0
    assert math.isnan(option_quote_from_ticker("K", ticker(CALL, bid=0.0, bidSize=0.0), 0.0).bid)
    assert math.isnan(option_quote_from_ticker("K", ticker(CALL, bid=-1.0, bidSize=0.0), 0.0).bid)
    assert math.isnan(option_quote_from_ticker("K", ticker(CALL, ask=0.0, askSize=50.0), 0.0).ask)
    assert math.isnan(
        quote_from_ticker("K", ticker(CALL, bid=0.0, bidSize=50.0), 0.0).bid
    )  # stock quote


# -- bars --------------------------------------------------------------------------------------


def test_an_intraday_bar_starts_at_its_utc_time() -> None:
    start = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
    bar = bar_from_ib(BarData(date=start, open=10.0, high=11.0, low=9.5, close=10.5, volume=1200.0))
    assert (bar.start, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        start,
        10.0,
        11.0,
        9.5,
        10.5,
        1200.0,
    )
    eastern = start.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert bar_from_ib(BarData(date=eastern, open=1, high=1, low=1, close=1)).start == start
    assert (
        bar_from_ib(BarData(date=start.replace(tzinfo=None), open=1, high=1, low=1, close=1)).start
        == start
    )


@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        (dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 5, 0, tzinfo=dt.UTC)),  # EST
        (dt.date(2026, 7, 15), dt.datetime(2026, 7, 15, 4, 0, tzinfo=dt.UTC)),  # EDT
    ],
)
def test_a_daily_bar_starts_at_midnight_in_new_york(day: dt.date, utc_start: dt.datetime) -> None:
    bar = bar_from_ib(BarData(date=day, open=10.0, high=11.0, low=9.0, close=10.0, volume=5e6))
    assert bar.start == utc_start
    assert bar.start.tzinfo is dt.UTC


def test_a_real_time_bar() -> None:
    bar = bar_from_ib(
        RealTimeBar(time=NOW, open_=10.0, high=10.2, low=9.9, close=10.1, volume=-1.0)
    )
    assert (bar.start, bar.open, bar.high, bar.low, bar.close) == (NOW, 10.0, 10.2, 9.9, 10.1)
    assert bar.volume == 0.0  # IB's -1: no volume (an index)
