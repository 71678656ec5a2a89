"""Bar aggregation from trade prints: alignment, boundaries, DST, late prints, merging history."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import Bar, Timeframe, Trade
from terminal.marketdata.bars import (
    TIMEFRAMES,
    BarAggregator,
    day_start,
    merge_history,
    merge_recorded,
    resample,
)

UTC = dt.UTC
NY = ZoneInfo("America/New_York")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def trade(when: dt.datetime, price: float, size: float = 1.0, key: str = "AAPL") -> Trade:
    return Trade(key, price, size, when)


def changes(agg: BarAggregator, *trades: Trade) -> dict[Timeframe, list[tuple[Bar, bool]]]:
    result: dict[Timeframe, list[tuple[Bar, bool]]] = {}
    for update in agg.update(trades):
        result.setdefault(update.timeframe, []).append((update.bar, update.is_new))
    return result


def test_first_trade_opens_a_bar_in_every_timeframe_aligned_to_its_start() -> None:
    agg = BarAggregator()
    got = changes(agg, trade(at(2026, 1, 5, 14, 37, 42), 100.0, 5))
    assert set(got) == set(TIMEFRAMES)
    assert got[Timeframe.M1] == [(Bar(at(2026, 1, 5, 14, 37), 100, 100, 100, 100, 5), True)]
    assert got[Timeframe.M5][0][0].start == at(2026, 1, 5, 14, 35)
    assert got[Timeframe.M15][0][0].start == at(2026, 1, 5, 14, 30)
    assert got[Timeframe.H1][0][0].start == at(2026, 1, 5, 14, 0)
    # Winter: New York midnight is 05:00 UTC.
    assert got[Timeframe.D1][0][0].start == at(2026, 1, 5, 5, 0)


def test_trades_within_a_minute_update_the_forming_bar() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 1, 5, 14, 30, 1), 100.0, 1)])
    got = changes(agg, trade(at(2026, 1, 5, 14, 30, 20), 101.5, 2))
    bar, is_new = got[Timeframe.M1][0]
    assert not is_new
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (100, 101.5, 100, 101.5, 3)


def test_minute_boundary_starts_a_new_minute_bar_but_not_a_new_hour_bar() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 1, 5, 14, 30, 59), 100.0)])
    got = changes(agg, trade(at(2026, 1, 5, 14, 31, 0), 99.0))
    assert got[Timeframe.M1] == [(Bar(at(2026, 1, 5, 14, 31), 99, 99, 99, 99, 1), True)]
    assert got[Timeframe.H1][0][1] is False
    assert agg.bars("AAPL", Timeframe.M1)[0] == Bar(at(2026, 1, 5, 14, 30), 100, 100, 100, 100, 1)


def test_hour_boundary_starts_new_bars_in_every_intraday_timeframe() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 1, 5, 14, 59, 59, 999999), 100.0)])
    got = changes(agg, trade(at(2026, 1, 5, 15, 0), 101.0))
    for tf in (Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1):
        assert got[tf] == [(Bar(at(2026, 1, 5, 15), 101, 101, 101, 101, 1), True)], tf
    assert got[Timeframe.D1][0][1] is False


def test_a_batch_crossing_a_boundary_reports_the_closed_bar_then_the_new_one() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 1, 5, 14, 30, 1), 100.0)])
    got = changes(
        agg,
        trade(at(2026, 1, 5, 14, 30, 50), 102.0),
        trade(at(2026, 1, 5, 14, 31, 5), 98.0),
        trade(at(2026, 1, 5, 14, 31, 6), 97.0),
    )
    assert got[Timeframe.M1] == [
        (Bar(at(2026, 1, 5, 14, 30), 100, 102, 100, 102, 2), False),
        (Bar(at(2026, 1, 5, 14, 31), 98, 98, 97, 97, 2), True),
    ]


def test_daily_bar_starts_at_new_york_midnight_across_the_spring_dst_change() -> None:
    agg = BarAggregator()
    # 2026-03-08 is the DST change: the day starts at 05:00 UTC (EST), the next at 04:00 (EDT).
    agg.update([trade(at(2026, 3, 8, 5, 0), 10.0)])
    late = changes(agg, trade(at(2026, 3, 9, 3, 59, 59), 11.0))  # 23:59:59 EDT on the 8th
    assert late[Timeframe.D1][0][1] is False
    got = changes(agg, trade(at(2026, 3, 9, 4, 0), 12.0))  # midnight EDT on the 9th
    assert got[Timeframe.D1] == [(Bar(at(2026, 3, 9, 4, 0), 12, 12, 12, 12, 1), True)]
    assert agg.bars("AAPL", Timeframe.D1)[0] == Bar(at(2026, 3, 8, 5, 0), 10, 11, 10, 11, 2)


def test_daily_bar_starts_at_new_york_midnight_after_the_autumn_dst_change() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 11, 1, 4, 0), 10.0)])  # midnight EDT on Nov 1
    still = changes(agg, trade(at(2026, 11, 2, 4, 30), 11.0))  # 23:30 EST on Nov 1
    assert still[Timeframe.D1][0][1] is False
    got = changes(agg, trade(at(2026, 11, 2, 5, 0), 12.0))
    assert got[Timeframe.D1][0][0].start == at(2026, 11, 2, 5, 0)


def test_daily_bars_follow_the_configured_timezone() -> None:
    agg = BarAggregator("Europe/London")
    got = changes(agg, trade(at(2026, 7, 1, 12), 10.0))
    assert got[Timeframe.D1][0][0].start == at(2026, 6, 30, 23, 0)  # BST midnight


def test_trade_older_than_the_forming_bar_is_ignored() -> None:
    agg = BarAggregator()
    agg.update([trade(at(2026, 1, 5, 14, 31, 0), 100.0)])
    got = changes(agg, trade(at(2026, 1, 5, 14, 30, 59), 50.0, 7))
    assert Timeframe.M1 not in got
    assert agg.forming("AAPL", Timeframe.M1) == Bar(at(2026, 1, 5, 14, 31), 100, 100, 100, 100, 1)
    # Same 5-minute bar though: it counts there, but a late print does not move the close.
    bar, _ = got[Timeframe.M5][0]
    assert (bar.low, bar.close, bar.volume) == (50, 100, 8)


def test_invalid_prints_are_ignored() -> None:
    agg = BarAggregator()
    when = at(2026, 1, 5, 14, 30)
    assert agg.update([trade(when, float("nan")), trade(when, 0.0), trade(when, 1.0, -1)]) == []
    assert agg.forming("AAPL", Timeframe.M1) is None


def test_keys_are_aggregated_separately_and_forget_drops_one() -> None:
    agg = BarAggregator()
    when = at(2026, 1, 5, 14, 30)
    agg.update([trade(when, 1.0, key="A"), trade(when, 2.0, key="B")])
    assert agg.forming("A", Timeframe.M1) == Bar(when, 1, 1, 1, 1, 1)
    assert agg.forming("B", Timeframe.M1) == Bar(when, 2, 2, 2, 2, 1)
    agg.forget("A")
    assert agg.bars("A", Timeframe.M1) == []
    assert agg.forming("B", Timeframe.M1) is not None


def test_day_start_helper_matches_new_york_midnight() -> None:
    assert day_start(at(2026, 7, 1, 3, 59)) == at(2026, 6, 30, 4, 0)
    assert day_start(at(2026, 1, 1, 5, 0)) == at(2026, 1, 1, 5, 0)


# -- properties -----------------------------------------------------------------------------------

START = at(2026, 3, 6)  # spans the spring DST change within a few days
trades_strategy = st.lists(
    st.tuples(
        st.integers(0, 4 * 86400 * 1000),  # milliseconds after START
        st.integers(1, 100_000),  # price in cents
        st.integers(0, 500),  # size
    ),
    min_size=1,
    max_size=200,
)


def _first(pair: tuple[object, Trade]) -> object:
    return pair[0]


def _group_key(when: dt.datetime, tf: Timeframe) -> object:
    if tf is Timeframe.D1:
        return when.astimezone(NY).date()
    ts = when.timestamp()
    return ts - ts % tf.seconds


@given(trades_strategy)
def test_bars_match_a_reference_grouping_of_time_ordered_trades(
    raw: list[tuple[int, int, int]],
) -> None:
    trades = sorted(
        (
            trade(START + dt.timedelta(milliseconds=ms), cents / 100, size)
            for ms, cents, size in raw
        ),
        key=lambda t: t.time,
    )
    agg = BarAggregator(keep=10_000)
    # Feed in batches of varying size, as a broker would.
    for i in range(0, len(trades), 7):
        agg.update(trades[i : i + 7])
    total = sum(t.size for t in trades)
    for tf in TIMEFRAMES:
        bars = agg.bars("AAPL", tf)
        keys = [_group_key(t.time, tf) for t in trades]
        expected = [
            [t for _, t in group] for _, group in groupby(zip(keys, trades, strict=True), _first)
        ]
        assert len(bars) == len(expected)
        for bar, group in zip(bars, expected, strict=True):
            assert bar.high >= max(bar.open, bar.close) >= min(bar.open, bar.close) >= bar.low
            assert (bar.open, bar.close) == (group[0].price, group[-1].price)
            assert bar.high == max(t.price for t in group)
            assert bar.low == min(t.price for t in group)
            assert bar.volume == sum(t.size for t in group)
            assert bar.start <= group[0].time
            assert bar.start.tzinfo is UTC
        assert sum(bar.volume for bar in bars) == total
        starts = [bar.start for bar in bars]
        assert starts == sorted(set(starts))


@given(trades_strategy)
def test_bars_keep_ohlc_invariants_for_trades_in_any_order(raw: list[tuple[int, int, int]]) -> None:
    agg = BarAggregator()
    for ms, cents, size in raw:
        for update in agg.update([trade(START + dt.timedelta(milliseconds=ms), cents / 100, size)]):
            bar = update.bar
            assert bar.high >= max(bar.open, bar.close) >= min(bar.open, bar.close) >= bar.low


# -- merging history with live bars ---------------------------------------------------------------


def minute_bar(minute: int, o: float, h: float, lo: float, c: float, v: float = 10) -> Bar:
    return Bar(at(2026, 1, 5, 14, minute), o, h, lo, c, v)


def test_merge_joins_history_and_live_into_one_continuous_series() -> None:
    history = [minute_bar(m, 10, 11, 9, 10) for m in range(0, 5)]
    live = [minute_bar(4, 10.5, 12, 10.2, 11.5, 3), minute_bar(5, 11.5, 11.6, 11, 11.2)]
    merged = merge_history(history, live)
    assert [b.start.minute for b in merged] == [0, 1, 2, 3, 4, 5]
    # The overlapping bar keeps history's open, the wider range, live's close.
    assert merged[4] == minute_bar(4, 10, 12, 9, 11.5, 10)
    assert merged[5] == live[1]


def test_merge_prefers_live_bars_over_history_after_live_began() -> None:
    history = [minute_bar(m, 10, 11, 9, 10) for m in range(0, 4)]
    live = [minute_bar(2, 20, 21, 19, 20), minute_bar(3, 30, 31, 29, 30)]
    merged = merge_history(history, live)
    assert [b.open for b in merged] == [10, 10, 10, 30]
    assert merged[2].close == 20


def test_merge_without_live_bars_returns_history() -> None:
    history = [minute_bar(0, 1, 1, 1, 1)]
    assert merge_history(history, []) == history
    assert merge_history([], history) == history


def test_recorded_minutes_resample_to_new_york_days_and_join_history_where_it_has_none() -> None:
    utc = dt.UTC
    late = Bar(dt.datetime(2026, 1, 6, 4, 59, tzinfo=utc), 10, 11, 9, 10.5, 1)  # 23:59 NY
    early = Bar(dt.datetime(2026, 1, 6, 5, 0, tzinfo=utc), 10.5, 12, 10, 11, 2)  # 00:00 NY
    later = Bar(dt.datetime(2026, 1, 6, 15, 0, tzinfo=utc), 11, 11.5, 8, 9, 3)
    days = resample([late, early, later], Timeframe.D1)
    assert days == [
        Bar(dt.datetime(2026, 1, 5, 5, 0, tzinfo=utc), 10, 11, 9, 10.5, 1),
        Bar(dt.datetime(2026, 1, 6, 5, 0, tzinfo=utc), 10.5, 12, 8, 9, 5),
    ]
    history = [Bar(dt.datetime(2026, 1, 6, 5, 0, tzinfo=utc), 1, 1, 1, 1, 1)]
    assert merge_recorded(days, history) == [days[0], history[0]]
