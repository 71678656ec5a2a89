"""SystemAlerts: which core events become which alerts, with which words and severity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.alerts.service import AlertService
from terminal.alerts.wiring import SystemAlerts
from terminal.broker.base import ConnectionState
from terminal.domain.alerts import Alert, AlertState, Severity
from terminal.domain.clock import ManualClock
from terminal.domain.fills import Fill
from terminal.domain.instruments import Instrument
from terminal.domain.lifecycle import OrderStatus
from terminal.domain.orders import Order, OrderIntent, OrderSide, OrderType
from terminal.settings import AlertSettings

NOW = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
AAPL = Instrument.stock("AAPL")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(clock: ManualClock) -> AlertService:
    return AlertService(clock, AlertSettings())


@pytest.fixture
def system(service: AlertService) -> SystemAlerts:
    return SystemAlerts(service)


def shown(service: AlertService) -> list[tuple[Severity, str]]:
    """Return what the alerts pane shows, oldest first."""
    return [(a.severity, a.message) for a in reversed(service.active())]


def order(status: OrderStatus, reason: str = "", filled: str = "0") -> Order:
    intent = OrderIntent(AAPL, OrderSide.SELL, Decimal(100), OrderType.LIMIT, Decimal("150.01"))
    return Order("O-1", intent, status, NOW, NOW, reason=reason, filled_quantity=Decimal(filled))


def fill(exec_id: str = "E1", price: str = "150.01", commission: str = "1") -> Fill:
    return Fill(
        exec_id, "O-1", AAPL, OrderSide.BUY, Decimal(100), Decimal(price), Decimal(commission), NOW
    )


# -- connection ---------------------------------------------------------------------------------


def test_first_connect_raises_nothing(system: SystemAlerts, service: AlertService) -> None:
    system.on_connection_changed(ConnectionState.DISCONNECTED, "")
    system.on_connection_changed(ConnectionState.CONNECTING, "")
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    assert service.active() == []


def test_loss_is_critical_and_restore_clears_it(
    system: SystemAlerts, service: AlertService, clock: ManualClock
) -> None:
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    system.on_connection_changed(ConnectionState.DISCONNECTED, "socket closed by peer")
    assert shown(service) == [(Severity.CRITICAL, "Connection lost: socket closed by peer")]
    # Failed reconnect attempts do not raise more alerts.
    for _ in range(3):
        clock.advance(30)
        system.on_connection_changed(ConnectionState.CONNECTING, "")
        system.on_connection_changed(ConnectionState.DISCONNECTED, "refused")
    assert len(service.active()) == 1
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    assert shown(service) == [(Severity.INFO, "Connection restored")]


def test_restored_with_data_lost_warns_about_resubscription(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    system.on_connection_changed(ConnectionState.DISCONNECTED, "1100")
    system.on_connection_changed(ConnectionState.DATA_LOST, "1101")
    assert shown(service) == [
        (
            Severity.WARNING,
            "Connection restored, market data was lost and is being re-subscribed",
        )
    ]


def test_restore_after_trader_cleared_the_loss_alert(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    system.on_connection_changed(ConnectionState.DISCONNECTED, "gone")
    service.clear(service.active()[0].id)
    system.on_connection_changed(ConnectionState.CONNECTED, "")
    assert shown(service) == [(Severity.INFO, "Connection restored")]


# -- orders and fills ---------------------------------------------------------------------------


def test_broker_rejection_names_instrument_side_quantity_and_reason(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_order_updated(order(OrderStatus.ACCEPTED))
    system.on_order_updated(order(OrderStatus.REJECTED_BY_BROKER, "Insufficient margin"))
    assert shown(service) == [
        (Severity.WARNING, "Order rejected by broker: SELL 100 AAPL — Insufficient margin")
    ]


def test_expired_order_is_info_with_partial_fill(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_order_updated(order(OrderStatus.EXPIRED, filled="30"))
    assert shown(service) == [(Severity.INFO, "Order expired: SELL 100 AAPL (30 of 100 filled)")]


def test_republished_order_alerts_once(
    system: SystemAlerts, service: AlertService, clock: ManualClock
) -> None:
    system.on_order_updated(order(OrderStatus.REJECTED_BY_BROKER, "no"))
    clock.advance(3600)  # e.g. reconciliation at reconnect replays the order
    system.on_order_updated(order(OrderStatus.REJECTED_BY_BROKER, "no"))
    [alert] = service.active()
    assert alert.count == 1


def test_fill_message(system: SystemAlerts, service: AlertService) -> None:
    system.on_fill(fill())
    assert shown(service) == [(Severity.INFO, "Filled BUY 100 AAPL @ 150.01 (commission 1.00)")]


def test_fill_prices_keep_cents_and_sub_penny(system: SystemAlerts, service: AlertService) -> None:
    system.on_fill(fill("E1", price="150.1000"))
    system.on_fill(fill("E2", price="0.0525", commission="0.655"))
    assert [m for _, m in shown(service)] == [
        "Filled BUY 100 AAPL @ 150.10 (commission 1.00)",
        "Filled BUY 100 AAPL @ 0.0525 (commission 0.66)",
    ]


def test_each_execution_alerts_once(
    system: SystemAlerts, service: AlertService, clock: ManualClock
) -> None:
    system.on_fill(fill("E1"))
    clock.advance(600)
    system.on_fill(fill("E1"))  # replayed after a reconnect
    system.on_fill(fill("E2"))
    assert len(service.active()) == 2
    assert all(a.count == 1 for a in service.active())


# -- risk ---------------------------------------------------------------------------------------


def test_kill_switch_is_critical_and_rearm_is_info(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_trading_state_changed("active", "halted", "daily loss limit", "risk")
    system.on_trading_state_changed("halted", "active", "reviewed with desk head", "alice")
    assert shown(service) == [
        (Severity.CRITICAL, "KILL SWITCH: trading halted — daily loss limit (by risk)"),
        (Severity.INFO, "Trading re-armed: reviewed with desk head (by alice)"),
    ]


def test_reduce_only_warns(system: SystemAlerts, service: AlertService) -> None:
    system.on_trading_state_changed("active", "reduce_only", "near loss limit", "bob")
    assert shown(service) == [(Severity.WARNING, "Trading reduce-only: near loss limit (by bob)")]


def test_unknown_trading_state_is_refused(system: SystemAlerts) -> None:
    with pytest.raises(ValueError, match="paused"):
        system.on_trading_state_changed("active", "paused", "", "")


def test_utilisation_warn_then_breach_folds_per_limit(
    system: SystemAlerts, service: AlertService
) -> None:
    system.on_utilisation("gross", "Gross exposure", 0.85, "warn")
    system.on_utilisation("daily_loss", "Daily loss", 0.9, "warn")
    system.on_utilisation("gross", "Gross exposure", 1.02, "breach")
    system.on_utilisation("gross", "Gross exposure", 0.5, "ok")
    assert shown(service) == [
        (Severity.CRITICAL, "Gross exposure at 102% of limit — limit breached"),
        (Severity.WARNING, "Daily loss at 90% of limit"),
    ]


# -- infrastructure -----------------------------------------------------------------------------


def test_write_failures_are_critical_and_fold(system: SystemAlerts, service: AlertService) -> None:
    system.on_write_failed("fill E1", "disk I/O error")
    system.on_write_failed("order O-2", "database is locked")
    [alert] = service.active()
    assert alert.severity is Severity.CRITICAL
    assert alert.message == "Database write failed (kept for retry): order O-2: database is locked"
    assert alert.count == 2


def test_unexpected_error_is_critical_even_in_a_flood(clock: ManualClock) -> None:
    service = AlertService(clock, AlertSettings(max_alerts_per_window=0))
    system = SystemAlerts(service)
    system.on_fill(fill())  # suppressed by the cap
    system.on_error("app", "ZeroDivisionError in quotes view")
    alerts: dict[str, Alert] = {a.source: a for a in service.active()}
    assert alerts["app"].severity is Severity.CRITICAL
    assert alerts["app"].message == "ZeroDivisionError in quotes view"
    assert alerts["alerts"].message == "1 alert suppressed (flood)"
    assert alerts["app"].state is AlertState.RAISED
