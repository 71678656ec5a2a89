"""The health of the session, in one report: broker round trip, message rate against the pacing
limit, what waits to go out, stale feeds, the GUI loop's lag and the database writer.

:func:`health_report` is a pure function of what it is given, so each rule is tested on made-up
figures; :class:`HealthMonitor` gathers the figures from the running services and measures the
broker round trip periodically (``TradingApp.watch_health``). Each line of the report is a
:class:`HealthItem` with its level (OK, WARN, RED) and, when not OK, why; the report's level is
its worst line, and :meth:`HealthReport.summary` is the status bar's one-liner.

For the health pane and the status bar (widgets): call ``app.health.report(loop_lag=...)`` on
the refresh clock (cheap: no I/O), passing the GUI loop's lag as the window measures it; show
``report.items`` (``name``, ``value``, ``level``, ``reason``) and colour by ``level``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from terminal.broker.base import Broker, BrokerError, BrokerHealth, ConnectionState
from terminal.domain import Clock
from terminal.marketdata.staleness import FeedStatus, FeedWatchdog
from terminal.persistence.writer import DatabaseWriter

log = logging.getLogger(__name__)


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    RED = "red"

    @property
    def rank(self) -> int:
        return {"ok": 0, "warn": 1, "red": 2}[self.value]


@dataclass(frozen=True, slots=True)
class HealthLimits:
    """Where a figure turns WARN and RED."""

    round_trip_warn: float = 0.5
    round_trip_red: float = 2.0
    #: A round trip measured longer ago than this is too old to vouch for the connection.
    round_trip_max_age: float = 60.0
    #: Outgoing rate as a share of the broker's limit.
    rate_warn: float = 0.8
    rate_red: float = 0.95
    queued_data_warn: int = 100
    queued_orders_warn: int = 1
    queued_orders_red: int = 10
    loop_lag_warn: float = 0.05
    loop_lag_red: float = 0.25
    writer_pending_warn: int = 1_000
    writer_pending_red: int = 10_000


@dataclass(frozen=True, slots=True)
class HealthItem:
    """One line of the report: what, its figure as text, its level, and why when not OK."""

    name: str
    value: str
    level: Level = Level.OK
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The session's health at ``at`` (the figures it was made from are kept too)."""

    at: dt.datetime
    items: tuple[HealthItem, ...]
    broker: BrokerHealth
    stale_feeds: tuple[FeedStatus, ...] = ()
    writer_pending: int = 0
    writer_failed: int = 0
    loop_lag: float | None = None

    @property
    def level(self) -> Level:
        """The worst level of any line."""
        return max((i.level for i in self.items), key=lambda level: level.rank, default=Level.OK)

    @property
    def red(self) -> list[HealthItem]:
        """The lines that are RED."""
        return [i for i in self.items if i.level is Level.RED]

    def item(self, name: str) -> HealthItem:
        return next(i for i in self.items if i.name == name)

    def summary(self) -> str:
        """One line for the status bar: "OK", or the worst lines and why."""
        worst = [i for i in self.items if i.level is self.level]
        if self.level is Level.OK:
            return "Health OK"
        label = "RED" if self.level is Level.RED else "WARN"
        return f"Health {label}: " + "; ".join(f"{i.name}: {i.reason}" for i in worst)


def health_report(
    now: dt.datetime,
    broker: BrokerHealth,
    stale_feeds: Sequence[FeedStatus] = (),
    *,
    writer_pending: int = 0,
    writer_failed: int = 0,
    loop_lag: float | None = None,
    limits: HealthLimits | None = None,
) -> HealthReport:
    """Judge the figures; see :class:`HealthLimits` for where each one turns WARN and RED."""
    limits = limits or HealthLimits()
    items = [
        _connection(now, broker),
        _round_trip(now, broker, limits),
        _rate(broker, limits),
        _queues(broker, limits),
        _feeds(stale_feeds),
        _loop_lag(loop_lag, limits),
        _writer(writer_pending, writer_failed, limits),
    ]
    return HealthReport(
        now, tuple(items), broker, tuple(stale_feeds), writer_pending, writer_failed, loop_lag
    )


def _connection(now: dt.datetime, broker: BrokerHealth) -> HealthItem:
    state = broker.state
    if state is ConnectionState.DISCONNECTED:
        wait = ""
        if broker.next_attempt is not None:
            wait = (
                f"; next attempt in {max(0.0, (broker.next_attempt - now).total_seconds()):.0f} s"
            )
        return HealthItem("connection", "disconnected", Level.RED, f"order entry frozen{wait}")
    if state is ConnectionState.CONNECTING:
        return HealthItem("connection", "connecting", Level.WARN, "not connected yet")
    return HealthItem("connection", "connected")


def _round_trip(now: dt.datetime, broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    name = "round trip"
    if broker.round_trip_error:
        return HealthItem(name, "no answer", Level.RED, broker.round_trip_error)
    if broker.round_trip is None or broker.measured_at is None:
        level = Level.OK if broker.state is ConnectionState.DISCONNECTED else Level.WARN
        return HealthItem(name, "not measured", level, "" if level is Level.OK else "not yet")
    ms = broker.round_trip * 1000
    age = (now - broker.measured_at).total_seconds()
    if age > limits.round_trip_max_age and broker.state is not ConnectionState.DISCONNECTED:
        return HealthItem(name, f"{ms:.0f} ms", Level.WARN, f"measured {age:.0f} s ago")
    if broker.round_trip >= limits.round_trip_red:
        return HealthItem(name, f"{ms:.0f} ms", Level.RED, f"{ms:.0f} ms: the broker is slow")
    if broker.round_trip >= limits.round_trip_warn:
        return HealthItem(name, f"{ms:.0f} ms", Level.WARN, f"{ms:.0f} ms: slower than usual")
    return HealthItem(name, f"{ms:.0f} ms")


def _rate(broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    rate, limit = broker.messages_per_second, broker.message_limit
    if limit is None:
        return HealthItem("message rate", f"{rate}/s")
    value = f"{rate}/s of {limit}/s"
    if broker.throttle_limit is not None:
        value += f" (paced at {broker.throttle_limit}/s)"
    share = rate / limit
    if share >= limits.rate_red:
        return HealthItem("message rate", value, Level.RED, f"{rate}/s: at the broker's limit")
    if share >= limits.rate_warn:
        return HealthItem("message rate", value, Level.WARN, f"{rate}/s: near the broker's limit")
    return HealthItem("message rate", value)


def _queues(broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    orders, data = broker.queued_orders, broker.queued_data
    value = f"{orders} order, {data} data"
    if orders >= limits.queued_orders_red:
        return HealthItem("queued", value, Level.RED, f"{orders} order messages waiting")
    if orders >= limits.queued_orders_warn:
        return HealthItem("queued", value, Level.WARN, f"{orders} order messages waiting")
    if data >= limits.queued_data_warn:
        return HealthItem("queued", value, Level.WARN, f"{data} data requests waiting")
    return HealthItem("queued", value)


def _feeds(stale: Sequence[FeedStatus]) -> HealthItem:
    if not stale:
        return HealthItem("feeds", "all updating")
    named = ", ".join(f"{s.feed} ({s.reason})" for s in stale[:3])
    more = f" and {len(stale) - 3} more" if len(stale) > 3 else ""
    return HealthItem("feeds", f"{len(stale)} stale", Level.WARN, named + more)


def _loop_lag(lag: float | None, limits: HealthLimits) -> HealthItem:
    if lag is None:
        return HealthItem("loop lag", "not measured")
    ms = lag * 1000
    if lag >= limits.loop_lag_red:
        return HealthItem("loop lag", f"{ms:.0f} ms", Level.RED, f"{ms:.0f} ms: the window stalls")
    if lag >= limits.loop_lag_warn:
        return HealthItem("loop lag", f"{ms:.0f} ms", Level.WARN, f"{ms:.0f} ms: over 3 frames")
    return HealthItem("loop lag", f"{ms:.0f} ms")


def _writer(pending: int, failed: int, limits: HealthLimits) -> HealthItem:
    value = f"{pending} pending, {failed} failed"
    if failed:
        return HealthItem("database", value, Level.RED, f"{failed} writes failed (kept, retried)")
    if pending >= limits.writer_pending_red:
        return HealthItem("database", value, Level.RED, f"{pending} writes behind")
    if pending >= limits.writer_pending_warn:
        return HealthItem("database", value, Level.WARN, f"{pending} writes behind")
    return HealthItem("database", value)


class HealthMonitor:
    """Gather the figures from the running services; measure the broker round trip."""

    def __init__(
        self,
        broker: Broker,
        feeds: FeedWatchdog,
        writer: DatabaseWriter,
        clock: Clock,
        limits: HealthLimits | None = None,
    ) -> None:
        self._broker = broker
        self._feeds = feeds
        self._writer = writer
        self._clock = clock
        self.limits = limits or HealthLimits()

    def report(self, loop_lag: float | None = None) -> HealthReport:
        """The report now (no I/O: call it as often as a view refreshes)."""
        now = self._clock.now()
        return health_report(
            now,
            self._broker.health(),
            self._feeds.stale(now),
            writer_pending=self._writer.pending,
            writer_failed=len(self._writer.failed),
            loop_lag=loop_lag,
            limits=self.limits,
        )

    async def probe(self) -> None:
        """Measure the broker round trip once (while connected); a failure shows in the
        report (RED, with the broker's reason) and the log."""
        if self._broker.connection_state is ConnectionState.DISCONNECTED:
            return
        try:
            await self._broker.measure_round_trip()
        except BrokerError as exc:
            log.warning("broker round trip not measured: %s", exc)
