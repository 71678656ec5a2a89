"""A broken invariant of the order path is a critical alert, never a trader's yellow warning."""

from __future__ import annotations

import logging

from terminal.broker.base import OrderStatusUpdate
from terminal.domain import OrderStatus, Severity

from .conftest import Harness


def test_an_illegal_transition_in_a_ui_action_is_critical_not_a_warning(
    harness: Harness, logged_errors: list[logging.LogRecord]
) -> None:
    messages: list[str] = []
    harness.session.message.connect(messages.append)
    order = harness.app.orders.stage_input(
        harness.app.watchlist[0], side="BUY", quantity="1", limit_price="1.00"
    )

    async def broken() -> None:
        # A bug upstream: asking the lifecycle for a step its table excludes.
        order.with_status(OrderStatus.FILLED, harness.clock.now())

    task = harness.session.run(broken(), "approve")
    harness.qtbot.waitUntil(task.done)
    harness.qtbot.waitUntil(
        lambda: any(a.severity is Severity.CRITICAL for a in harness.app.alerts.active())
    )
    assert messages == []  # no status-bar refusal
    alerts = harness.app.alerts.active()
    assert not any(a.severity is Severity.WARNING and a.source == "ui" for a in alerts)
    assert any("IllegalTransition" in a.message for a in alerts)
    assert [r.getMessage() for r in logged_errors] == ["task approve failed"]


def test_a_broker_report_no_order_in_the_book_matches_is_a_critical_alert(
    harness: Harness, logged_errors: list[logging.LogRecord]
) -> None:
    harness.broker.order_status_received.emit(
        OrderStatusUpdate("TT-unknown", "9999", OrderStatus.ACCEPTED)
    )
    critical = [a for a in harness.app.alerts.active() if a.severity is Severity.CRITICAL]
    assert any("TT-unknown" in a.message for a in critical)
    (record,) = logged_errors
    assert "UnknownOrderReport" in record.getMessage() and record.exc_info is not None
