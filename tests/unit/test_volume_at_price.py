"""Volume at price: the size printed at each tick today, from midnight in the market's zone."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

from terminal.marketdata.tape import Aggressor, Print
from terminal.marketdata.volume_at_price import VolumeAtPrice

NY = ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0, day: int = 3) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=NY)


def p(price: float, size: float, when: dt.datetime) -> Print:
    return Print("AAPL", price, size, when, Aggressor.UNKNOWN, False)


def test_sizes_add_up_per_tick_and_report_the_ticks_changed() -> None:
    volume = VolumeAtPrice(Decimal("0.01"), at(9, 30))
    changed: set[int] = set()
    volume.add(
        [p(150.25, 100, at(10)), p(150.2500000001, 50, at(10, 1)), p(150.3, 7, at(11))], changed
    )
    assert changed == {15025, 15030}
    assert volume.size(15025) == 150
    assert volume.size(15030) == 7
    assert volume.size(15026) is None


def test_nothing_traded_counts_nothing() -> None:
    volume = VolumeAtPrice(Decimal("0.01"), at(9, 30))
    changed: set[int] = set()
    volume.add([p(150.0, 0, at(10)), p(150.0, math.nan, at(10)), p(math.nan, 5, at(10))], changed)
    assert changed == set() and volume.ticks() == []


def test_an_earlier_days_print_is_not_counted() -> None:
    volume = VolumeAtPrice(Decimal("0.01"), at(9, 30))
    changed: set[int] = set()
    volume.add([p(150.0, 100, at(15, 59, day=2))], changed)
    assert volume.size(15000) is None and changed == set()


def test_the_day_rolls_at_midnight_new_york_by_the_clock_or_by_a_print() -> None:
    volume = VolumeAtPrice(Decimal("0.01"), at(9, 30))
    changed: set[int] = set()
    volume.add([p(150.0, 100, at(15))], changed)
    assert not volume.roll(at(23, 59), changed)
    assert volume.size(15000) == 100
    changed.clear()
    # 00:00 New York is 05:00 UTC: a UTC clock still on the 4th rolls too.
    assert volume.roll(dt.datetime(2026, 12, 4, 5, 0, tzinfo=dt.UTC), changed)
    assert changed == {15000} and volume.size(15000) is None
    assert volume.day == dt.date(2026, 12, 4)
    volume.add([p(151.0, 10, at(9, 31, day=4))], changed)
    volume.add([p(152.0, 10, at(0, 1, day=5))], changed)  # a print of the next day rolls it
    assert volume.size(15100) is None and volume.size(15200) == 10
