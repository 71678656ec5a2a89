"""Chart math without Qt: SMA, EMA and VWAP against hand computations, their incremental forms
for the forming bar, and the chart's bar series (forming bar, completion, merging live bars)."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import Bar, Timeframe
from widgets.chart.indicators import (
    EMA,
    SMA,
    VWAP,
    ema,
    ema_next,
    session_ids,
    session_start,
    sma,
    sma_last,
    vwap,
)
from widgets.chart.series import BarArrays, ChartSeries

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 6, 14, 30, tzinfo=UTC)  # 09:30 in New York


def bar(minute: int, o: float, h: float, low: float, c: float, v: float = 100.0) -> Bar:
    return Bar(T0 + dt.timedelta(minutes=minute), o, h, low, c, v)


def closes(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def test_the_chart_math_imports_without_qt() -> None:
    code = (
        "import sys, widgets.chart.indicators, widgets.chart.series; "
        "sys.exit(any(m.split('.')[0] in ('PySide6', 'pyqtgraph') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_sma_averages_the_last_period_values_and_is_undefined_before() -> None:
    result = sma(closes(1, 2, 3, 4, 5), 3)
    assert np.isnan(result[:2]).all()
    assert result[2:].tolist() == pytest.approx([2.0, 3.0, 4.0])
    assert sma_last(closes(1, 2, 3, 4, 5), 3) == pytest.approx(4.0)
    assert math.isnan(sma_last(closes(1, 2), 3))


def test_sma_of_period_one_is_the_series_itself() -> None:
    assert sma(closes(3, 1, 4), 1).tolist() == [3.0, 1.0, 4.0]


def test_ema_is_seeded_with_the_simple_average_then_smoothed_by_two_over_n_plus_one() -> None:
    # period 3: alpha = 0.5, seed = mean(1, 2, 3) = 2
    result = ema(closes(1, 2, 3, 4, 6), 3)
    assert np.isnan(result[:2]).all()
    assert result[2] == pytest.approx(2.0)
    assert result[3] == pytest.approx(2.0 + 0.5 * (4 - 2.0))  # 3.0
    assert result[4] == pytest.approx(3.0 + 0.5 * (6 - 3.0))  # 4.5
    assert ema_next(4.5, 8.0, 3) == pytest.approx(6.25)


def test_moving_averages_reject_a_period_below_one() -> None:
    with pytest.raises(ValueError, match="period"):
        sma(closes(1, 2), 0)
    with pytest.raises(ValueError, match="period"):
        ema(closes(1, 2), 0)


def test_vwap_weights_the_typical_price_by_volume_and_restarts_each_session() -> None:
    high = closes(11, 12, 21, 30)
    low = closes(9, 10, 19, 18)
    close = closes(10, 11, 20, 24)
    volume = closes(100, 300, 50, 0)
    sessions = np.array([1, 1, 2, 2])
    result = vwap(high, low, close, volume, sessions)
    tp = [10.0, 11.0, 20.0, 24.0]
    assert result[0] == pytest.approx(10.0)
    assert result[1] == pytest.approx((tp[0] * 100 + tp[1] * 300) / 400)  # 10.75
    assert result[2] == pytest.approx(20.0)  # new session: starts over
    assert result[3] == pytest.approx(20.0)  # no volume: unchanged


def test_vwap_restarts_its_line_at_each_session_and_averages_do_not() -> None:
    day = dt.timedelta(days=1)
    bars = [bar(0, 1, 1, 1, 1), bar(1, 1, 1, 1, 1)]
    bars.append(Bar(bars[1].start + day, 1, 1, 1, 1, 1))
    arrays = BarArrays.from_bars(bars)
    breaks = VWAP("America/New_York").breaks(arrays)
    assert breaks is not None and breaks.tolist() == [False, False, True]
    assert SMA(2).breaks(arrays) is None and EMA(2).breaks(arrays) is None


def test_vwap_is_undefined_until_the_session_trades() -> None:
    result = vwap(closes(10), closes(10), closes(10), closes(0), np.array([7]))
    assert math.isnan(result[0])


def test_sessions_start_at_midnight_in_new_york_across_a_dst_change() -> None:
    winter = dt.datetime(2026, 3, 6, 4, 59, tzinfo=UTC).timestamp()  # 23:59 EST, Mar 5
    winter_next = dt.datetime(2026, 3, 6, 5, 0, tzinfo=UTC).timestamp()  # 00:00 EST, Mar 6
    summer = dt.datetime(2026, 3, 10, 3, 59, tzinfo=UTC).timestamp()  # 23:59 EDT, Mar 9
    summer_next = dt.datetime(2026, 3, 10, 4, 0, tzinfo=UTC).timestamp()  # 00:00 EDT, Mar 10
    ids = session_ids(closes(winter, winter_next, summer, summer_next), "America/New_York")
    assert ids[1] == ids[0] + 1
    assert ids[3] == ids[2] + 1
    assert session_start(winter_next + 3600, "America/New_York") == winter_next


def test_indicator_tails_equal_recomputing_with_the_forming_bar_appended() -> None:
    rng = np.random.default_rng(5)
    bars = []
    price = 100.0
    for minute in range(80):
        o = price
        c = price + float(rng.normal())
        bars.append(
            bar(minute, o, max(o, c) + 0.2, min(o, c) - 0.2, c, float(rng.integers(1, 500)))
        )
        price = c
    history, forming = BarArrays.from_bars(bars[:-1]), bars[-1]
    everything = BarArrays.from_bars(bars)
    for indicator in (SMA(20), EMA(50), VWAP("America/New_York")):
        values = indicator.compute(history)
        assert indicator.extend(history, values, forming) == pytest.approx(
            indicator.compute(everything)[-1]
        ), indicator


def test_ema_tail_seeds_when_the_forming_bar_completes_the_first_period() -> None:
    bars = [bar(i, 1, 1, 1, float(i + 1)) for i in range(3)]
    history = BarArrays.from_bars(bars[:2])
    indicator = EMA(3)
    assert indicator.extend(history, indicator.compute(history), bars[2]) == pytest.approx(2.0)
    assert math.isnan(EMA(5).extend(history, EMA(5).compute(history), bars[2]))


@given(st.lists(st.floats(1, 1000), min_size=1, max_size=60), st.integers(1, 30))
def test_sma_matches_a_plain_python_mean(values: list[float], period: int) -> None:
    result = sma(np.array(values), period)
    for i in range(len(values)):
        if i + 1 < period:
            assert math.isnan(result[i])
        else:
            assert result[i] == pytest.approx(sum(values[i + 1 - period : i + 1]) / period)


def test_bar_arrays_grow_past_their_capacity_and_keep_every_bar() -> None:
    arrays = BarArrays(capacity=2)
    for minute in range(40):
        arrays.append(bar(minute, 1, 2, 0.5, 1.5, minute))
    assert len(arrays) == 40
    assert arrays.volume.tolist() == [float(m) for m in range(40)]
    assert arrays.bar(39) == bar(39, 1, 2, 0.5, 1.5, 39)


def test_series_keeps_the_last_loaded_bar_forming_and_folds_live_updates_into_it() -> None:
    series = ChartSeries(Timeframe.M1)
    series.load([bar(0, 10, 11, 9, 10.5, 500), bar(1, 10.5, 11, 10, 10.8, 200)])
    assert len(series.history) == 1 and series.forming == bar(1, 10.5, 11, 10, 10.8, 200)
    # a live bar built since the subscription: later open, partial volume
    assert not series.apply(bar(1, 10.7, 11.4, 10.6, 11.2, 50))
    assert series.forming == bar(1, 10.5, 11.4, 10, 11.2, 200)
    assert not series.apply(bar(0, 1, 1, 1, 1))  # older than the forming bar: ignored
    assert len(series) == 2


def test_series_completes_the_forming_bar_when_a_later_bar_starts() -> None:
    series = ChartSeries(Timeframe.M1)
    series.load([bar(0, 10, 11, 9, 10.5), bar(1, 10.5, 11, 10, 10.8)])
    assert series.apply(bar(3, 11, 11, 11, 11, 5))  # a gap: still the next index
    assert len(series.history) == 2 and series.history.close.tolist() == [10.5, 10.8]
    assert series.forming == bar(3, 11, 11, 11, 11, 5)
    assert series.bar_at(2) == series.forming and series.bar_at(3) is None
    assert series.price_range(0, 2) == (9.0, 11.0)
    assert series.volume_max(2, 2) == 5.0


def test_a_live_daily_bar_starting_at_exchange_midnight_joins_the_utc_dated_history_bar() -> None:
    series = ChartSeries(Timeframe.D1)
    day = dt.datetime(2026, 1, 6, tzinfo=UTC)
    series.load([Bar(day, 100, 101, 99, 100.5, 1000)])
    live = Bar(day + dt.timedelta(hours=5), 100.4, 102, 100.2, 101.5, 300)  # 00:00 New York
    assert not series.apply(live)
    assert series.forming == Bar(day, 100, 102, 99, 101.5, 1000)


def test_series_times_extrapolate_beyond_the_data() -> None:
    series = ChartSeries(Timeframe.M5)
    series.load([bar(0, 1, 1, 1, 1), bar(5, 1, 1, 1, 1)])
    times = series.times_at(np.array([-1, 0, 1, 3], dtype=np.int64))
    t0 = T0.timestamp()
    assert times.tolist() == [t0 - 300, t0, t0 + 300, t0 + 900]
