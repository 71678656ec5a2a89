"""The second key for a live IB account: the trader types the account number to trade live."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from widgets.dialogs.live_confirm import LiveConfirmDialog, confirm_live

from .conftest import Harness


def _open(harness: Harness, parent: QWidget) -> tuple[asyncio.Task[bool], LiveConfirmDialog]:
    task = asyncio.ensure_future(confirm_live("U7654321", parent))
    harness.qtbot.waitUntil(lambda: parent.findChild(LiveConfirmDialog) is not None)
    dialog = parent.findChild(LiveConfirmDialog)
    assert isinstance(dialog, LiveConfirmDialog)
    harness.qtbot.waitUntil(dialog.isVisible)
    return task, dialog


def test_trade_live_needs_the_account_number_typed(harness: Harness) -> None:
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    parent.show()
    task, dialog = _open(harness, parent)
    assert not dialog.trade_button.isEnabled()
    dialog.trade_button.click()  # disabled: nothing happens
    assert not task.done()
    harness.qtbot.keyClicks(dialog.account_edit, "u765432")
    assert not dialog.trade_button.isEnabled()
    harness.qtbot.keyClicks(dialog.account_edit, "1")
    assert dialog.trade_button.isEnabled()
    dialog.trade_button.click()
    harness.qtbot.waitUntil(task.done)
    assert task.result() is True


def test_enter_and_escape_never_confirm(harness: Harness) -> None:
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    parent.show()
    task, dialog = _open(harness, parent)
    harness.qtbot.keyClick(dialog.account_edit, Qt.Key.Key_Return)
    harness.qtbot.waitUntil(task.done)
    assert task.result() is False

    task, dialog = _open(harness, parent)
    harness.qtbot.keyClicks(dialog.account_edit, "U7654321")
    harness.qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    harness.qtbot.waitUntil(task.done)
    assert task.result() is False
