"""The risk panel on the real core and the simulated exchange: kill switch, re-arm, flatten-all,
limit bars coloured by utilisation."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt

from terminal.domain import OrderSide, OrderStatus, OrderType
from terminal.risk.state import TradingState
from widgets.main_window import MainWindow
from widgets.panes.risk import EVERY_NTH_FLUSH, HALTED_TEXT, KILL_TEXT, RiskPanel

from .conftest import Harness
from .test_blotter import fill_market, rest_limit

S = OrderStatus
LIMITS = {
    "gross_exposure",
    "daily_loss",
    "open_orders",
    "position",
    "concentration",
    "orders_per_second",
}


def panel_of(harness: Harness) -> RiskPanel:
    panel = RiskPanel(harness.session)
    harness.qtbot.addWidget(panel)
    panel.resize(360, 640)
    panel.show()
    return panel


def refresh_cycle(harness: Harness) -> None:
    """One full throttle period of the refresh clock (the panel updates at ~4 Hz)."""
    for _ in range(EVERY_NTH_FLUSH):
        harness.session.refresh.flush_now()


def test_panel_shows_the_active_state_and_a_bar_per_limit(harness: Harness) -> None:
    panel = panel_of(harness)
    assert panel.state_label.text() == "ACTIVE"
    assert panel.state_label.property("tone") == "ok"
    assert panel.kill_button.objectName() == "kill_switch"
    assert panel.kill_button.text() == KILL_TEXT
    assert not panel.rearm_button.isEnabled()
    assert not panel.flatten_button.isEnabled()  # nothing to flatten
    assert set(panel.limits.bars) == LIMITS
    bar = panel.limits.bars["daily_loss"]
    assert bar.property("tone") == "ok"
    assert bar.text() == "0 / 25,000"
    assert panel.limits.bars["open_orders"].text() == "0 / 50"


def test_limit_bars_follow_open_orders_at_the_throttled_refresh(harness: Harness) -> None:
    panel = panel_of(harness)
    refresh_cycle(harness)
    rest_limit(harness)
    harness.session.refresh.flush_now()
    refresh_cycle(harness)
    assert panel.limits.bars["open_orders"].text() == "1 / 50"
    assert panel.limits.bars["open_orders"].value() == 20  # 1/50 in per-mille


def test_one_click_on_the_kill_switch_halts_and_cancels_working_orders(
    harness: Harness,
) -> None:
    panel = panel_of(harness)
    order = rest_limit(harness)
    harness.qtbot.mouseClick(panel.kill_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: harness.app.trading_state.state is TradingState.HALTED)
    harness.until(lambda: harness.app.orders.get(order.id).status is S.CANCELLED)
    assert harness.broker.exchange.engine.by_client[order.id].status is S.CANCELLED  # at the broker
    harness.session.refresh.flush_now()  # a state change shows at the next refresh
    assert panel.state_label.text() == "HALTED"
    assert panel.state_label.property("tone") == "critical"
    assert panel.kill_button.text() == HALTED_TEXT
    assert "tester" in panel.state_detail.text()
    assert panel.rearm_button.isEnabled()
    assert "1 working order(s) cancelled" in panel.last_action.text()


def test_rearm_returns_to_active_or_reduce_only_and_needs_a_reason(harness: Harness) -> None:
    panel = panel_of(harness)
    harness.run(harness.app.kill_switch.trip("test", by="tester"))
    with harness.qtbot.waitSignal(harness.session.message):
        panel.rearm("   ")
    assert harness.app.trading_state.state is TradingState.HALTED

    panel.rearm("risk checked", reduce_only=True)
    assert harness.app.trading_state.state is TradingState.REDUCE_ONLY
    harness.session.refresh.flush_now()
    assert panel.state_label.text() == "REDUCE-ONLY"
    assert panel.state_label.property("tone") == "warning"
    assert panel.kill_button.text() == KILL_TEXT
    assert panel.rearm_button.isEnabled()

    panel.rearm("all clear")
    assert harness.app.trading_state.state is TradingState.ACTIVE
    assert harness.app.trading_state.reason == "all clear"
    harness.session.refresh.flush_now()
    assert panel.state_label.text() == "ACTIVE"
    assert not panel.rearm_button.isEnabled()


def test_rearm_dialog_requires_a_reason_and_offers_reduce_only(harness: Harness) -> None:
    panel = panel_of(harness)
    harness.qtbot.mouseClick(panel.kill_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: harness.app.kill_switch.is_tripped)
    harness.session.refresh.flush_now()
    harness.qtbot.mouseClick(panel.rearm_button, Qt.MouseButton.LeftButton)
    dialog = panel.rearm_dialog
    assert dialog is not None and dialog.isVisible()

    harness.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.reason_edit.property("invalid") is True
    assert dialog.problem.isVisibleTo(dialog)
    assert harness.app.trading_state.state is TradingState.HALTED

    harness.qtbot.keyClicks(dialog.reason_edit, "flat, checked with desk")
    assert dialog.reason_edit.property("invalid") is False
    harness.qtbot.mouseClick(dialog.reduce_only_button, Qt.MouseButton.LeftButton)
    harness.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert harness.app.trading_state.state is TradingState.REDUCE_ONLY
    assert harness.app.trading_state.reason == "flat, checked with desk"
    assert harness.app.trading_state.changed_by == "tester"


def test_gross_exposure_bar_turns_amber_then_red_as_utilisation_crosses_thresholds(
    harness: Harness,
) -> None:
    panel = panel_of(harness)
    fill_market(harness, "AAPL", 100)
    app = harness.app
    gross = app.portfolio.gross_exposure()
    bar = panel.limits.bars["gross_exposure"]

    def limit_gross(limit: Decimal) -> None:
        settings = app.settings
        app.apply_settings(replace(settings, risk=replace(settings.risk, max_gross_exposure=limit)))
        refresh_cycle(harness)

    refresh_cycle(harness)
    assert bar.property("tone") == "ok"
    limit_gross((gross / Decimal("0.9")).quantize(Decimal(1)))  # 90% used: past the 80% alert
    assert bar.property("tone") == "warning"
    assert panel.limits.percents["gross_exposure"].text() == "90%"
    limit_gross((gross / 2).quantize(Decimal(1)))  # 200% used
    assert bar.property("tone") == "critical"
    assert bar.value() == bar.maximum()
    limit_gross(Decimal(10_000_000))
    assert bar.property("tone") == "ok"


def test_limit_bars_are_not_recomputed_on_every_refresh(harness: Harness) -> None:
    panel = panel_of(harness)
    refresh_cycle(harness)
    app = harness.app
    settings = app.settings
    app.apply_settings(replace(settings, risk=replace(settings.risk, max_open_orders=7)))
    harness.session.refresh.flush_now()
    assert panel.limits.bars["open_orders"].text() == "0 / 50"  # not yet: ~4 Hz
    refresh_cycle(harness)
    assert panel.limits.bars["open_orders"].text() == "0 / 7"


def test_flatten_all_stages_one_closing_order_per_position_after_confirmation(
    harness: Harness,
) -> None:
    panel = panel_of(harness)
    fill_market(harness, "AAPL", 100)
    fill_market(harness, "MSFT", 40, OrderSide.SELL)
    refresh_cycle(harness)
    assert panel.flatten_button.isEnabled()

    harness.qtbot.mouseClick(panel.flatten_button, Qt.MouseButton.LeftButton)
    box = panel.flatten_box
    assert box is not None and box.isVisible()
    box.reject()  # Cancel: nothing staged
    assert harness.app.orders.pending_approvals() == []

    harness.qtbot.mouseClick(panel.flatten_button, Qt.MouseButton.LeftButton)
    assert panel.flatten_confirm_button is not None
    with harness.qtbot.waitSignal(harness.session.message) as message:
        harness.qtbot.mouseClick(panel.flatten_confirm_button, Qt.MouseButton.LeftButton)
    staged = {o.key: o.intent for o in harness.app.orders.pending_approvals()}
    assert set(staged) == {"AAPL", "MSFT"}
    assert (staged["AAPL"].side, staged["AAPL"].quantity) == (OrderSide.SELL, Decimal(100))
    assert (staged["MSFT"].side, staged["MSFT"].quantity) == (OrderSide.BUY, Decimal(40))
    assert all(i.order_type is OrderType.MARKET for i in staged.values())
    assert "staged 2 closing order(s)" in str(message.args[0])
    assert harness.app.portfolio.position("AAPL").quantity == 100  # type: ignore[union-attr]


def test_the_global_shortcut_halts_and_the_panel_shows_it(
    window: MainWindow, harness: Harness
) -> None:
    panel = window.pane("risk")
    assert isinstance(panel, RiskPanel)
    window.activateWindow()
    harness.qtbot.keyClick(
        window,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    harness.qtbot.waitUntil(lambda: harness.app.kill_switch.is_tripped)
    harness.step()
    assert panel.state_label.text() == "HALTED"
    assert panel.kill_button.text() == HALTED_TEXT
    panel.rearm("smoke")
    harness.step()
    assert panel.state_label.text() == "ACTIVE"
