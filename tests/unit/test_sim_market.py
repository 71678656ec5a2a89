"""The simulated market and its data: determinism, quotes, books, prints, bars, config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from terminal.broker.sim import SimConfig, SimConfigError, load_universe, synthetic_universe
from terminal.broker.sim.market import Market
from terminal.domain import DepthBook, Quote, Timeframe, Trade, UnknownInstrument
from tests.helpers.sim_support import make_broker, run

pytestmark = pytest.mark.asyncio


def _path(seed: int, steps: int = 200) -> np.ndarray:
    market = Market(SimConfig(), np.random.default_rng(seed))
    for _ in range(steps):
        market.step(0.5)
    return market.mid.copy()


async def test_default_universe_has_about_thirty_plausible_names() -> None:
    universe = load_universe()
    assert 25 <= len(universe) <= 40
    symbols = {s.symbol for s in universe}
    assert {"AAPL", "MSFT", "SPY", "QQQ"} <= symbols
    assert all(s.price > 1 and 0.05 < s.vol < 1 for s in universe)
    assert any(s.etf for s in universe) and any(s.optionable for s in universe)


async def test_universe_file_errors_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "u.toml"
    bad.write_text('[[instrument]]\nsymbol = "X"\nprice = 10\nvol = 0.2\nadv = 1000\ncolour = 1\n')
    with pytest.raises(SimConfigError, match="unknown keys"):
        load_universe(bad)
    bad.write_text('[[instrument]]\nsymbol = "X"\nprice = -1\nvol = 0.2\nadv = 1000\n')
    with pytest.raises(SimConfigError, match="price must be positive"):
        load_universe(bad)


async def test_same_seed_same_market_and_different_seed_different_market() -> None:
    assert np.array_equal(_path(3), _path(3))
    assert not np.array_equal(_path(3), _path(4))


async def test_volatility_over_a_day_is_in_line_with_the_configured_vol() -> None:
    config = SimConfig(universe=synthetic_universe(400, seed=1), jumps_per_day=0.0)
    market = Market(config, np.random.default_rng(0))
    start = market.mid.copy()
    for _ in range(390):
        market.step(60.0)  # one trading day in minutes
    realised = np.log(market.mid / start) / (market.base_vol / np.sqrt(252))
    # Normalised one-day moves: a unit standard deviation, give or take clustering.
    assert 0.7 < float(np.std(realised)) < 1.5


async def test_quotes_only_carry_subscribed_keys_in_one_batch_per_step() -> None:
    broker, clock = make_broker()
    await broker.connect()
    for symbol in ("AAPL", "MSFT"):
        await broker.subscribe_quotes(await broker.qualify(symbol))
    batches: list[list[Quote]] = []
    broker.quotes_received += batches.append
    run(broker, clock, 2.0)
    assert 1 <= len(batches) <= 20
    keys = {q.key for batch in batches for q in batch}
    assert keys == {"AAPL", "MSFT"}
    assert all(q.bid < q.ask and q.bid_size > 0 and q.time is not None for b in batches for q in b)


async def test_unsubscribe_stops_quotes_after_the_last_subscriber_leaves() -> None:
    broker, clock = make_broker()
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    await broker.subscribe_quotes(aapl)
    await broker.subscribe_quotes(aapl)
    await broker.unsubscribe_quotes(aapl)
    keys: list[str] = []
    broker.quotes_received += lambda quotes: keys.extend(q.key for q in quotes)
    run(broker, clock, 0.5)
    assert keys
    await broker.unsubscribe_quotes(aapl)
    keys.clear()
    run(broker, clock, 0.5)
    assert keys == []


async def test_trades_print_at_the_touch_and_add_volume() -> None:
    broker, clock = make_broker()
    await broker.connect()
    await broker.subscribe_quotes(await broker.qualify("NVDA"))
    trades: list[Trade] = []
    quotes: list[Quote] = []
    broker.trades_received += trades.extend
    broker.quotes_received += quotes.extend
    run(broker, clock, 3.0)
    assert trades
    assert all(t.key == "NVDA" and t.size > 0 for t in trades)
    assert quotes[-1].volume == sum(t.size for t in trades)


async def test_prints_are_published_only_for_the_instruments_asked_for() -> None:
    broker, clock = make_broker()
    await broker.connect()
    for symbol in ("NVDA", "MSFT"):
        await broker.subscribe_quotes(await broker.qualify(symbol))
    trades: list[Trade] = []
    quoted: set[str] = set()
    broker.trades_received += trades.extend
    broker.quotes_received += lambda quotes: quoted.update(q.key for q in quotes)
    broker.want_prints({"MSFT"})
    run(broker, clock, 3.0)
    assert quoted == {"NVDA", "MSFT"}  # quotes are not filtered
    assert trades and {t.key for t in trades} == {"MSFT"}
    broker.want_prints(())
    trades.clear()
    run(broker, clock, 3.0)
    assert trades == []
    broker.want_prints(None)  # back to every quoted instrument
    run(broker, clock, 3.0)
    assert {t.key for t in trades} == {"NVDA", "MSFT"}


async def test_depth_books_have_ten_ordered_levels_for_subscribed_keys_only() -> None:
    broker, clock = make_broker()
    await broker.connect()
    books: list[DepthBook] = []
    broker.depth_received += books.append
    await broker.subscribe_depth(await broker.qualify("MSFT"))
    run(broker, clock, 1.0)
    assert {b.key for b in books} == {"MSFT"}
    book = books[-1]
    assert len(book.bids) == len(book.asks) == 10
    bids = [lv.price for lv in book.bids]
    asks = [lv.price for lv in book.asks]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(lv.size >= 100 for lv in book.bids + book.asks)


async def test_storm_widens_spreads() -> None:
    def mean_spread(storm: float) -> float:
        market = Market(SimConfig(storm=storm), np.random.default_rng(1))
        for _ in range(50):
            market.step(1.0)
        return float(np.mean(market.ask_ticks - market.bid_ticks))

    assert mean_spread(4.0) > mean_spread(1.0) * 2


async def test_qualify_knows_stocks_and_listed_options_only() -> None:
    broker, _ = make_broker()
    await broker.connect()
    aapl = await broker.qualify(" aapl ")
    assert aapl.key == "AAPL" and aapl.description
    params = await broker.option_chain_params(aapl)
    strike = params.strikes[len(params.strikes) // 2]
    key = f"AAPL {params.expiries[0]:%Y%m%d} C {strike:g}"
    option = await broker.qualify(key)
    assert option.is_option and option.key == key
    with pytest.raises(UnknownInstrument):
        await broker.qualify("NOPE")
    with pytest.raises(UnknownInstrument):
        await broker.qualify(f"AAPL {params.expiries[0]:%Y%m%d} C 1234567")


async def test_minute_history_joins_the_live_market_without_a_gap() -> None:
    broker, _clock = make_broker()
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    bars = await broker.history_bars(aapl, Timeframe.M1, 2000)
    assert len(bars) == 2000
    closes = np.array([b.close for b in bars[:-1]])
    opens = np.array([b.open for b in bars[1:]])
    assert np.allclose(closes[:-1], opens[:-1])  # each bar opens where the last closed
    assert abs(bars[-2].close - 228.50) < 0.01  # history ends at the universe price
    assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in bars)
    starts = [b.start for b in bars]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


async def test_live_prints_extend_history_and_feed_the_forming_bar() -> None:
    broker, clock = make_broker()
    await broker.connect()
    nvda = await broker.qualify("NVDA")
    await broker.subscribe_bars(nvda, Timeframe.M1)
    emitted: list[tuple[str, Timeframe, object]] = []
    broker.bar_received += lambda key, tf, bar: emitted.append((key, tf, bar))
    before = await broker.history_bars(nvda, Timeframe.M1, 10_000)
    run(broker, clock, 125.0, dt=0.5)
    after = await broker.history_bars(nvda, Timeframe.M1, 10_000)
    assert len(after) == len(before) + 2
    assert emitted and emitted[-1][0] == "NVDA"
    assert emitted[-1][2] == after[-1]


async def test_daily_bars_reach_back_further_than_the_minute_history() -> None:
    broker, _ = make_broker()
    await broker.connect()
    spy = await broker.qualify("SPY")
    daily = await broker.history_bars(spy, Timeframe.D1, 300)
    assert len(daily) == 300
    assert (daily[-1].start - daily[0].start).days > 300
    hourly = await broker.history_bars(spy, Timeframe.H1, 24)
    assert all((b.start.minute, b.start.second) == (0, 0) for b in hourly)
