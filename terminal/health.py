"""The health of the session, in one report: broker round trip, message rate against the pacing
limit, what waits to go out, stale feeds, the GUI loop's lag and the database writer.

:func:`health_report` is a pure function of what it is given, so each rule is tested on made-up
figures; :class:`HealthMonitor` gathers the figures from the running services and measures the
broker round trip periodically (``TradingApp.watch_health``). Each line of the report is a
:class:`HealthItem` with its level (OK, WARN, RED) and, when not OK, why; the report's level is
its worst line, and :meth:`HealthReport.summary` is the status bar's one-liner. A figure the
broker does not have (the simulator has no wire: no message rate, pacing or queue) reads "n/a".

For the health pane and the status bar (widgets): call ``app.health.report(loop_lag=...)`` on
the refresh clock (cheap: no I/O), passing the GUI loop's lag as the window measures it; show
``report.items`` (``name``, ``value``, ``limit``, ``level``, ``reason``) and colour by ``level``.
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
    """One line of the report: what, its figure as text, the bounds it is judged against (as
    text: "warn 500 ms, red 2,000 ms"; "n/a" where the broker has no such figure), its level,
    and why when not OK."""

    name: str
    value: str
    level: Level = Level.OK
    reason: str = ""
    limit: str = ""


#: What a line shows where the broker has no such figure (the simulator has no wire).
NOT_APPLICABLE = "n/a"


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

    @property
    def problems(self) -> list[HealthItem]:
        """The lines that are not OK, RED first (then in report order)."""
        wrong = [i for i in self.items if i.level is not Level.OK]
        return sorted(wrong, key=lambda i: -i.level.rank)

    def item(self, name: str) -> HealthItem:
        return next(i for i in self.items if i.name == name)

    def summary(self) -> str:
        """One line for the status bar: "Health OK", or how many lines are wrong and why,
        RED first ("Health: 2 problems — database: 3 writes failed; feeds: AAPL quotes ...")."""
        problems = self.problems
        if not problems:
            return "Health OK"
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        return f"Health: {count} — " + "; ".join(f"{i.name}: {i.reason}" for i in problems)


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


def _count(n: int, thing: str) -> str:
    """``3 writes``, ``1 write``: the count with its noun (``thing`` is the singular)."""
    return f"{n:,} {thing}" if n == 1 else f"{n:,} {thing}s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _connection(now: dt.datetime, broker: BrokerHealth) -> HealthItem:
    state = broker.state
    limit = "connected"
    if state is ConnectionState.DISCONNECTED:
        wait = ""
        if broker.next_attempt is not None:
            wait = (
                f"; next attempt in {max(0.0, (broker.next_attempt - now).total_seconds()):.0f} s"
            )
        return HealthItem(
            "connection", "disconnected", Level.RED, f"order entry frozen{wait}", limit
        )
    if state is ConnectionState.CONNECTING:
        return HealthItem("connection", "connecting", Level.WARN, "not connected yet", limit)
    return HealthItem("connection", "connected", limit=limit)


def _round_trip(now: dt.datetime, broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    name = "round trip"
    limit = f"warn {_ms(limits.round_trip_warn)}, red {_ms(limits.round_trip_red)}"
    if broker.round_trip_error:
        return HealthItem(name, "no answer", Level.RED, broker.round_trip_error, limit)
    if broker.round_trip is None or broker.measured_at is None:
        level = Level.OK if broker.state is ConnectionState.DISCONNECTED else Level.WARN
        reason = "" if level is Level.OK else "not yet"
        return HealthItem(name, "not measured", level, reason, limit)
    value = _ms(broker.round_trip)
    age = (now - broker.measured_at).total_seconds()
    if age > limits.round_trip_max_age and broker.state is not ConnectionState.DISCONNECTED:
        return HealthItem(name, value, Level.WARN, f"measured {age:.0f} s ago", limit)
    if broker.round_trip >= limits.round_trip_red:
        return HealthItem(name, value, Level.RED, f"{value}: the broker is slow", limit)
    if broker.round_trip >= limits.round_trip_warn:
        return HealthItem(name, value, Level.WARN, f"{value}: slower than usual", limit)
    return HealthItem(name, value, limit=limit)


def _rate(broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    rate, limit = broker.messages_per_second, broker.message_limit
    if rate is None:
        return HealthItem("message rate", NOT_APPLICABLE, limit=NOT_APPLICABLE)
    value = f"{rate:,}/s"
    if limit is None:
        return HealthItem("message rate", value, limit="none")
    limit_text = f"{limit:,}/s"
    if broker.throttle_limit is not None:
        limit_text += f" (paced at {broker.throttle_limit:,}/s)"
    share = rate / limit
    if share >= limits.rate_red:
        reason = f"{value}: at the broker's limit"
        return HealthItem("message rate", value, Level.RED, reason, limit_text)
    if share >= limits.rate_warn:
        reason = f"{value}: near the broker's limit"
        return HealthItem("message rate", value, Level.WARN, reason, limit_text)
    return HealthItem("message rate", value, limit=limit_text)


def _queues(broker: BrokerHealth, limits: HealthLimits) -> HealthItem:
    orders, data = broker.queued_orders, broker.queued_data
    if orders is None or data is None:
        return HealthItem("queued", NOT_APPLICABLE, limit=NOT_APPLICABLE)
    value = f"{orders:,} order, {data:,} data"
    limit = (
        f"orders: warn {limits.queued_orders_warn:,}, red {limits.queued_orders_red:,};"
        f" data: warn {limits.queued_data_warn:,}"
    )
    orders_waiting = f"{_count(orders, 'order message')} waiting"
    if orders >= limits.queued_orders_red:
        return HealthItem("queued", value, Level.RED, orders_waiting, limit)
    if orders >= limits.queued_orders_warn:
        return HealthItem("queued", value, Level.WARN, orders_waiting, limit)
    if data >= limits.queued_data_warn:
        return HealthItem(
            "queued", value, Level.WARN, f"{_count(data, 'data request')} waiting", limit
        )
    return HealthItem("queued", value, limit=limit)


def _feeds(stale: Sequence[FeedStatus]) -> HealthItem:
    limit = "none stale (each by its own pace)"
    if not stale:
        return HealthItem("feeds", "all updating", limit=limit)
    named = ", ".join(f"{s.feed} ({s.reason})" for s in stale[:3])
    more = f" and {len(stale) - 3} more" if len(stale) > 3 else ""
    return HealthItem("feeds", f"{len(stale)} stale", Level.WARN, named + more, limit)


def _loop_lag(lag: float | None, limits: HealthLimits) -> HealthItem:
    limit = f"warn {_ms(limits.loop_lag_warn)}, red {_ms(limits.loop_lag_red)}"
    if lag is None:
        return HealthItem("loop lag", "not measured", limit=limit)
    value = _ms(lag)
    if lag >= limits.loop_lag_red:
        return HealthItem("loop lag", value, Level.RED, f"{value}: the window stalls", limit)
    if lag >= limits.loop_lag_warn:
        return HealthItem("loop lag", value, Level.WARN, f"{value}: over 3 frames", limit)
    return HealthItem("loop lag", value, limit=limit)


def _writer(pending: int, failed: int, limits: HealthLimits) -> HealthItem:
    value = f"{pending:,} pending, {failed:,} failed"
    limit = (
        f"pending: warn {limits.writer_pending_warn:,}, red {limits.writer_pending_red:,};"
        " failed: 0"
    )
    if failed:
        reason = f"{_count(failed, 'write')} failed (kept until retried)"
        return HealthItem("database", value, Level.RED, reason, limit)
    behind = f"{_count(pending, 'write')} behind"
    if pending >= limits.writer_pending_red:
        return HealthItem("database", value, Level.RED, behind, limit)
    if pending >= limits.writer_pending_warn:
        return HealthItem("database", value, Level.WARN, behind, limit)
    return HealthItem("database", value, limit=limit)


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
