"""The window on a desk: the sign-in dialog, and the queue's staged-by, four-eyes and decisions."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.desk.gate import DeskGate
from terminal.desk.policy import FourEyesPolicy
from terminal.desk.users import Role, User, UserStore
from terminal.domain import OrderType
from terminal.persistence.schema import AuditRow
from widgets.dialogs.sign_in import SignInDialog, sign_in
from widgets.panes.approvals import ApprovalQueuePane
from widgets.table_model import RowModel

from .conftest import Harness


class ClosedSignal(QObject):
    """Stands for the main window's ``closed`` signal."""

    closed = Signal()


def cell(model: RowModel[Any], key: str, title: str) -> object:
    column = [c.title for c in model.columns].index(title)
    position = model.position(key)
    assert position is not None, key
    return model.index(position, column).data(Qt.ItemDataRole.DisplayRole)


def last_records(harness: Harness, count: int) -> list[tuple[str, str]]:
    with Session(harness.app.database.engine) as s:
        rows = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(count))
        return [(r.actor, r.action) for r in rows]


def test_sign_in_refuses_a_wrong_password_in_the_dialog_then_signs_in(harness: Harness) -> None:
    UserStore(harness.app.database.engine).add("rita", Role.RISK_MANAGER, "rita-secret")
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    task = asyncio.ensure_future(sign_in(harness.app, parent, "rita"))
    harness.qtbot.waitUntil(lambda: parent.findChild(SignInDialog) is not None)
    dialog = parent.findChild(SignInDialog)
    assert isinstance(dialog, SignInDialog)
    assert dialog.user_edit.text() == "rita"
    dialog.password_edit.setText("wrong guess")
    dialog.sign_in_button.click()
    harness.qtbot.waitUntil(lambda: "refused" in dialog.message.text())
    assert not task.done() and harness.app.user is None
    assert dialog.password_edit.text() == ""  # cleared for the next try
    dialog.password_edit.setText("rita-secret")
    dialog.sign_in_button.click()
    harness.qtbot.waitUntil(task.done)
    assert task.result() is True
    assert harness.app.user == User("rita", Role.RISK_MANAGER)
    assert harness.app.actor == harness.app.audit.actor == harness.app.orders.actor == "rita"
    harness.commit()
    actions = last_records(harness, 5)
    assert ("rita", "sign_in") in actions  # named from here on
    assert any(action == "sign_in_failed" for _, action in actions)


def test_quitting_the_sign_in_signs_nobody_in(harness: Harness) -> None:
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    task = asyncio.ensure_future(sign_in(harness.app, parent))
    harness.qtbot.waitUntil(lambda: parent.findChild(SignInDialog) is not None)
    dialog = parent.findChild(SignInDialog)
    assert isinstance(dialog, SignInDialog)
    dialog.quit_button.click()
    harness.qtbot.waitUntil(task.done)
    assert task.result() is False and harness.app.user is None


@pytest.fixture
def queue(harness: Harness) -> ApprovalQueuePane:
    app = harness.app
    app.user = User("alice", Role.TRADER)
    app.gate = DeskGate("desk-1", app.user, FourEyesPolicy(notional=Decimal(1000)), app.notional_of)
    app.orders.gate = app.gate
    app.actor = app.orders.actor = "alice"
    pane = ApprovalQueuePane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(1300, 420)
    pane.show()
    harness.qtbot.waitExposed(pane)
    return pane


def test_the_queue_shows_who_staged_why_four_eyes_and_who_decided(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    big = harness.app.orders.stage_input(
        aapl, quantity=Decimal(100), side="BUY", order_type=OrderType.MARKET
    )
    small = harness.app.orders.stage_input(
        aapl, quantity=Decimal(1), side="BUY", order_type=OrderType.MARKET
    )
    harness.step()
    assert cell(queue.model, big.id, "Staged by") == "alice @ desk-1"
    assert cell(queue.model, big.id, "Four-eyes") == "2nd approver"
    assert "above 1,000.00" in big.extra["four_eyes"]
    assert cell(queue.model, small.id, "Four-eyes") == ""
    # The trader cannot approve the big one herself; the small one is hers to approve.
    assert queue.approve(big.id) is not None
    harness.until(lambda: "four-eyes" in queue.status.text())
    task = queue.approve(small.id)
    assert task is not None
    harness.qtbot.waitUntil(task.done)
    harness.until(lambda: queue.decisions.get(small.id) is not None)
    assert cell(queue.decisions, small.id, "Decided by") == "alice"
    assert cell(queue.decisions, small.id, "Staged by") == "alice @ desk-1"
    assert big.id in queue.model  # still waiting for a second approver


def test_closing_the_window_during_the_sign_in_ends_it(harness: Harness) -> None:
    parent = QWidget()
    harness.qtbot.addWidget(parent)
    closing = ClosedSignal()
    task = asyncio.ensure_future(sign_in(harness.app, parent, closed=closing.closed))
    harness.qtbot.waitUntil(lambda: parent.findChild(SignInDialog) is not None)
    closing.closed.emit()
    harness.qtbot.waitUntil(task.done)
    assert task.result() is False and harness.app.user is None
