"""Trading sessions: which phase the market is in, and which trading day a moment belongs to."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from zoneinfo import ZoneInfo

from terminal.broker.sim.config import SimConfig


class Phase(StrEnum):
    PRE_MARKET = "pre_market"
    REGULAR = "regular"
    AFTER_HOURS = "after_hours"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self is not Phase.CLOSED

    @property
    def activity(self) -> float:
        """How busy the tape is relative to regular hours."""
        return 1.0 if self is Phase.REGULAR else 0.2 if self.is_open else 0.0


class SessionCalendar:
    """Answer session questions for a configuration (24 h trading unless sessions are on)."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.zone = ZoneInfo(config.session_times.timezone)

    def phase(self, now: dt.datetime) -> Phase:
        """Return the market phase at ``now``."""
        if not self.config.sessions:
            return Phase.REGULAR
        local = now.astimezone(self.zone)
        if local.weekday() >= 5:
            return Phase.CLOSED
        times, t = self.config.session_times, local.time()
        if times.regular_open <= t < times.regular_close:
            return Phase.REGULAR
        if times.pre_open <= t < times.regular_open:
            return Phase.PRE_MARKET
        if times.regular_close <= t < times.post_close:
            return Phase.AFTER_HOURS
        return Phase.CLOSED

    def trading_day(self, now: dt.datetime) -> dt.date:
        """Return the trading day ``now`` belongs to; it changes at the DAY-order close time."""
        local = now.astimezone(self.zone)
        close = dt.datetime.combine(local.date(), self.config.day_close, self.zone)
        return local.date() if local < close else local.date() + dt.timedelta(days=1)
