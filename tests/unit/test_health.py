"""The health report's rules on made-up figures, and the monitor over the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from terminal.broker.base import BrokerError, BrokerHealth, ConnectionState
from terminal.broker.sim.broker import SimBroker
from terminal.broker.sim.config import SimConfig
from terminal.domain import ManualClock
from terminal.health import HealthMonitor, Level, health_report
from terminal.marketdata.staleness import Feed, FeedKind, FeedStatus, FeedWatchdog
from tests.helpers.fake_broker import FakeBroker

NOW = dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC)
C = ConnectionState
GOOD = BrokerHealth(
    C.CONNECTED,
    round_trip=0.004,
    measured_at=NOW - dt.timedelta(seconds=3),
    messages_per_second=12,
    message_limit=50,
    throttle_limit=40,
)


def level_of(name: str, broker: BrokerHealth = GOOD, **figures: object) -> tuple[Level, str]:
    item = health_report(NOW, broker, **figures).item(name)  # type: ignore[arg-type]
    return item.level, item.reason


def test_a_healthy_session_is_ok_in_every_line() -> None:
    report = health_report(NOW, GOOD, loop_lag=0.004)
    assert [i.level for i in report.items] == [Level.OK] * 7
    assert report.level is Level.OK and report.red == [] and report.summary() == "Health OK"
    assert report.item("round trip").value == "4 ms"
    assert report.item("message rate").value == "12/s"
    assert report.item("message rate").limit == "50/s (paced at 40/s)"
    assert report.item("round trip").limit == "warn 500 ms, red 2,000 ms"


def test_disconnected_is_red_and_says_when_the_next_attempt_is() -> None:
    broker = replace(GOOD, state=C.DISCONNECTED, next_attempt=NOW + dt.timedelta(seconds=8))
    report = health_report(NOW, broker)
    assert report.level is Level.RED
    assert report.summary() == (
        "Health: 1 problem — connection: order entry frozen; next attempt in 8 s"
    )
    assert level_of("connection", replace(GOOD, state=C.CONNECTING))[0] is Level.WARN


@pytest.mark.parametrize(
    ("change", "level", "reason"),
    [
        ({"round_trip": 0.8}, Level.WARN, "800 ms: slower than usual"),
        ({"round_trip": 2.5}, Level.RED, "2,500 ms: the broker is slow"),
        ({"round_trip": None, "round_trip_error": "TWS did not answer"}, Level.RED, "TWS did not"),
        ({"measured_at": NOW - dt.timedelta(minutes=5)}, Level.WARN, "measured 300 s ago"),
        ({"round_trip": None, "measured_at": None}, Level.WARN, "not yet"),
    ],
)
def test_the_round_trip_turns_warn_and_red(
    change: dict[str, object], level: Level, reason: str
) -> None:
    found, why = level_of("round trip", replace(GOOD, **change))  # type: ignore[arg-type]
    assert found is level and why.startswith(reason)


@pytest.mark.parametrize(("rate", "level"), [(39, Level.OK), (40, Level.WARN), (48, Level.RED)])
def test_the_message_rate_is_judged_against_the_brokers_limit(rate: int, level: Level) -> None:
    assert level_of("message rate", replace(GOOD, messages_per_second=rate))[0] is level


def test_a_broker_without_a_limit_has_no_rate_to_judge() -> None:
    broker = replace(GOOD, messages_per_second=500, message_limit=None, throttle_limit=None)
    assert level_of("message rate", broker) == (Level.OK, "")


@pytest.mark.parametrize(
    ("orders", "data", "level", "reason"),
    [
        (0, 99, Level.OK, ""),
        (0, 150, Level.WARN, "150 data requests waiting"),
        (2, 0, Level.WARN, "2 order messages waiting"),
        (10, 500, Level.RED, "10 order messages waiting"),
    ],
)
def test_what_waits_to_go_out_orders_weigh_more_than_data(
    orders: int, data: int, level: Level, reason: str
) -> None:
    broker = replace(GOOD, queued_orders=orders, queued_data=data)
    assert level_of("queued", broker) == (level, reason)


def test_stale_feeds_are_named_with_why() -> None:
    stale = [FeedStatus(Feed(FeedKind.QUOTES, k), True, 30.0, "no update for 30 s") for k in "ABCD"]
    level, reason = level_of("feeds", stale_feeds=stale)
    assert level is Level.WARN
    assert reason == (
        "A quotes (no update for 30 s), B quotes (no update for 30 s), "
        "C quotes (no update for 30 s) and 1 more"
    )


def test_loop_lag_and_the_database_writer() -> None:
    assert level_of("loop lag", loop_lag=0.1)[0] is Level.WARN
    assert level_of("loop lag", loop_lag=0.3)[0] is Level.RED
    assert level_of("database", writer_pending=2_000)[0] is Level.WARN
    assert level_of("database", writer_pending=20_000)[0] is Level.RED
    assert level_of("database", writer_failed=1) == (
        Level.RED,
        "1 write failed (kept until retried)",
    )
    assert level_of("database", writer_pending=1_203)[1] == "1,203 writes behind"


def test_the_summary_counts_the_problems_red_first() -> None:
    report = health_report(NOW, GOOD, writer_failed=2, loop_lag=0.1)
    assert report.summary() == (
        "Health: 2 problems — database: 2 writes failed (kept until retried);"
        " loop lag: 100 ms: over 3 frames"
    )
    assert [i.name for i in report.problems] == ["database", "loop lag"]


class _Writer:
    pending = 3
    failed: tuple[object, ...] = ()


@pytest.mark.asyncio
async def test_the_monitor_measures_the_round_trip_and_reports_what_the_services_say() -> None:
    broker = FakeBroker()
    broker.now = lambda: NOW
    feeds = FeedWatchdog()
    monitor = HealthMonitor(broker, feeds, _Writer(), ManualClock(NOW))  # type: ignore[arg-type]
    await monitor.probe()  # disconnected: nothing to measure
    assert monitor.report().item("round trip").value == "not measured"
    await broker.connect()
    await monitor.probe()
    report = monitor.report(loop_lag=0.001)
    assert (report.broker.round_trip, report.writer_pending) == (0.002, 3)
    assert report.level is Level.OK
    broker.round_trip_error = BrokerError("no answer within 10 s")
    await monitor.probe()  # logged, and shown
    assert monitor.report().item("round trip").reason == "no answer within 10 s"


@pytest.mark.asyncio
async def test_the_simulator_reports_its_acknowledgement_latency_as_the_round_trip() -> None:
    clock = ManualClock(NOW)
    broker = SimBroker(clock, SimConfig(ack_latency=0.05), seed=1)
    await broker.connect()
    assert await broker.measure_round_trip() == 0.05
    health = broker.health()
    assert (health.state, health.round_trip, health.measured_at) == (C.CONNECTED, 0.05, NOW)
    assert health.message_limit is None
    report = health_report(NOW, health)
    for name in ("message rate", "queued"):  # no wire, no pacing, no queue
        item = report.item(name)
        assert (item.value, item.limit, item.level) == ("n/a", "n/a", Level.OK)
