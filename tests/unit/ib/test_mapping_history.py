"""History requests cover the bars asked for on the real NYSE calendar, within IB's limits."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.broker.ib.mapping import history_request
from terminal.domain import Timeframe

BARS_PER_SESSION = {
    Timeframe.M1: 390,
    Timeframe.M5: 78,
    Timeframe.M15: 26,
    Timeframe.H1: 7,  # 09:30-10:00, then 10:00 ... 15:00
    Timeframe.D1: 1,
}
BAR_SIZES = {
    Timeframe.M1: "1 min",
    Timeframe.M5: "5 mins",
    Timeframe.M15: "15 mins",
    Timeframe.H1: "1 hour",
    Timeframe.D1: "1 day",
}
#: IB's limits per duration unit: the longest duration, and the bar sizes it allows (TWS API
#: "Step Sizes" and "Max Duration Per Bar Size"; "N D" with daily bars as in IB's own samples).
MAX_DURATION = {"S": 86400, "D": 365, "W": 52, "M": 12, "Y": 68}
ALLOWED_BARS = {
    "S": {"1 min"},
    "D": {"1 min", "5 mins", "15 mins", "1 hour", "1 day"},
    "W": {"1 min", "5 mins", "15 mins", "1 hour", "1 day"},
    "M": {"1 min", "5 mins", "15 mins", "1 hour", "1 day"},
    "Y": {"1 min", "5 mins", "15 mins", "1 hour", "1 day"},
}
DURATION = re.compile(r"([1-9][0-9]*) ([SDWMY])")


# -- an independent NYSE calendar: holidays by rule, half days and one-off closures as closed ----


def _easter(year: int) -> dt.date:
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _observed(day: dt.date) -> dt.date:
    return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))


def _closed_days(year: int) -> set[dt.date]:
    closed = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _easter(year) - dt.timedelta(days=2),  # Good Friday
        dt.date(year, 5, 31) - dt.timedelta(days=dt.date(year, 5, 31).weekday()),  # Memorial Day
        _observed(dt.date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),
        _nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1),  # half day, counted as closed
        dt.date(year, 12, 24),  # half day when a weekday
        dt.date(year, 7, 3),  # half day when a weekday
    }
    if dt.date(year, 1, 1).weekday() != 5:  # no Friday holiday for a Saturday New Year
        closed.add(_observed(dt.date(year, 1, 1)))
    if year >= 2022:
        closed.add(_observed(dt.date(year, 6, 19)))  # Juneteenth
    return closed


ONE_OFF_CLOSURES = {
    dt.date(2004, 6, 11),  # President Reagan
    dt.date(2007, 1, 2),  # President Ford
    dt.date(2012, 10, 29),  # Hurricane Sandy
    dt.date(2012, 10, 30),
    dt.date(2018, 12, 5),  # President G. H. W. Bush
    dt.date(2025, 1, 9),  # President Carter
}
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2026, 12, 31)
FIRST_END = dt.date(2016, 1, 1)  # every window (up to 21 years here) starts inside the calendar


def _session_prefix() -> np.ndarray:
    closed = set(ONE_OFF_CLOSURES)
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        closed |= _closed_days(year)
    days = [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
    sessions = np.array([d.weekday() < 5 and d not in closed for d in days], dtype=np.int64)
    return np.concatenate([[0], np.cumsum(sessions)])


PREFIX = _session_prefix()
ENDS = np.arange((FIRST_END - FIRST_DAY).days, (LAST_DAY - FIRST_DAY).days + 1)


def test_the_calendar_is_plausible() -> None:
    year_2025 = (
        PREFIX[(dt.date(2026, 1, 1) - FIRST_DAY).days]
        - PREFIX[(dt.date(2025, 1, 1) - FIRST_DAY).days]
    )
    assert year_2025 == 250 - 3  # NYSE: 250 sessions in 2025, 3 of them half days
    assert _easter(2025) == dt.date(2025, 4, 20)
    assert _easter(2024) == dt.date(2024, 3, 31)


def fewest_full_sessions(duration: str) -> int:
    """Sessions surely inside ``duration`` ending on any day from 2016 on, today not counted."""
    number, unit = DURATION.fullmatch(duration).groups()  # type: ignore[union-attr]
    days = int(number) * {"D": 1, "W": 7, "Y": 365}[unit]
    before_today = PREFIX[ENDS] - PREFIX[ENDS - days + 1]
    return int(before_today.min())


# -- the properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("timeframe", list(Timeframe))
@given(count=st.integers(min_value=1, max_value=5000))
def test_the_request_covers_the_bars_on_any_day(timeframe: Timeframe, count: int) -> None:
    duration, bar_size = history_request(timeframe, count)
    assert bar_size == BAR_SIZES[timeframe]
    assert fewest_full_sessions(duration) * BARS_PER_SESSION[timeframe] >= count


@pytest.mark.parametrize("timeframe", list(Timeframe))
@given(count=st.integers(min_value=1, max_value=5000))
def test_the_request_is_one_ib_allows(timeframe: Timeframe, count: int) -> None:
    duration, bar_size = history_request(timeframe, count)
    match = DURATION.fullmatch(duration)
    assert match is not None, duration
    number, unit = int(match[1]), match[2]
    assert number <= MAX_DURATION[unit]
    assert bar_size in ALLOWED_BARS[unit]


@pytest.mark.parametrize("timeframe", list(Timeframe))
@given(count=st.integers(min_value=1, max_value=5000))
def test_the_request_is_not_wasteful(timeframe: Timeframe, count: int) -> None:
    duration, _ = history_request(timeframe, count)
    number, unit = DURATION.fullmatch(duration).groups()  # type: ignore[union-attr]
    needed = math.ceil(count / BARS_PER_SESSION[timeframe])
    if unit == "D":
        assert int(number) <= 2 * needed + 14
    else:  # years only once days run out
        assert unit == "Y"
        assert (int(number) - 1) * 365 < 2 * needed + 14


@pytest.mark.parametrize("timeframe", list(Timeframe))
def test_more_bars_never_ask_for_less_time(timeframe: Timeframe) -> None:
    def days(count: int) -> int:
        number, unit = DURATION.fullmatch(history_request(timeframe, count)[0]).groups()  # type: ignore[union-attr]
        return int(number) * (365 if unit == "Y" else 1)

    spans = [days(count) for count in range(1, 5001, 7)]
    assert spans == sorted(spans)


@pytest.mark.parametrize("count", [0, -5])
def test_a_count_must_be_positive(count: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        history_request(Timeframe.M1, count)
