"""Historical bars: bar sizes, durations, trading sessions, date formats, deterministic prices.

Bars are made up but stable: the same request (contract, bar size, what to show, end) always
yields the same bars, ending at the instrument's current price when the end is "now". Intraday
bars follow the New York session (09:30-16:00 with useRTH, 04:00-20:00 without), weekdays only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TWS_TZ_NAME = "US/Eastern"
"""The zone name TWS appends to dates it formats (a US user's TWS setting)."""
TWS_TZ = ZoneInfo(TWS_TZ_NAME)
DAY = 86400
MAX_BARS = 100_000

_UNIT_SECONDS = {
    "sec": 1,
    "secs": 1,
    "min": 60,
    "mins": 60,
    "hour": 3600,
    "hours": 3600,
    "day": DAY,
    "days": DAY,
    "week": 7 * DAY,
    "weeks": 7 * DAY,
    "month": 30 * DAY,
    "months": 30 * DAY,
}
_DURATION_SECONDS = {"S": 1, "D": DAY, "W": 7 * DAY, "M": 30 * DAY, "Y": 365 * DAY}


class HistoryRequestError(ValueError):
    """A request TWS would refuse, with the error code and text it would send."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar with its start time (epoch seconds) and the label TWS gives it."""

    start: int
    label: str
    open: float
    high: float
    low: float
    close: float
    volume: float
    wap: float
    count: int


def bar_seconds(bar_size: str) -> int:
    """Length of a bar size setting such as ``5 mins`` or ``1 day``."""
    try:
        amount, unit = bar_size.split()
        return int(amount) * _UNIT_SECONDS[unit]
    except (ValueError, KeyError):
        raise HistoryRequestError(
            321,
            "Error validating request.-'bP' : cause - Historical data bar size setting is "
            "invalid. Legal ones are: 1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, "
            "2 mins, 3 mins, 5 mins, 10 mins, 15 mins, 20 mins, 30 mins, 1 hour, 2 hours, "
            "3 hours, 4 hours, 8 hours, 1 day, 1W, 1M",
        ) from None


def window_start(duration: str, end: float) -> float:
    """Start of the window a duration string covers, ending at ``end``.

    ``N D`` counts trading days back (weekdays whose session opened before ``end``), as TWS does:
    ``1 D`` on a Sunday is Friday's session. Other units are calendar time.
    """
    try:
        amount_text, unit = duration.split()
        amount = int(amount_text)
        seconds = _DURATION_SECONDS[unit.upper()]
    except (ValueError, KeyError):
        raise HistoryRequestError(
            321, "Error validating request.-'bP' : cause - Invalid duration format"
        ) from None
    if unit.upper() != "D":
        return end - amount * seconds
    day = dt.datetime.fromtimestamp(end, TWS_TZ).date()
    earliest, counted = day, 0
    while counted < amount:
        if day.weekday() < 5 and _session(day, use_rth=False)[0] < end:
            counted += 1
            earliest = day
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(earliest, dt.time(), tzinfo=TWS_TZ).timestamp()


def parse_end(end: str, now: float) -> float:
    """Epoch seconds of an endDateTime ('' is now) in any format ib_async sends."""
    text = end.strip()
    if not text:
        return now
    try:
        if "-" in text and " " not in text:
            day, clock = text.split("-", 1)
            utc = dt.datetime.strptime(day + clock, "%Y%m%d%H:%M:%S").replace(tzinfo=dt.UTC)
            return utc.timestamp()
        parts = text.split()
        zone = ZoneInfo(parts[2]) if len(parts) > 2 else TWS_TZ
        stamp = parts[0] + (parts[1] if len(parts) > 1 else "23:59:59")
        return dt.datetime.strptime(stamp, "%Y%m%d%H:%M:%S").replace(tzinfo=zone).timestamp()
    except (ValueError, KeyError):
        raise HistoryRequestError(
            321,
            "Error validating request.-'bP' : cause - End date/time: The date, time, or "
            "time-zone entered is invalid.",
        ) from None


def format_time(epoch: int, format_date: int) -> str:
    """A bar time: epoch seconds for formatDate 2, ``YYYYMMDD HH:MM:SS US/Eastern`` for 1."""
    if format_date == 2:
        return str(epoch)
    local = dt.datetime.fromtimestamp(epoch, TWS_TZ)
    return local.strftime("%Y%m%d %H:%M:%S ") + TWS_TZ_NAME


def _session(day: dt.date, use_rth: bool) -> tuple[int, int]:
    opens, closes = (dt.time(9, 30), dt.time(16, 0)) if use_rth else (dt.time(4), dt.time(20))
    start = dt.datetime.combine(day, opens, tzinfo=TWS_TZ).timestamp()
    end = dt.datetime.combine(day, closes, tzinfo=TWS_TZ).timestamp()
    return int(start), int(end)


def bar_starts(first: float, end: float, size: int, use_rth: bool) -> list[tuple[int, int]]:
    """(start, labelled start) of every bar in [first, end) inside trading sessions.

    The first bar of a session is labelled with the session's open (09:30 for an hourly bar
    aligned at 09:00), as TWS labels it.
    """
    if size >= DAY:
        return _period_starts(first, end, size, use_rth)
    if (end - first) // size > MAX_BARS:
        raise HistoryRequestError(
            162, "Historical Market Data Service error message:Time length exceed max."
        )
    starts: list[tuple[int, int]] = []
    day = dt.datetime.fromtimestamp(first, TWS_TZ).date()
    last_day = dt.datetime.fromtimestamp(end, TWS_TZ).date()
    while day <= last_day:
        if day.weekday() < 5:
            opens, closes = _session(day, use_rth)
            t = opens - opens % size
            while t < closes:
                labelled = max(t, opens)
                if first <= labelled < end:
                    starts.append((t, labelled))
                t += size
        day += dt.timedelta(days=1)
    return starts


def _period_starts(first: float, end: float, size: int, use_rth: bool) -> list[tuple[int, int]]:
    day = dt.datetime.fromtimestamp(first, TWS_TZ).date()
    last_day = dt.datetime.fromtimestamp(end, TWS_TZ).date()
    seen: set[tuple[int, int]] = set()
    starts: list[tuple[int, int]] = []
    while day <= last_day:
        midnight = int(dt.datetime.combine(day, dt.time(), tzinfo=TWS_TZ).timestamp())
        if day.weekday() < 5 and midnight >= first and _session(day, use_rth)[0] < end:
            key = _period_key(day, size)
            if key not in seen:
                seen.add(key)
                starts.append((midnight, midnight))
        day += dt.timedelta(days=1)
    return starts


def _period_key(day: dt.date, size: int) -> tuple[int, int]:
    if size >= 28 * DAY:
        return day.year, day.month
    if size >= 7 * DAY:
        iso = day.isocalendar()
        return iso.year, iso.week
    return day.toordinal(), 0


def period_start(epoch: float, size: int) -> int:
    """Start of the bar period that contains ``epoch`` (New York days for daily bars)."""
    if size >= DAY:
        day = dt.datetime.fromtimestamp(epoch, TWS_TZ).date()
        return int(dt.datetime.combine(day, dt.time(), tzinfo=TWS_TZ).timestamp())
    return int(epoch) - int(epoch) % size


def label(start: int, size: int, format_date: int) -> str:
    """The date text TWS puts on a bar: ``YYYYMMDD`` for daily and longer bars."""
    if size >= DAY:
        return dt.datetime.fromtimestamp(start, TWS_TZ).strftime("%Y%m%d")
    return format_time(start, format_date)


def make_bars(
    starts: list[tuple[int, int]],
    *,
    size: int,
    anchor: float,
    volatility: float,
    tick: float,
    seed: str,
    format_date: int,
    with_volume: bool,
) -> list[Bar]:
    """Bars ending at ``anchor`` (the current price), walking back with a seeded random walk."""
    rng = random.Random(seed)
    sigma = volatility * math.sqrt(min(size, DAY) / (252 * 6.5 * 3600))
    closes = [anchor]
    for _ in range(len(starts)):
        closes.append(closes[-1] * math.exp(-rng.gauss(0.0, sigma)))
    closes.reverse()
    bars: list[Bar] = []
    for index, (start, labelled) in enumerate(starts):
        open_, close = closes[index], closes[index + 1]
        high = max(open_, close) * (1 + abs(rng.gauss(0.0, sigma / 2)))
        low = min(open_, close) * (1 - abs(rng.gauss(0.0, sigma / 2)))
        volume = float(rng.randint(10, 500) * 100) if with_volume else -1.0
        o, h, lo, c = (_to_tick(p, tick) for p in (open_, high, low, close))
        bars.append(
            Bar(
                start=start,
                label=label(labelled, size, format_date),
                open=o,
                high=max(o, h, c),
                low=min(o, lo, c),
                close=c,
                volume=volume,
                wap=round((max(o, h, c) + min(o, lo, c) + c) / 3, 4),
                count=max(int(volume // 100), 1) if with_volume else -1,
            )
        )
    return bars


def _to_tick(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 6)


@dataclass(slots=True)
class FormingBar:
    """The newest bar of a keepUpToDate subscription, updated as the price changes."""

    size: int
    format_date: int
    start: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    count: int

    @classmethod
    def from_bar(cls, bar: Bar, size: int, format_date: int) -> FormingBar:
        """Continue the last historical bar."""
        return cls(
            size,
            format_date,
            bar.start,
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            max(bar.volume, 0.0),
            max(bar.count, 0),
        )

    def update(self, epoch: float, price: float, size: float) -> None:
        """Apply a trade at ``price``: extend this bar or start the next one."""
        start = period_start(epoch, self.size)
        if start > self.start:
            self.start, self.open, self.high, self.low = start, price, price, price
            self.volume, self.count = 0.0, 0
        self.close = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.volume += size
        self.count += 1

    @property
    def label(self) -> str:
        """The bar's date text."""
        return label(self.start, self.size, self.format_date)

    @property
    def wap(self) -> float:
        """A typical-price stand-in for the volume-weighted average."""
        return round((self.high + self.low + self.close) / 3, 4)
