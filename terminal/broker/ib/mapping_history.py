"""How much history to ask IB for: a duration and bar size that cover a number of bars.

IB asks for a duration ("10 D", "2 Y") and a bar size ("5 mins"), not a bar count. Bars exist
only while the market is open (the adapter asks for regular hours: 09:30-16:00 New York, 6.5
hours, on weekdays), so the duration is worked out from trading sessions, with allowances for
weekends, holidays, half days and a session that has only just begun.

IB's limits (TWS API "Historical Bar Data": step sizes and maximum duration per bar size):
durations in days go up to 365 D and in years up to 68 Y; bars of 1 min and up are allowed
with both units.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from terminal.domain import Timeframe


class BarSetting(NamedTuple):
    """IB's name for a bar size, and how many such bars one regular session holds."""

    bar_size: str
    bars_per_session: int


#: 390 one-minute bars a session; hourly bars are 09:30-10:00, then six full hours.
BAR_SETTINGS: Final[dict[Timeframe, BarSetting]] = {
    Timeframe.M1: BarSetting("1 min", 390),
    Timeframe.M5: BarSetting("5 mins", 78),
    Timeframe.M15: BarSetting("15 mins", 26),
    Timeframe.H1: BarSetting("1 hour", 7),
    Timeframe.D1: BarSetting("1 day", 1),
}

#: The longest durations IB accepts in days and in years.
MAX_DAYS: Final = 365
MAX_YEARS: Final = 68
#: Closed weekdays allowed for in any run of calendar days: a base for a cluster (Christmas,
#: New Year, a one-off closure such as a national day of mourning) plus one every two weeks.
#: Half days count as closed, which is more than enough.
HOLIDAY_BASE: Final = 4
HOLIDAY_EVERY_DAYS: Final = 14


def history_request(timeframe: Timeframe, count: int) -> tuple[str, str]:
    """Return ``(durationStr, barSizeSetting)`` for at least ``count`` bars ending now.

    Raises:
        ValueError: ``count`` is not positive.
    """
    if count < 1:
        raise ValueError(f"bar count must be positive, got {count}")
    setting = BAR_SETTINGS[Timeframe(timeframe)]
    # The current session may have no bars yet (before the open, or just after it).
    sessions = math.ceil(count / setting.bars_per_session) + 1
    days = calendar_days_for(sessions)
    if days <= MAX_DAYS:
        return f"{days} D", setting.bar_size
    return f"{min(math.ceil(days / 365), MAX_YEARS)} Y", setting.bar_size


def calendar_days_for(sessions: int) -> int:
    """Return the fewest calendar days that surely hold ``sessions`` trading sessions."""
    days = sessions
    while fewest_sessions(days) < sessions:
        days += 1
    return days


def fewest_sessions(days: int) -> int:
    """Return the fewest trading sessions any run of ``days`` calendar days can hold."""
    weekdays = 5 * (days // 7) + max(0, days % 7 - 2)
    return weekdays - HOLIDAY_BASE - days // HOLIDAY_EVERY_DAYS
