"""Volume at price: the size printed at each price of one instrument today. Pure.

"Today" is the trading day of the market's timezone (New York by default), as for the daily
bars: at its midnight every price starts again from nothing. A print of an earlier day (a late
one, or the tape's older prints when a view starts) is not counted. Prices are kept as integer
ticks of the instrument, so a print at 150.2500000001 counts at 150.25.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from terminal.marketdata.tape import Print


class VolumeAtPrice:
    """Cumulative printed size per price tick since the current day started.

    Args:
        tick_size: The instrument's tick (prices are rounded to it).
        now: Any instant of the day to start counting.
        timezone: IANA name of the timezone whose midnight starts a day.
    """

    def __init__(
        self, tick_size: Decimal, now: dt.datetime, timezone: str = "America/New_York"
    ) -> None:
        self._tick = float(tick_size)
        self._tz = ZoneInfo(timezone)
        self._sizes: dict[int, float] = {}
        self._start_ts = math.inf
        self._end_ts = -math.inf
        self.day = self._set_day(now)

    def _set_day(self, when: dt.datetime) -> dt.date:
        local = when.astimezone(self._tz)
        start = dt.datetime.combine(local.date(), dt.time(), self._tz)
        self._start_ts = start.timestamp()
        self._end_ts = (start + dt.timedelta(days=1)).timestamp()
        return local.date()

    def size(self, tick: int) -> float | None:
        """The size printed at ``tick`` today (None: nothing printed there)."""
        return self._sizes.get(tick)

    def ticks(self) -> list[int]:
        """The ticks printed at today."""
        return list(self._sizes)

    def roll(self, now: dt.datetime, changed: set[int]) -> bool:
        """Start a new day if ``now`` is past the current one's end; the cleared ticks go into
        ``changed``. Returns whether the day rolled."""
        if now.timestamp() < self._end_ts:
            return False
        changed.update(self._sizes)
        self._sizes.clear()
        self.day = self._set_day(now)
        return True

    def add(self, prints: Iterable[Print], changed: set[int]) -> None:
        """Count ``prints`` (oldest first); the ticks whose size changed go into ``changed``."""
        sizes, tick = self._sizes, self._tick
        for entry in prints:
            size = entry.size
            if not size > 0 or not entry.price > 0:  # NaN, zero or negative: nothing traded
                continue
            ts = entry.time.timestamp()
            if ts >= self._end_ts:
                self.roll(entry.time, changed)
            elif ts < self._start_ts:
                continue  # a print of an earlier day
            at = round(entry.price / tick)
            sizes[at] = sizes.get(at, 0.0) + size
            changed.add(at)
