"""The feed watchdog: a subscription that stops updating is shown, never trusted silently.

The most reported failure of IB-based tools is a feed that stops while the connection looks
fine. Each running subscription (quotes, depth, live bars of one instrument) is a *feed*. The
watchdog learns how often each feed normally updates (a moving average of the gaps between its
updates) and calls it stale when it has been quiet for much longer than that, within bounds a
desk can set. A broker can also say that a data farm is broken (IB 2103/2105/2157) or that
another session took the data (IB 10197): every feed of the kinds concerned is stale at once,
until its next update. Renewal after a reconnect clears a feed with the first update it brings.

When a feed counts as stale is :class:`terminal.settings.FeedSettings` (``[feeds]``).
The watchdog keeps no timer of its own: the owner calls :meth:`FeedWatchdog.check` about once a
second with the clock's time (tests drive it with a virtual clock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from eventkit import Event

from terminal.settings import FeedSettings


class FeedKind(StrEnum):
    QUOTES = "quotes"
    DEPTH = "depth"
    BARS = "bars"


@dataclass(frozen=True, slots=True)
class Feed:
    """One running subscription: ``key`` is the instrument key (``"AAPL 1m"`` for bars)."""

    kind: FeedKind
    key: str

    def __str__(self) -> str:
        return f"{self.key} {self.kind.value}"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the watchdog knows of one feed at ``checked_at``."""

    feed: Feed
    stale: bool
    #: Seconds since the last update (since the subscription, if none came yet).
    age: float
    #: Why it is stale ("no update for 42 s, usually every 0.5 s", "IB: market data farm ...").
    reason: str = ""


@dataclass(slots=True)
class _Track:
    started: dt.datetime
    last: dt.datetime | None = None
    #: ``last`` as a POSIX timestamp (gaps are taken in floats, not datetimes).
    last_seconds: float = 0.0
    gap: float | None = None
    stale: bool = False
    interrupted: str = ""


class FeedWatchdog:
    """Track the feeds of the running subscriptions and say when one goes quiet.

    Events:
        feeds_changed(changes: Sequence[FeedStatus]): feeds that became stale or fresh again.
    """

    def __init__(self, limits: FeedSettings | None = None) -> None:
        self.limits = limits or FeedSettings()
        self.feeds_changed = Event("feeds_changed")
        self._tracks: dict[Feed, _Track] = {}
        #: The same tracks by kind and key: :meth:`updated` runs per broker batch (a thousand
        #: keys, twenty times a second in a storm) and must not build a Feed per key.
        self._by_kind: dict[FeedKind, dict[str, _Track]] = {kind: {} for kind in FeedKind}

    # -- what the market data service tells it ----------------------------------------------
    def started(self, feed: Feed, now: dt.datetime) -> None:
        """A subscription started (or was renewed): watch it from ``now``."""
        track = self._tracks.get(feed)
        if track is None:
            self._tracks[feed] = self._by_kind[feed.kind][feed.key] = _Track(started=now)
        else:  # renewed: the clock for a first update starts again, the learned gap stays
            track.started = now

    def stopped(self, feed: Feed) -> None:
        """The subscription ended: forget the feed (a stale one is reported fresh, gone)."""
        track = self._tracks.pop(feed, None)
        self._by_kind[feed.kind].pop(feed.key, None)
        if track is not None and track.stale:
            self.feeds_changed.emit([FeedStatus(feed, False, 0.0)])

    def updated(self, kind: FeedKind, keys: Iterable[str], now: dt.datetime) -> None:
        """Updates arrived for ``keys`` of ``kind`` at ``now`` (one call per broker batch)."""
        tracks = self._by_kind[kind]
        weight = self.limits.smoothing
        seconds = now.timestamp()
        recovered: list[FeedStatus] = []
        for key in keys:
            track = tracks.get(key)
            if track is None:
                continue
            if track.last is not None:
                gap = seconds - track.last_seconds
                track.gap = gap if track.gap is None else track.gap + weight * (gap - track.gap)
            track.last = now
            track.last_seconds = seconds
            if track.stale:
                track.stale, track.interrupted = False, ""
                recovered.append(FeedStatus(Feed(kind, key), False, 0.0))
        if recovered:
            self.feeds_changed.emit(recovered)

    def interrupt(self, kinds: Iterable[FeedKind], reason: str, now: dt.datetime) -> None:
        """The broker says feeds of ``kinds`` stopped (a farm broke): stale now, until updated."""
        wanted = set(kinds)
        changed = []
        for feed, track in self._tracks.items():
            if feed.kind in wanted and not track.stale:
                track.stale, track.interrupted = True, reason
                changed.append(FeedStatus(feed, True, self._age(track, now), reason))
        if changed:
            self.feeds_changed.emit(changed)

    # -- the periodic check ------------------------------------------------------------------
    def check(self, now: dt.datetime) -> list[FeedStatus]:
        """Mark feeds quiet for too long as stale; return (and emit) what changed."""
        changed = []
        for feed, track in self._tracks.items():
            if track.stale:
                continue
            age = self._age(track, now)
            limit = self._limit(track)
            if age > limit:
                track.stale = True
                changed.append(FeedStatus(feed, True, age, self._quiet_reason(track, age)))
        if changed:
            self.feeds_changed.emit(changed)
        return changed

    # -- questions from the views -----------------------------------------------------------
    def status(self, feed: Feed, now: dt.datetime) -> FeedStatus | None:
        """The feed's state now, or None when it is not watched (no subscription)."""
        track = self._tracks.get(feed)
        if track is None:
            return None
        age = self._age(track, now)
        if not track.stale:
            return FeedStatus(feed, False, age)
        return FeedStatus(feed, True, age, track.interrupted or self._quiet_reason(track, age))

    def stale(self, now: dt.datetime) -> list[FeedStatus]:
        """Every stale feed, oldest silence first."""
        found = [s for f in self._tracks if (s := self.status(f, now)) is not None and s.stale]
        return sorted(found, key=lambda s: -s.age)

    def watched(self) -> Sequence[Feed]:
        return list(self._tracks)

    # -- inside ------------------------------------------------------------------------------
    @staticmethod
    def _age(track: _Track, now: dt.datetime) -> float:
        since = track.last if track.last is not None else track.started
        return max(0.0, (now - since).total_seconds())

    def _limit(self, track: _Track) -> float:
        limits = self.limits
        if track.last is None:
            return limits.first_update_seconds
        if track.gap is None:  # one update so far: nothing learned yet
            return limits.stale_max_seconds
        return min(
            limits.stale_max_seconds,
            max(limits.stale_min_seconds, limits.stale_factor * track.gap),
        )

    @staticmethod
    def _quiet_reason(track: _Track, age: float) -> str:
        if track.last is None:
            return f"no update in {age:.0f} s since subscribed"
        usual = f", usually every {track.gap:.1f} s" if track.gap is not None else ""
        return f"no update for {age:.0f} s{usual}"
