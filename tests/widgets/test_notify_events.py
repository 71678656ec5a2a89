"""Sounds and desktop notifications in the window on the simulator: a fill, a reject, a lost
connection, each as [notify] says; the mute key (rebindable) silences the sounds."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from terminal.alerts.notices import Notice, NoticeKind
from terminal.domain import OrderIntent, OrderSide, OrderStatus, OrderType
from terminal.settings import load_settings
from widgets.dialogs.settings import SettingsDialog
from widgets.keymap import Keymap
from widgets.main_window import MainWindow
from widgets.panes.alerts import AlertsPane

from .conftest import Harness
from .test_blotter import fill_market, instrument
from .test_keymap import press

Key = Qt.Key
Mod = Qt.KeyboardModifier


@pytest.fixture
def given(window: MainWindow) -> list[Notice]:
    """What the window gives (instead of the tray and the bell)."""
    pane = window.pane("alerts")
    assert isinstance(pane, AlertsPane)
    notices: list[Notice] = []
    pane.notifier.give = notices.append
    return notices


def kinds(notices: list[Notice]) -> list[NoticeKind]:
    return [n.kind for n in notices]


def test_a_fill_sounds_and_a_reject_also_notifies_the_desktop(
    harness: Harness, window: MainWindow, given: list[Notice]
) -> None:
    fill_market(harness, "AAPL", 100)
    harness.step()
    fills = [n for n in given if n.kind is NoticeKind.FILL]
    assert len(fills) == 1  # not once more for the fill's INFO alert
    assert (fills[0].sound, fills[0].desktop) == (True, False)  # the default: sound only
    assert fills[0].message.startswith("BUY 100 AAPL @ ")

    harness.broker.reject_next_order("no permissions")
    intent = OrderIntent(instrument(harness, "MSFT"), OrderSide.BUY, Decimal(10), OrderType.MARKET)
    order = harness.app.orders.stage(intent)
    harness.run(harness.app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: harness.app.orders.get(order.id).status is OrderStatus.REJECTED_BY_BROKER)
    rejects = [n for n in given if n.kind is NoticeKind.REJECT]
    assert len(rejects) == 1 and rejects[0].sound and rejects[0].desktop
    assert NoticeKind.ALERT_WARNING not in kinds(given)  # its alert is not counted again


def test_a_lost_connection_is_the_disconnect_kind(
    harness: Harness, window: MainWindow, given: list[Notice]
) -> None:
    harness.broker.drop_connection("socket closed")
    harness.qtbot.waitUntil(lambda: NoticeKind.DISCONNECT in kinds(given))
    assert NoticeKind.ALERT_CRITICAL not in kinds(given)


def test_settings_apply_at_once(harness: Harness, window: MainWindow, given: list[Notice]) -> None:
    settings = harness.app.settings
    harness.app.apply_settings(replace(settings, notify=replace(settings.notify, fill="off")))
    fill_market(harness, "AAPL", 100)
    harness.step()
    assert NoticeKind.FILL not in kinds(given)


def test_the_mute_key_silences_sounds_and_can_be_rebound(
    harness: Harness, window: MainWindow, given: list[Notice]
) -> None:
    messages: list[str] = []
    harness.session.message.connect(messages.append)
    press(harness, window, Key.Key_M, Mod.ControlModifier | Mod.ShiftModifier)
    assert window.named_actions["mute_sounds"].isChecked()
    assert messages[-1] == "Sounds muted (Ctrl+Shift+M to unmute)"
    assert window.status.muted.isVisible()  # it stays in sight while muted
    fill_market(harness, "AAPL", 100)
    harness.step()
    assert NoticeKind.FILL not in kinds(given)  # a sound-only kind: nothing while muted

    window.apply_keymap(Keymap({"mute_sounds": "Ctrl+Alt+U"}))
    press(harness, window, Key.Key_M, Mod.ControlModifier | Mod.ShiftModifier)  # no longer
    assert window.named_actions["mute_sounds"].isChecked()
    press(harness, window, Key.Key_U, Mod.ControlModifier | Mod.AltModifier)
    assert not window.named_actions["mute_sounds"].isChecked()
    assert messages[-1] == "Sounds on"
    assert not window.status.muted.isVisible()
    fill_market(harness, "AAPL", 100)
    harness.step()
    assert NoticeKind.FILL in kinds(given)


def test_the_settings_dialog_sets_a_kind_and_saves_it(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.toml"
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.editor("notify.partial_fill")
    assert isinstance(box, QComboBox)
    assert box.currentData() == "off"  # the default
    box.setCurrentIndex(box.findData("both"))
    assert dialog.apply()
    assert harness.app.settings.notify.partial_fill == "both"  # at once, no restart
    harness.qtbot.waitUntil(path.exists)
    assert load_settings(path).notify.partial_fill == "both"
