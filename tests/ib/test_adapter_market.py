"""IBBroker market data against the loopback gateway: quotes, prints, delayed data, IB's line
and depth limits, history with pacing, live bars, option chains with greeks."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest

from terminal.broker.base import BrokerError
from terminal.domain import Timeframe
from tests.ib.adapter_setup import connected, gateway

pytestmark = pytest.mark.asyncio

REQ_MKT_DATA, REQ_CONTRACT_DETAILS, REQ_HISTORICAL, REQ_SEC_DEF_OPT_PARAMS = 1, 9, 20, 78


async def test_quotes_follow_the_gateway_and_last_prints_become_trades() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            await broker.subscribe_quotes(aapl)
            await broker.subscribe_quotes(aapl)  # twice: still one line at IB
            await gw.until(lambda g: g.market_data_lines() == 1, what="the line")
            assert gw.received_ids().count(REQ_MKT_DATA) == 1
            gw.set_quote("AAPL", bid=101.25, ask=101.27)
            await seen.until(
                lambda: any(q.bid == 101.25 and q.ask == 101.27 for q in seen.quotes), "quote"
            )
            quote = seen.quotes[-1]
            assert quote.key == "AAPL" and not quote.delayed and quote.time is not None
            assert not seen.trades or all(t.price != 101.26 for t in seen.trades)
            gw.set_quote("AAPL", last=101.26, last_size=300)
            await seen.until(lambda: any(t.price == 101.26 for t in seen.trades), "a trade print")
            assert [t.size for t in seen.trades if t.price == 101.26] == [300]
            await broker.unsubscribe_quotes(aapl)
            await gw.until(lambda g: g.market_data_lines() == 0, what="the line to be freed")


async def test_prints_of_instruments_nobody_keeps_prints_of_are_not_published() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            broker.want_prints({"MSFT"})
            for symbol in ("AAPL", "MSFT"):
                await broker.subscribe_quotes(await broker.qualify(symbol))
            await gw.until(lambda g: g.market_data_lines() == 2, what="the lines")
            gw.set_quote("AAPL", last=101.26, last_size=300)
            await seen.until(lambda: any(q.last == 101.26 for q in seen.quotes), "AAPL's last")
            gw.set_quote("MSFT", last=400.5, last_size=100)
            await seen.until(lambda: any(t.key == "MSFT" for t in seen.trades), "MSFT's print")
            assert {t.key for t in seen.trades} == {"MSFT"}  # AAPL's came first, and was dropped


async def test_delayed_data_is_marked_delayed() -> None:
    with gateway(delayed=True) as gw:
        async with connected(gw) as (broker, seen):
            await broker.subscribe_quotes(await broker.qualify("MSFT"))
            gw.set_quote("MSFT", bid=400.0, ask=400.1)
            await seen.until(lambda: any(q.bid == 400.0 for q in seen.quotes), "delayed quote")
            assert all(q.delayed for q in seen.quotes if not math.isnan(q.bid))


async def test_the_adapter_refuses_beyond_its_line_allowance_before_asking_ib() -> None:
    with gateway() as gw:
        async with connected(gw, market_data_lines=2) as (broker, _):
            for symbol in ("AAPL", "MSFT"):
                await broker.subscribe_quotes(await broker.qualify(symbol))
            spy = await broker.qualify("SPY")
            with pytest.raises(BrokerError, match="only 0 of 2 are free") as refused:
                await broker.subscribe_quotes(spy)
            assert refused.value.code == 101
            assert gw.received_ids().count(REQ_MKT_DATA) == 2


async def test_ibs_own_line_limit_error_101_is_surfaced_not_swallowed() -> None:
    with gateway(max_market_data_lines=1) as gw:
        async with connected(gw) as (broker, seen):
            await broker.subscribe_quotes(await broker.qualify("AAPL"))
            await broker.subscribe_quotes(await broker.qualify("MSFT"))
            await seen.until(lambda: any(c == 101 for c, _ in seen.errors), "error 101")
            message = next(m for c, m in seen.errors if c == 101)
            assert "line" in message.lower() and "MSFT" in message
            assert set(broker.streams.subs.quotes) == {"AAPL"}  # the count stays true


async def test_depth_books_arrive_and_the_depth_limit_is_kept() -> None:
    with gateway() as gw:
        async with connected(gw, depth_subscriptions=2) as (broker, seen):
            aapl, msft, spy = [await broker.qualify(s) for s in ("AAPL", "MSFT", "SPY")]
            await broker.subscribe_depth(aapl, levels=5)
            await seen.until(
                lambda: any(b.key == "AAPL" and len(b.bids) == 5 for b in seen.books), "a book"
            )
            book = next(b for b in reversed(seen.books) if b.key == "AAPL")
            assert len(book.asks) == 5
            assert [lv.price for lv in book.bids] == sorted(
                (lv.price for lv in book.bids), reverse=True
            )
            assert book.bids[0].price < book.asks[0].price
            await broker.subscribe_depth(msft, levels=5)
            with pytest.raises(BrokerError, match=r"2 depth subscriptions.*AAPL, MSFT"):
                await broker.subscribe_depth(spy, levels=5)
            await broker.unsubscribe_depth(aapl)
            await broker.subscribe_depth(spy, levels=5)
            await gw.until(lambda g: g.depth_subscriptions() == 2, what="two depth streams")


async def test_history_returns_the_bars_asked_for_and_repeats_are_not_resent() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, _):
            aapl = await broker.qualify("AAPL")
            bars = await broker.history_bars(aapl, Timeframe.M5, 120)
            assert len(bars) == 120
            assert all(a.start < b.start for a, b in itertools.pairwise(bars))
            assert all(
                b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars
            )
            assert all(b.start.tzinfo is not None for b in bars)
            again = await broker.history_bars(aapl, Timeframe.M5, 120)
            assert again == bars
            assert gw.received_ids().count(REQ_HISTORICAL) == 1  # no pacing violation
            daily = await broker.history_bars(aapl, Timeframe.D1, 30)
            assert len(daily) == 30
            assert gw.received_ids().count(REQ_HISTORICAL) == 2


async def test_a_pacing_violation_from_ib_becomes_a_clear_error() -> None:
    with gateway() as gw:
        async with connected(gw) as (first, _), connected(gw) as (second, _):
            msft_a, msft_b = await first.qualify("MSFT"), await second.qualify("MSFT")
            await first.history_bars(msft_a, Timeframe.M1, 30)
            with pytest.raises(BrokerError, match="pacing") as error:
                await second.history_bars(msft_b, Timeframe.M1, 30)
            assert error.value.code == 162


async def test_live_bars_update_as_the_price_moves() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            await broker.subscribe_bars(aapl, Timeframe.M1)
            gw.set_quote("AAPL", last=250.5, last_size=100)
            await seen.until(lambda: any(b.close == 250.5 for _, _, b in seen.bars), "a bar")
            key, timeframe, bar = next(x for x in seen.bars if x[2].close == 250.5)
            assert (key, timeframe) == ("AAPL", Timeframe.M1)
            assert bar.high >= 250.5
            await broker.unsubscribe_bars(aapl, Timeframe.M1)
            await gw.until(lambda g: g.history_subscriptions() == 0, what="bars cancelled")


async def test_an_option_chain_streams_prices_iv_and_greeks() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            spy = await broker.qualify("SPY")
            params = await broker.option_chain_params(spy)
            assert params.expiries == tuple(sorted(params.expiries)) and params.strikes
            expiry = params.expiries[0]
            mid = len(params.strikes) // 2
            strikes = list(params.strikes[mid - 1 : mid + 2])
            options = await broker.subscribe_option_chain(spy, expiry, strikes)
            assert len(options) == 6 and {o.underlying for o in options} == {"SPY"}
            await gw.until(lambda g: g.market_data_lines() == 6, what="six option lines")
            # The chain's parameters were asked for once, not again by the subscription.
            assert gw.received_ids().count(REQ_SEC_DEF_OPT_PARAMS) == 1
            await seen.until(
                lambda: (
                    {q.key for q in seen.option_quotes if not math.isnan(q.greeks.delta)}
                    == {o.key for o in options}
                ),
                "greeks for every option",
            )
            latest = {q.key: q for q in seen.option_quotes}
            for option in options:
                quote = latest[option.key]
                assert 0 < quote.iv < 5
                assert (quote.greeks.delta > 0) == (option.right.value == "C")
            await broker.unsubscribe_option_chain(spy, expiry)
            await gw.until(lambda g: g.market_data_lines() == 0, what="chain lines freed")


async def test_a_chain_that_would_overrun_the_lines_is_refused_whole() -> None:
    with gateway() as gw:
        async with connected(gw, market_data_lines=5) as (broker, _):
            spy = await broker.qualify("SPY")
            params = await broker.option_chain_params(spy)
            with pytest.raises(BrokerError, match="needs 6 market-data lines"):
                await broker.subscribe_option_chain(spy, params.expiries[0], params.strikes[:3])
            assert gw.market_data_lines() == 0


async def test_a_chains_contracts_are_looked_up_together_not_one_after_another() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, _):
            spy = await broker.qualify("SPY")
            params = await broker.option_chain_params(spy)
            before = gw.received_ids().count(REQ_CONTRACT_DETAILS)
            gw.hold_replies()  # no answer comes back while the requests go out
            chain = asyncio.create_task(
                broker.subscribe_option_chain(spy, params.expiries[0], params.strikes[:3])
            )
            await gw.until(
                lambda g: g.received_ids().count(REQ_CONTRACT_DETAILS) == before + 6,
                what="all six lookups before the first answer",
            )
            gw.release_replies()
            assert len(await chain) == 6
