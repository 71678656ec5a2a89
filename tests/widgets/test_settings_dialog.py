"""The settings dialog: edits are validated at the field, saved to the file, applied to the running
session at once (risk limits, theme), and what needs a restart is said; Cancel changes nothing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QTimeEdit, QWidget

from terminal.domain import OrderIntent, OrderSide, OrderType, VerdictLevel
from terminal.settings import Settings, load_settings, save_settings
from widgets.dialogs.settings import SettingsDialog, open_settings_dialog
from widgets.dialogs.settings_tabs import FIELDS, TAB_OF, describe_error, field_of_error

from .conftest import Harness


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


@pytest.fixture
def dialog(harness: Harness, path: Path) -> SettingsDialog:
    view = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(view)
    view.show()
    return view


def _type(harness: Harness, widget: QWidget, text: str) -> None:
    """Select the field's text and type over it, as the trader would."""
    assert isinstance(widget, QLineEdit)
    widget.setFocus()
    widget.selectAll()
    harness.qtbot.keyClicks(widget, text)


def _big_order_verdict(harness: Harness, quantity: int) -> VerdictLevel:
    instrument = harness.app.watchlist[0]
    intent = OrderIntent(instrument, OrderSide.BUY, Decimal(quantity), OrderType.MARKET)
    return harness.app.risk.check(intent, harness.app.orders.open_orders()).level


def test_every_setting_has_an_editor_showing_the_session_value(
    harness: Harness, dialog: SettingsDialog
) -> None:
    for name in FIELDS:
        assert dialog.editor(name).property("setting") == name
    assert dialog.editor("risk.max_order_quantity").text() == "10,000"  # type: ignore[attr-defined]
    assert dialog.editor("broker.port").text() == "7497"  # type: ignore[attr-defined]
    watchlist = dialog.editor("ui.watchlist")
    assert isinstance(watchlist, QLineEdit) and watchlist.text() == "AAPL, MSFT, SPY"
    hours = dialog.editor("risk.regular_hours_start")
    assert isinstance(hours, QTimeEdit) and hours.time().toString("HH:mm") == "09:30"
    assert not dialog.live_warning.isVisible()
    dialog.tabs.setCurrentIndex(dialog.tab_index("broker"))
    harness.qtbot.mouseClick(dialog.editor("broker.live"), Qt.MouseButton.LeftButton)
    assert dialog.live_warning.isVisible()
    assert "real money" in dialog.live_warning.text()


def test_a_new_order_limit_applies_at_once_and_is_saved(
    harness: Harness, dialog: SettingsDialog, path: Path
) -> None:
    assert _big_order_verdict(harness, 100) is not VerdictLevel.BLOCK
    _type(harness, dialog.editor("risk.max_order_quantity"), "50")
    with harness.qtbot.waitSignal(dialog.saved, timeout=5_000):
        harness.qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        # Applied before the file is written: the very next check uses the new limit.
        assert harness.app.risk.limits.max_order_quantity == Decimal(50)
        assert _big_order_verdict(harness, 100) is VerdictLevel.BLOCK
    assert load_settings(path).risk.max_order_quantity == Decimal(50)
    assert harness.app.settings.risk.max_order_quantity == Decimal(50)
    assert dialog.result_label.text() == "Applied."
    assert harness.app.audit.head.seq > 0
    assert dialog.errors == {}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("broker.port", "70000", "must be a TCP port"),
        ("risk.max_order_notional", "-5", "must not be negative"),
        ("risk.daily_loss_limit", "12abc", "must be a number"),
        ("ui.default_stock_quantity", "0", "must be more than 0"),
        ("risk.notional_warn_fraction", "1.5", "must be at most 1"),
        ("risk.price_band_warn_percent", "30", "exceeds the block band"),
        ("database_url", "not a url", "not a database URL"),
        ("ui.watchlist", "AAPL, $$$", "not a symbol"),
    ],
)
def test_an_invalid_value_is_shown_at_its_field_and_nothing_changes(
    harness: Harness, dialog: SettingsDialog, path: Path, name: str, text: str, expected: str
) -> None:
    before = harness.app.settings
    head = harness.app.audit.head.seq
    editor = dialog.editor(name)
    assert isinstance(editor, QLineEdit)
    editor.setText(text)  # as pasted or set by a script: the validator does not see it
    dialog.tabs.setCurrentIndex(
        dialog.tab_index("appearance" if name != "ui.watchlist" else "risk")
    )
    assert not dialog.apply()
    assert editor.property("invalid") is True
    assert expected in dialog.errors[name]
    assert dialog.error_label.isVisible()
    assert expected in dialog.error_label.text()
    assert FIELDS[name].label in dialog.error_label.text()
    assert dialog.tabs.currentWidget().isAncestorOf(editor)  # its tab is brought forward
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()).endswith("⚠")
    assert harness.app.settings is before
    assert harness.app.audit.head.seq == head  # no settings_changed record
    assert not path.exists()

    editor.setText(FIELDS_FIX.get(name, ""))
    if name in FIELDS_FIX:
        assert dialog.apply()
        assert editor.property("invalid") is False
        assert not dialog.error_label.isVisible()


#: Valid text to put back after each invalid value.
FIELDS_FIX = {
    "broker.port": "7497",
    "risk.max_order_notional": "1,000,000",
    "risk.daily_loss_limit": "25000",
    "ui.default_stock_quantity": "100",
    "risk.notional_warn_fraction": "0.5",
    "risk.price_band_warn_percent": "3",
    "database_url": "",
    "ui.watchlist": "AAPL MSFT SPY",
}


def test_the_error_banner_goes_once_the_value_is_corrected(
    harness: Harness, dialog: SettingsDialog
) -> None:
    notional = dialog.editor("risk.max_order_notional")
    port = dialog.editor("broker.port")
    assert isinstance(notional, QLineEdit) and isinstance(port, QLineEdit)
    notional.setText("-5")
    port.setText("99999")
    assert not dialog.apply()
    assert dialog.error_label.isVisible()
    assert set(dialog.errors) == {"risk.max_order_notional", "broker.port"}
    # The trader corrects one value by typing: its mark and its line go, the other stays.
    dialog.tabs.setCurrentIndex(dialog.tab_index("risk"))
    _type(harness, notional, "500000")
    assert notional.property("invalid") is False
    assert set(dialog.errors) == {"broker.port"}
    assert FIELDS["risk.max_order_notional"].label not in dialog.error_label.text()
    assert dialog.error_label.isVisible()
    assert notional.hasFocus()  # rechecking does not pull the focus to the other field
    dialog.tabs.setCurrentIndex(dialog.tab_index("broker"))
    _type(harness, port, "7497")
    assert not dialog.error_label.isVisible()
    assert dialog.errors == {}
    assert port.property("invalid") is False
    assert not any(dialog.tabs.tabText(i).endswith("⚠") for i in range(dialog.tabs.count()))


def test_letters_cannot_be_typed_into_a_number_field(
    harness: Harness, dialog: SettingsDialog
) -> None:
    editor = dialog.editor("risk.max_position_quantity")
    _type(harness, editor, "12x3")
    assert isinstance(editor, QLineEdit) and editor.text() == "123"


def test_session_hours_in_the_wrong_order_mark_the_time_edit(
    harness: Harness, dialog: SettingsDialog
) -> None:
    start = dialog.editor("risk.regular_hours_start")
    assert isinstance(start, QTimeEdit)
    start.setTime(start.time().addSecs(9 * 3600))  # 18:30, after the close
    assert not dialog.apply()
    assert start.property("invalid") is True
    assert "must be before the end" in dialog.errors["risk.regular_hours_start"]
    assert start.styleSheet()  # red border (the themes only colour line edits and combos)


def test_digits_typed_into_a_time_field_after_a_click_set_the_time(
    harness: Harness, dialog: SettingsDialog
) -> None:
    dialog.tabs.setCurrentIndex(dialog.tab_index(TAB_OF["risk.regular_hours_start"].key))
    start = dialog.editor("risk.regular_hours_start")
    assert isinstance(start, QTimeEdit)
    assert start.time().toString("HH:mm") == "09:30"
    line = start.lineEdit()
    # A click on the hours, as a trader does (QTimeEdit took digits only in a selected section).
    hours = QPoint(line.fontMetrics().horizontalAdvance("0") + 4, line.height() // 2)
    harness.qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=hours)
    harness.qtbot.keyClicks(start, "0815")
    assert start.time().toString("HH:mm") == "08:15"
    assert dialog.apply()
    assert harness.app.settings.risk.regular_hours_start.isoformat(timespec="minutes") == "08:15"


def test_switching_to_the_light_theme_applies_its_palette(
    harness: Harness, dialog: SettingsDialog, path: Path
) -> None:
    theme = dialog.editor("ui.theme")
    assert isinstance(theme, QComboBox)
    theme.setCurrentIndex(theme.findData("light"))
    with harness.qtbot.waitSignal(harness.session.theme_changed):
        assert dialog.apply()
    assert harness.session.palette.name == "light"
    app = QApplication.instance()
    assert isinstance(app, QApplication) and "Light theme" in app.styleSheet()
    harness.qtbot.waitUntil(path.exists)
    assert load_settings(path).ui.theme == "light"


def test_an_unknown_time_zone_is_shown_at_the_time_zone_box(
    harness: Harness, dialog: SettingsDialog
) -> None:
    zone = dialog.editor("risk.market_timezone")
    assert isinstance(zone, QComboBox) and zone.isEditable()
    zone.setEditText("Mars/Olympus_Mons")
    assert not dialog.apply()
    assert zone.property("invalid") is True
    assert "is not a known time zone" in dialog.errors["risk.market_timezone"]
    zone.setEditText("Europe/London")
    assert dialog.apply()
    assert harness.app.risk.limits.market_timezone == "Europe/London"
    assert "market time zone" in dialog.result_label.text()  # charts and day P&L: restart


def test_a_broker_change_says_a_restart_is_needed_and_keeps_command_line_values_out_of_the_file(
    harness: Harness, path: Path
) -> None:
    # The file says port 4001; this session was started with --port 7497 (the session value).
    on_file = Settings()
    on_file = dataclasses.replace(on_file, broker=dataclasses.replace(on_file.broker, port=4001))
    save_settings(on_file, path)
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    harness.qtbot.waitUntil(dialog.override_label.isVisible)
    assert "Port" in dialog.override_label.text()

    messages: list[str] = []
    harness.session.message.connect(messages.append)
    _type(harness, dialog.editor("broker.host"), "10.0.0.5")
    with (
        harness.qtbot.waitSignal(dialog.applied) as applied,
        harness.qtbot.waitSignal(dialog.saved, timeout=5_000),
    ):
        assert dialog.apply()
    assert applied.args == [["broker connection"]]
    assert (
        "restart" in dialog.result_label.text()
        and "broker connection" in dialog.result_label.text()
    )
    assert dialog.result_label.property("tone") == "warning"
    assert any("broker connection" in m for m in messages)  # status bar
    saved = load_settings(path)
    assert saved.broker.host == "10.0.0.5"
    assert saved.broker.port == 4001  # not the session's command-line port
    assert saved.ui.watchlist == Settings().ui.watchlist  # nor its other overrides


def test_cancel_changes_nothing(harness: Harness, dialog: SettingsDialog, path: Path) -> None:
    before = harness.app.settings
    _type(harness, dialog.editor("risk.max_order_quantity"), "1")
    harness.qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert harness.app.settings is before
    assert harness.app.risk.limits.max_order_quantity == Decimal(10_000)
    assert not path.exists()


def test_ok_applies_saves_and_closes(harness: Harness, dialog: SettingsDialog, path: Path) -> None:
    flood = dialog.editor("alerts.max_alerts_per_window")
    flood.setFocus()
    harness.qtbot.keyClick(flood, Qt.Key.Key_Up)  # 30 -> 31
    harness.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: not dialog.isVisible())
    assert load_settings(path).alerts.max_alerts_per_window == 31
    assert harness.app.settings.alerts.max_alerts_per_window == 31


def test_a_file_that_cannot_be_written_is_reported_but_the_session_has_the_change(
    harness: Harness, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    dialog = SettingsDialog(harness.session, blocker / "settings.toml")
    harness.qtbot.addWidget(dialog)
    dialog.show()
    _type(harness, dialog.editor("risk.max_order_quantity"), "75")
    with harness.qtbot.waitSignal(dialog.save_failed, timeout=5_000):
        harness.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # OK does not close over a failed save
    assert "NOT saved" in dialog.result_label.text()
    assert dialog.result_label.property("tone") == "critical"
    assert harness.app.risk.limits.max_order_quantity == Decimal(75)
    assert dialog.ok_button.isEnabled()


def test_defaults_for_this_tab_resets_only_that_tab(
    harness: Harness, dialog: SettingsDialog
) -> None:
    _type(harness, dialog.editor("risk.max_order_quantity"), "5")
    _type(harness, dialog.editor("broker.host"), "example")
    dialog.tabs.setCurrentIndex(dialog.tab_index("risk"))
    harness.qtbot.mouseClick(dialog.defaults_button, Qt.MouseButton.LeftButton)
    assert dialog.editor("risk.max_order_quantity").text() == "10,000"  # type: ignore[attr-defined]
    assert dialog.editor("broker.host").text() == "example"  # type: ignore[attr-defined]


def test_open_settings_dialog_opens_one_window_modal_dialog(harness: Harness, path: Path) -> None:
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    parent.show()
    open_settings_dialog(harness.session, path, parent)
    open_settings_dialog(harness.session, path, parent)
    dialogs = parent.findChildren(SettingsDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    assert dialogs[0].windowModality() == Qt.WindowModality.WindowModal
    dialogs[0].reject()


def test_error_messages_name_their_field() -> None:
    assert field_of_error("settings: broker.port must be a TCP port") == "broker.port"
    assert (
        field_of_error("settings: risk.market_timezone 'Mars/Base' is not a known time zone")
        == "risk.market_timezone"
    )
    assert field_of_error("settings: something else") is None
    assert describe_error("broker.port", "settings: broker.port must be a TCP port") == (
        "Broker connection › Port: must be a TCP port"
    )
