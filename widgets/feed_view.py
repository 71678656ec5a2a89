"""Stale market data as the panes show it: greyed, with its age ("stale 42 s").

The core's feed watchdog (``app.market.feeds``) says when a quote, depth or live-bar feed went
quiet, through ``feeds_changed``. A pane keeps a :class:`FeedWatch` of the feeds it shows: the
handler only records what changed, and the pane's refresh flush repaints when
:meth:`FeedWatch.due` says so: at once after a change, and once a second while a feed it shows
is stale, so the age counts up without a repaint per tick or a timer of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from terminal.marketdata.staleness import Feed, FeedStatus, FeedWatchdog
from widgets.refresh import DEFAULT_RATE_HZ, RefreshClock

#: Ages are repainted once a second (every 30th flush of the 30 Hz refresh clock).
AGE_EVERY_NTH_FLUSH = DEFAULT_RATE_HZ


def age_text(age: float) -> str:
    """``stale 42 s``, ``stale 5 min``, ``stale 3 h``."""
    seconds = max(0, int(age))
    if seconds < 120:
        return f"stale {seconds} s"
    if seconds < 7200:
        return f"stale {seconds // 60} min"
    return f"stale {seconds // 3600} h"


class FeedWatch:
    """The feeds one pane shows, and which of them are stale.

    Args:
        watchdog: The core's feed watchdog.
        now: The core's clock (ages are measured on it).
        refresh: The window's refresh clock (its flush count paces the age repaints).
    """

    def __init__(
        self, watchdog: FeedWatchdog, now: Callable[[], dt.datetime], refresh: RefreshClock
    ) -> None:
        self._watchdog = watchdog
        self._now = now
        self._refresh = refresh
        self._feeds: set[Feed] = set()
        self._stale: set[Feed] = set()
        self._dirty = False

    def watch(self, feeds: Iterable[Feed]) -> None:
        """Show ``feeds`` from now on (replacing the previous ones); their state is read now."""
        self._feeds = set(feeds)
        now = self._now()
        self._stale = {
            f for f in self._feeds if (s := self._watchdog.status(f, now)) is not None and s.stale
        }
        self._dirty = True

    def on_changed(self, changes: Sequence[FeedStatus]) -> None:
        """The watchdog's ``feeds_changed`` handler: record, repaint at the next flush."""
        for change in changes:
            if change.feed not in self._feeds:
                continue
            if change.stale:
                self._stale.add(change.feed)
            else:
                self._stale.discard(change.feed)
            self._dirty = True

    def due(self) -> bool:
        """Whether the flush must repaint the feed state: it changed, or a stale age ticked."""
        if self._dirty:
            self._dirty = False
            return True
        return bool(self._stale) and self._refresh.flush_count % AGE_EVERY_NTH_FLUSH == 0

    @property
    def any_stale(self) -> bool:
        return bool(self._stale)

    def stale(self) -> list[FeedStatus]:
        """The stale feeds shown, with their age now, oldest silence first."""
        now = self._now()
        found = [s for f in self._stale if (s := self._watchdog.status(f, now)) is not None]
        return sorted((s for s in found if s.stale), key=lambda s: -s.age)

    def status(self, feed: Feed) -> FeedStatus | None:
        """``feed``'s state now when it is stale, else None (cheap for a fresh feed)."""
        if feed not in self._stale:
            return None
        status = self._watchdog.status(feed, self._now())
        return status if status is not None and status.stale else None
