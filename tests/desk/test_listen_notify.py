"""LISTEN/NOTIFY: two cores on one PostgreSQL database hear each other, off the event loop's
thread, and catch up on what they missed while their listening connection was down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import text

from terminal.app import TradingApp
from terminal.domain import ManualClock, OrderStatus, Severity
from terminal.persistence import open_database
from terminal.risk.state import TradingState
from terminal.settings import Settings
from tests.helpers.fake_broker import FakeBroker
from tests.helpers.waiting import until
from tests.integration.app_setup import AAPL, MSFT, buy

pytestmark = [pytest.mark.postgres, pytest.mark.asyncio]

SETTINGS = replace(Settings(), desk=replace(Settings().desk, checkpoint_at_stop=False))


async def terminal(url: str, actor: str, workstation: str) -> TradingApp:
    app = TradingApp(
        SETTINGS,
        open_database(url),
        FakeBroker([AAPL, MSFT]),
        ManualClock(),
        actor=actor,
        workstation=workstation,
    )
    app.restore()
    await app.start()
    return app


@pytest_asyncio.fixture
async def pair(pg_url: str) -> AsyncIterator[tuple[TradingApp, TradingApp]]:
    one = await terminal(pg_url, "alice", "desk-1")
    two = await terminal(pg_url, "bob", "desk-2")
    yield one, two
    await one.stop()
    await two.stop()


async def test_orders_alerts_and_a_halt_made_on_one_core_reach_the_other(
    pair: tuple[TradingApp, TradingApp],
) -> None:
    one, two = pair
    assert one.on_desk and two.desk.connected
    order = one.orders.stage(buy(10))
    await until(
        two.orders.approval_queue_changed,
        lambda: [o.id for o in two.orders.pending_approvals()] == [order.id],
        "the staged order in the other terminal's queue",
    )
    heard = two.orders.get(order.id)
    assert heard.extra["workstation"] == "desk-1" and heard.extra["staged_by"] == "alice"
    assert not two.orders.book.owns(heard)

    alert = one.alerts.raise_alert(Severity.WARNING, "risk", "AAPL concentration near limit")
    await until(
        two.alerts.alert_raised,
        lambda: any(a.id == alert.id for a in two.alerts.active()),
        "the alert on the other terminal",
    )
    two.alerts.acknowledge(alert.id, "bob")  # acknowledged there, seen here
    await until(
        one.alerts.alert_updated,
        lambda: one.alerts.get(alert.id).acknowledged_by == "bob",
        "the acknowledgement back on the first terminal",
    )

    await one.kill_switch.trip("desk drill")
    await until(
        two.trading_state.state_changed,
        lambda: two.trading_state.state is TradingState.HALTED,
        "the desk-wide halt",
    )
    # desk-1 withdrew its own staged order; desk-2 hears the withdrawal, it does not write one.
    await until(
        two.orders.order_updated,
        lambda: two.orders.get(order.id).status is OrderStatus.CANCELLED,
        "the withdrawal",
    )
    await two.orders.idle()
    assert two.writer.flush(10)


async def test_a_dropped_listening_connection_is_reported_and_what_was_missed_is_read(
    pair: tuple[TradingApp, TradingApp],
) -> None:
    one, two = pair
    dropped: list[bool] = []
    two.desk.status_changed += lambda connected, _message: dropped.append(connected)
    with two.database.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query = 'LISTEN tt_desk' AND pid <> pg_backend_pid()"
            )
        )
    order = one.orders.stage(buy(20, "151.00"))  # perhaps while the other one is deaf
    await until(two.desk.status_changed, lambda: dropped[-2:] == [False, True], "a reconnect")
    assert any(
        a.source == "desk" and a.severity is Severity.CRITICAL and "lost" in a.message
        for a in two.alerts.active()
    )
    await until(
        two.orders.approval_queue_changed,
        lambda: two.orders.book.find(order.id) is not None,
        "the order staged while the connection was down",
    )
    assert two.orders.get(order.id).intent.limit_price == Decimal("151.00")


async def test_what_the_listener_hands_over_after_stop_is_dropped_not_written(
    pg_url: str,
) -> None:
    app = await terminal(pg_url, "alice", "desk-1")
    await app.stop()
    # A status or a batch that was on its way when the app stopped changes nothing and
    # writes nothing (the writer is closed): before, it raised inside a loop callback.
    app.desk.on_status(False, "desk connection lost: server closed the connection")
    assert not [a for a in app.alerts.active() if a.source == "desk"]
