"""The alerts pane and the price alert dialog on the real core and the simulated exchange."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget
from pytestqt.qtbot import QtBot

from terminal.alerts.notices import Notice, NoticeKind, NoticeOutput, NoticeRules
from terminal.alerts.rule_kinds import Direction, PriceCrossRule
from terminal.app import ALERT_RULES_KEY
from terminal.domain import Alert, AlertState, Instrument, Severity
from widgets.dialogs.price_alert import PriceAlertDialog
from widgets.panes import alerts_notify
from widgets.panes.alerts import AlertsPane
from widgets.panes.alerts_notify import NO_TRAY_MESSAGE, EventNotifier, TrayNotification
from widgets.panes.watchlist import WatchlistPane

from .conftest import Harness


class Notifications:
    """Records what the pane would show in the tray."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def __call__(self, notice: Notice) -> None:
        self.shown.append((notice.title, notice.message))


@pytest.fixture
def notified() -> Notifications:
    return Notifications()


@pytest.fixture
def pane(harness: Harness, notified: Notifications) -> AlertsPane:
    pane = AlertsPane(harness.session, notify=notified)
    harness.qtbot.addWidget(pane)
    pane.resize(900, 320)
    pane.show()
    harness.qtbot.waitExposed(pane)
    harness.step()
    return pane


def instrument(harness: Harness, key: str) -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == key)


def last_price(harness: Harness, key: str) -> float:
    quote = harness.app.market.last_quote(key)
    assert quote is not None
    return quote.last


def row_of(pane: AlertsPane, alert_id: str) -> int:
    position = pane.model.position(alert_id)
    assert position is not None, "the alert is not shown"
    return position


def text(pane: AlertsPane, alert_id: str, title: str) -> object:
    return pane.model.index(row_of(pane, alert_id), pane.model.column_of(title)).data()


def color(pane: AlertsPane, alert_id: str, title: str) -> object:
    index = pane.model.index(row_of(pane, alert_id), pane.model.column_of(title))
    brush = index.data(Qt.ItemDataRole.ForegroundRole)
    return brush.color() if isinstance(brush, QBrush) else None


def bold(pane: AlertsPane, alert_id: str) -> bool:
    font = pane.model.index(row_of(pane, alert_id), 0).data(Qt.ItemDataRole.FontRole)
    return isinstance(font, QFont) and font.bold()


def shown(pane: AlertsPane) -> list[Alert]:
    return [pane.view.row_at(r) for r in range(pane.view.model().rowCount())]


def click_row(pane: AlertsPane, qtbot: QtBot, alert_id: str) -> None:
    index = pane.view.model().mapFromSource(pane.model.index(row_of(pane, alert_id), 0))  # type: ignore[attr-defined]
    qtbot.mouseClick(
        pane.view.viewport(), Qt.MouseButton.LeftButton, pos=pane.view.visualRect(index).center()
    )


def raise_alert(
    harness: Harness, severity: Severity, message: str, key: str | None = None
) -> Alert:
    harness.clock.advance(1.0)
    return harness.app.alerts.raise_alert(severity, "test", message, key)


def test_a_raised_alert_appears_on_the_next_flush_coloured_by_severity_and_bold(
    pane: AlertsPane, harness: Harness
) -> None:
    palette = harness.session.palette
    warning = raise_alert(harness, Severity.WARNING, "spread is wide on AAPL")
    assert warning.id not in pane.model  # recorded, shown by the refresh clock
    harness.session.refresh.flush_now()
    assert text(pane, warning.id, "Severity") == "WARNING"
    assert text(pane, warning.id, "Message") == "spread is wide on AAPL"
    assert text(pane, warning.id, "Source") == "test"
    assert text(pane, warning.id, "State") == "Raised"
    assert color(pane, warning.id, "Severity") == palette.warning
    assert bold(pane, warning.id)

    critical = raise_alert(harness, Severity.CRITICAL, "connection lost")
    info = raise_alert(harness, Severity.INFO, "filled 1 AAPL")
    harness.session.refresh.flush_now()
    assert color(pane, critical.id, "Severity") == palette.critical
    assert color(pane, info.id, "Severity") == palette.info
    assert [a.id for a in shown(pane)][:3] == [info.id, critical.id, warning.id]  # newest first
    assert pane.summary.text() == f"{harness.app.alerts.unacknowledged_count()} unacknowledged"
    assert pane.tabs.tabText(0) == f"Alerts ({harness.app.alerts.unacknowledged_count()})"


def test_repeats_fold_into_one_row_with_a_count_and_move_to_the_top(
    pane: AlertsPane, harness: Harness
) -> None:
    first = raise_alert(harness, Severity.WARNING, "order rejected", "reject:1")
    other = raise_alert(harness, Severity.INFO, "something else")
    harness.session.refresh.flush_now()
    assert shown(pane)[0].id == other.id
    rows = len(pane.model)
    for _ in range(2):
        raise_alert(harness, Severity.WARNING, "order rejected again", "reject:1")
    harness.session.refresh.flush_now()
    assert len(pane.model) == rows
    assert text(pane, first.id, "Count") == "3"
    assert text(pane, first.id, "Message") == "order rejected again"
    assert shown(pane)[0].id == first.id  # the repeat is the newest


def test_acknowledge_the_selected_alert_by_button_and_by_keyboard(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    older = raise_alert(harness, Severity.WARNING, "first")
    newer = raise_alert(harness, Severity.WARNING, "second")
    harness.session.refresh.flush_now()
    assert not pane.ack_button.isEnabled()  # nothing selected
    click_row(pane, qtbot, newer.id)
    assert pane.ack_button.isEnabled()
    qtbot.mouseClick(pane.ack_button, Qt.MouseButton.LeftButton)
    assert harness.app.alerts.get(newer.id).state is AlertState.ACKNOWLEDGED
    assert harness.app.alerts.get(newer.id).acknowledged_by == "tester"
    assert text(pane, newer.id, "State") == "Acknowledged"
    assert not bold(pane, newer.id)
    assert color(pane, newer.id, "Message") == harness.session.palette.muted
    assert bold(pane, older.id)

    assert pane.view.selected_row().id == older.id  # the selection moved on to the next one
    qtbot.keyClick(pane.view, Qt.Key.Key_Space)
    assert harness.app.alerts.get(older.id).state is AlertState.ACKNOWLEDGED
    assert not bold(pane, older.id)


def test_acknowledge_all_then_clear_acknowledged_through_the_buttons(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    for n in range(3):
        raise_alert(harness, Severity.WARNING, f"warning {n}")
    harness.session.refresh.flush_now()
    assert pane.ack_all_button.isEnabled()
    qtbot.mouseClick(pane.ack_all_button, Qt.MouseButton.LeftButton)
    assert harness.app.alerts.unacknowledged_count() == 0
    assert all(a.state is AlertState.ACKNOWLEDGED for a in pane.model.rows())
    assert not any(bold(pane, a.id) for a in pane.model.rows())
    assert not pane.ack_all_button.isEnabled()
    assert pane.tabs.tabText(0) == "Alerts"

    qtbot.mouseClick(pane.clear_button, Qt.MouseButton.LeftButton)
    assert harness.app.alerts.active() == []
    assert len(pane.model) == 0
    assert pane.summary.text() == "No alerts"

    harness.step()  # a later repeat is a new alert again
    again = raise_alert(harness, Severity.WARNING, "warning 0")
    harness.session.refresh.flush_now()
    assert [a.id for a in pane.model.rows()] == [again.id]


def test_critical_alerts_notify_and_others_do_not(
    pane: AlertsPane, harness: Harness, notified: Notifications
) -> None:
    raise_alert(harness, Severity.INFO, "filled")
    raise_alert(harness, Severity.WARNING, "spread wide")
    assert notified.shown == []
    raise_alert(harness, Severity.CRITICAL, "KILL SWITCH: trading halted")
    assert notified.shown == [("CRITICAL — test", "KILL SWITCH: trading halted")]  # at once
    raise_alert(harness, Severity.CRITICAL, "KILL SWITCH: trading halted")  # folded, not seen yet
    assert len(notified.shown) == 1


def test_the_notifier_rate_limits_and_renotifies_an_acknowledged_critical_that_returns() -> None:
    shown: list[tuple[str, str]] = []
    now = [100.0]
    rules = NoticeRules(lambda kind: NoticeOutput.BOTH, now=lambda: now[0])
    notifier = EventNotifier(rules, lambda n: shown.append((n.title, n.message)))
    when = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    critical = Alert("a", Severity.CRITICAL, "db", "write failed", when)
    assert notifier.on_alert(critical, None)
    assert not notifier.on_alert(Alert("b", Severity.CRITICAL, "db", "again", when), None)
    now[0] += 5
    acknowledged = Alert("a", Severity.CRITICAL, "db", "x", when, AlertState.ACKNOWLEDGED)
    assert notifier.on_alert(critical, acknowledged)
    assert shown[-1][1] == "write failed (+1 more)"
    warning = Alert("c", Severity.WARNING, "risk", "near limit", when)
    now[0] += 5
    assert notifier.on_alert(warning, None)  # every kind notifies here
    assert not notifier.on_alert(warning, warning)
    assert notifier.on_alert(Alert("c", Severity.CRITICAL, "risk", "breach", when), warning)


def test_the_tray_notification_makes_one_tray_icon_and_beeps(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    beeps: list[bool] = []
    messages: list[str] = []
    monkeypatch.setattr(alerts_notify.QSystemTrayIcon, "isSystemTrayAvailable", lambda: True)
    monkeypatch.setattr(alerts_notify.QApplication, "beep", lambda: beeps.append(True))
    monkeypatch.setattr(
        alerts_notify.QSystemTrayIcon,
        "showMessage",
        lambda self, title, message, *args: messages.append(message),
    )
    owner = QWidget()
    qtbot.addWidget(owner)
    notify = TrayNotification(owner)
    assert notify.tray is None  # created lazily
    notify(Notice(NoticeKind.ALERT_CRITICAL, "CRITICAL — risk", "loss limit breached", True, True))
    notify(Notice(NoticeKind.ALERT_CRITICAL, "CRITICAL — db", "write failed", True, True))
    notify(Notice(NoticeKind.FILL, "Filled", "BUY 100 AAPL", sound=False, desktop=True))
    notify(Notice(NoticeKind.FILL, "Filled", "BUY 50 AAPL", sound=True, desktop=False))
    tray = notify.tray
    assert isinstance(tray, QSystemTrayIcon)
    assert owner.findChildren(QSystemTrayIcon) == [tray]
    assert isinstance(tray.icon(), QIcon) and not tray.icon().isNull()
    assert messages == ["loss limit breached", "write failed", "BUY 100 AAPL"]
    assert beeps == [True, True, True]


def test_without_a_tray_the_status_bar_says_so_once_and_the_sound_still_plays(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    beeps: list[bool] = []
    said: list[str] = []
    monkeypatch.setattr(alerts_notify.QSystemTrayIcon, "isSystemTrayAvailable", lambda: False)
    monkeypatch.setattr(alerts_notify.QApplication, "beep", lambda: beeps.append(True))
    owner = QWidget()
    qtbot.addWidget(owner)
    notify = TrayNotification(owner, said.append)
    for _ in range(3):
        notify(Notice(NoticeKind.DISCONNECT, "Connection lost", "socket closed", True, True))
    assert said == [NO_TRAY_MESSAGE]
    assert beeps == [True, True, True]
    assert notify.tray is None


def open_dialog(pane: AlertsPane, harness: Harness, key: str, price: float) -> PriceAlertDialog:
    harness.session.request_price_alert(instrument(harness, key), price)
    dialog = pane.price_alert_dialog
    assert isinstance(dialog, PriceAlertDialog)
    harness.qtbot.waitExposed(dialog)
    return dialog


def test_the_price_alert_dialog_defaults_from_the_market_and_validates_the_level(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    last = last_price(harness, "AAPL")
    dialog = open_dialog(pane, harness, "AAPL", last)
    assert dialog.isVisible()
    assert dialog.chosen_direction is Direction.ABOVE  # price >= last
    assert dialog.level.text() == f"{last:.2f}"
    assert dialog.severity.currentData() is Severity.WARNING
    dialog.reject()

    dialog = open_dialog(pane, harness, "AAPL", last - 5)
    assert dialog.chosen_direction is Direction.BELOW
    assert "below the last price" in dialog.hint.text()

    dialog.level.clear()
    qtbot.keyClicks(dialog.level, "12x")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # refused, kept open
    assert dialog.level.property("invalid") is True
    assert dialog.level_error.isVisible() and "not a price" in dialog.level_error.text()
    assert harness.app.alert_rules.rules() == []

    dialog.level.clear()
    qtbot.keyClicks(dialog.level, "-3")
    assert not dialog.level.property("invalid")  # typing clears the error
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert "positive" in dialog.level_error.text()
    assert harness.app.alert_rules.rules() == []


def test_a_price_alert_from_the_dialog_fires_when_the_market_crosses_it(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    last = last_price(harness, "MSFT")
    level = round(last + 0.02, 2)
    dialog = open_dialog(pane, harness, "MSFT", level)
    assert dialog.chosen_direction is Direction.ABOVE
    dialog.severity.setCurrentIndex(dialog.severity.findData(Severity.CRITICAL))
    qtbot.keyClicks(dialog.note, "breakout")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    [rule] = harness.app.alert_rules.rules()
    assert isinstance(rule, PriceCrossRule)
    assert (rule.key, rule.direction, rule.level, rule.note) == (
        "MSFT",
        Direction.ABOVE,
        level,
        "breakout",
    )
    rules_view = pane.rules.model
    assert [rules_view.index(0, c).data() for c in range(4)] == [
        "MSFT",
        "crosses above",
        f"{level:,.2f}",
        "armed",
    ]

    harness.until(lambda: not rule.armed, timeout=20_000)  # the market crosses the level
    fired = [a for a in pane.model.rows() if a.source == "rule"]
    assert len(fired) == 1
    assert "MSFT crossed above" in fired[0].message and "breakout" in fired[0].message
    assert fired[0].severity is Severity.CRITICAL
    assert rules_view.index(0, 3).data() == "fired"

    assert harness.app.writer.flush(5.0)  # the core keeps the rule across restarts
    saved = harness.app.store.load_settings()[ALERT_RULES_KEY]
    assert [r["id"] for r in saved] == [rule.id] and saved[0]["armed"] is False


def test_rearm_and_remove_a_price_alert_in_the_price_alerts_tab(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    last = last_price(harness, "AAPL")
    dialog = open_dialog(pane, harness, "AAPL", last - 1.0)
    dialog.direction.setCurrentIndex(dialog.direction.findData(Direction.ABOVE))
    assert "already above" in dialog.hint.text()
    dialog.fire_now.setChecked(True)  # already beyond: fire on the next quote
    assert "fires at once" in dialog.hint.text()
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    harness.step()
    [rule] = harness.app.alert_rules.rules()
    assert not rule.armed
    assert any(a.source == "rule" and "AAPL is above" in a.message for a in pane.model.rows())

    pane.tabs.setCurrentWidget(pane.rules)
    view = pane.rules.view
    index = view.model().index(0, 0)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    assert pane.rules.rearm_button.isEnabled()
    qtbot.mouseClick(pane.rules.rearm_button, Qt.MouseButton.LeftButton)
    assert rule.armed
    assert pane.rules.model.index(0, 3).data() == "armed"
    assert not pane.rules.rearm_button.isEnabled()

    qtbot.mouseClick(pane.rules.remove_button, Qt.MouseButton.LeftButton)
    assert harness.app.alert_rules.rules() == []
    assert len(pane.rules.model) == 0


def test_create_price_alert_in_the_watchlist_menu_opens_the_dialog_at_the_last_price(
    pane: AlertsPane, harness: Harness
) -> None:
    watchlist = WatchlistPane(harness.session)
    harness.qtbot.addWidget(watchlist)
    row = watchlist.model.get("SPY")
    assert row is not None
    menu = watchlist.context_menu(row)
    next(a for a in menu.actions() if a.objectName() == "watchlist_alert").trigger()
    dialog = pane.price_alert_dialog
    assert isinstance(dialog, PriceAlertDialog)
    assert dialog.instrument.key == "SPY"
    assert dialog.level.text() == f"{row.last:.2f}"


def test_delete_in_the_price_alerts_tab_removes_the_selected_rule(
    pane: AlertsPane, harness: Harness, qtbot: QtBot
) -> None:
    last = last_price(harness, "AAPL")
    dialog = open_dialog(pane, harness, "AAPL", last + 5.0)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert len(harness.app.alert_rules.rules()) == 1
    pane.tabs.setCurrentWidget(pane.rules)
    view = pane.rules.view
    pane.rules.model.flush()
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(view.model().index(0, 0)).center(),
    )
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert harness.app.alert_rules.rules() == []
