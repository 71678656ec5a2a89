"""The approval queue: PASS approves, WARN needs an override with a reason, BLOCK never goes out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import Order, OrderSide, OrderStatus, OrderType, VerdictLevel
from widgets.main_window import MainWindow
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.ticket import OrderTicketPane

from .conftest import Harness

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def queue(harness: Harness) -> ApprovalQueuePane:
    pane = ApprovalQueuePane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(800, 330)
    pane.show()
    harness.qtbot.waitExposed(pane)
    pane.activateWindow()
    pane.table.setFocus()
    return pane


def stage(harness: Harness, quantity: int, side: OrderSide = OrderSide.BUY) -> Order:
    """Stage a market order for AAPL through the core (as the ticket does)."""
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    order = harness.app.orders.stage_input(
        aapl, side=side, quantity=Decimal(quantity), order_type=OrderType.MARKET
    )
    harness.step()
    return order


def status(harness: Harness, order: Order) -> OrderStatus:
    return harness.app.orders.get(order.id).status


def cell(queue: ApprovalQueuePane, order: Order, title: str, role: int = 0) -> object:
    """What the table shows for ``order`` in the column titled ``title``."""
    model = queue.model
    column = [c.title for c in model.columns].index(title)
    position = model.position(order.id)
    assert position is not None
    return model.index(position, column).data(role or Qt.ItemDataRole.DisplayRole)


def test_a_staged_order_is_selected_and_ctrl_enter_approves_it_until_filled(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    order = stage(harness, 10)
    assert order.verdict is not None and order.verdict.level is VerdictLevel.PASS
    assert queue.contains(order.id)
    assert queue.selected_order_id() == order.id  # the newest is selected: one key to approve
    assert queue.approve_button.isEnabled()
    assert not queue.override_button.isEnabled()  # nothing to override on a PASS
    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL)
    harness.until(lambda: status(harness, order) is OrderStatus.FILLED)
    assert not queue.contains(order.id)
    assert len(queue.model) == 0
    assert queue.selected_order_id() is None
    assert queue.count.text() == "queue empty"
    filled = harness.app.orders.get(order.id)
    assert filled.approved_by == "tester" and filled.override_reason is None


def test_the_approve_button_approves_the_selected_order(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    order = stage(harness, 3)
    harness.qtbot.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: status(harness, order) is OrderStatus.FILLED)
    assert not queue.contains(order.id)
    assert queue.status.text().startswith(f"Approved {order.id}")


def test_the_columns_show_side_verdict_reasons_and_notional_in_colour(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    warn = stage(harness, 500)
    block = stage(harness, 20_000, OrderSide.SELL)
    palette = harness.session.palette
    fg = Qt.ItemDataRole.ForegroundRole
    assert cell(queue, warn, "Side") == "BUY"
    assert cell(queue, warn, "Side", fg).color() == palette.up
    assert cell(queue, block, "Side", fg).color() == palette.down
    assert cell(queue, warn, "Verdict") == "WARN"
    assert cell(queue, warn, "Verdict", fg).color() == palette.amber
    assert cell(queue, block, "Verdict") == "BLOCK"
    assert cell(queue, block, "Verdict", fg).color() == palette.red
    assert "exceeds the order limit of 10,000" in str(cell(queue, block, "Reasons"))
    assert cell(queue, block, "Qty") == "20,000"
    assert cell(queue, warn, "Type") == "MKT"
    assert cell(queue, warn, "TIF") == "DAY"
    notional = Decimal(str(cell(queue, warn, "Notional")).replace(",", ""))
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    assert abs(notional - 500 * Decimal(repr(quote.ask))) < 500  # valued at about the ask


def test_the_age_column_ticks_once_a_second(harness: Harness, queue: ApprovalQueuePane) -> None:
    order = stage(harness, 10)
    assert cell(queue, order, "Age") in ("0s", "1s")
    harness.clock.advance(75)
    harness.session.refresh.flush_now()
    assert cell(queue, order, "Age") in ("1m15s", "1m16s")


def test_a_warn_cannot_be_approved_without_an_override_reason(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    order = stage(harness, 500)  # over 10% of equity in one name
    assert order.verdict is not None and order.verdict.level is VerdictLevel.WARN
    assert queue.selected_order_id() == order.id
    assert not queue.approve_button.isEnabled()
    assert queue.override_button.isEnabled()
    assert queue.approve(order.id) is None
    assert "needs an override" in queue.status.text()
    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL)  # the approve key refuses too
    harness.step()
    assert status(harness, order) is OrderStatus.PENDING_APPROVAL

    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL_SHIFT)
    dialog = queue.override_dialog
    assert dialog is not None and dialog.isVisible()
    assert "of equity" in dialog.findChild(type(queue.status), "override_reasons").text()
    harness.qtbot.mouseClick(dialog.override_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # an empty reason is refused at the field
    assert dialog.error_text() == "enter a reason for the override"
    assert dialog.reason.property("invalid") is True
    assert status(harness, order) is OrderStatus.PENDING_APPROVAL

    harness.qtbot.keyClicks(dialog.reason, "client asked for size")
    assert dialog.error_text() == ""
    harness.qtbot.mouseClick(dialog.override_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: status(harness, order) is OrderStatus.FILLED)
    approved = harness.app.orders.get(order.id)
    assert approved.override_reason == "client asked for size"
    assert not queue.contains(order.id)
    assert queue.override_dialog is None


def test_approve_with_an_override_reason_sends_a_warn(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    order = stage(harness, 500)
    task = queue.approve(order.id, override_reason="  hedging the book  ")
    assert task is not None
    harness.run(task)
    assert harness.app.orders.get(order.id).override_reason == "hedging the book"
    assert queue.approve(order.id, override_reason="again") is None  # not pending any more


def test_a_block_can_never_be_approved(harness: Harness, queue: ApprovalQueuePane) -> None:
    order = stage(harness, 20_000)
    assert order.verdict is not None and order.verdict.level is VerdictLevel.BLOCK
    assert queue.selected_order_id() == order.id
    assert not queue.approve_button.isEnabled()
    assert not queue.override_button.isEnabled()
    assert queue.reject_button.isEnabled()
    assert "cannot be approved" in queue.details.text()
    assert queue.approve(order.id) is None
    assert queue.approve(order.id, override_reason="I know better") is None
    assert "cannot be approved" in queue.status.text()
    assert queue.open_override(order.id) is None
    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL)
    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL_SHIFT)
    harness.step(3)
    assert status(harness, order) is OrderStatus.PENDING_APPROVAL
    assert queue.override_dialog is None
    assert harness.app.orders.get(order.id).broker_order_id is None


def test_delete_rejects_the_selected_order(harness: Harness, queue: ApprovalQueuePane) -> None:
    order = stage(harness, 10)
    harness.qtbot.keyClick(queue.table, Qt.Key.Key_Delete)
    assert not queue.contains(order.id)
    rejected = harness.app.orders.get(order.id)
    assert rejected.status is OrderStatus.REJECTED_BY_TRADER
    assert rejected.reason == "rejected by trader"


def test_reject_removes_it_and_nothing_else_gets_selected(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    first = stage(harness, 10)
    second = stage(harness, 11)
    assert queue.selected_order_id() == second.id
    queue.reject(second.id, "changed my mind")
    assert not queue.contains(second.id) and queue.contains(first.id)
    # A second keystroke must not act on another order the trader did not pick.
    assert queue.selected_order_id() is None
    assert not queue.approve_button.isEnabled() and not queue.reject_button.isEnabled()
    assert harness.app.orders.get(second.id).reason == "changed my mind"


def test_a_double_approve_sends_one_order(harness: Harness, queue: ApprovalQueuePane) -> None:
    order = stage(harness, 10)
    task = queue.approve(order.id)
    assert task is not None
    assert queue.approve(order.id) is None  # still in flight
    assert "being approved already" in queue.status.text()
    harness.run(task)
    harness.until(lambda: status(harness, order) is OrderStatus.FILLED)
    assert len([o for o in harness.app.orders.orders() if o.status.is_working]) == 0


def test_a_bracket_is_one_row_with_its_exits_and_is_approved_as_a_group(
    harness: Harness, queue: ApprovalQueuePane
) -> None:
    from terminal.domain import OrderIntent, OrderRole

    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    parent = OrderIntent(aapl, OrderSide.BUY, Decimal(5), OrderType.LIMIT, Decimal("227.00"))
    tp = OrderIntent(aapl, OrderSide.SELL, Decimal(5), OrderType.LIMIT, Decimal("230.00"))
    sl = OrderIntent(aapl, OrderSide.SELL, Decimal(5), OrderType.STOP, stop_price=Decimal("224"))
    order = harness.app.orders.stage_bracket(parent, tp, sl)
    assert order.verdict is not None and order.verdict.level is VerdictLevel.PASS
    harness.step()
    assert len(queue.model) == 1
    assert cell(queue, order, "Type") == "LMT bracket"
    assert cell(queue, order, "Price(s)") == "227.00 · TP 230.00 · SL 224.00"
    task = queue.approve(order.id)
    assert task is not None
    harness.run(task)
    assert order.group_id is not None
    members = harness.app.orders.group_members(order.group_id)
    assert {m.role for m in members} == {
        OrderRole.PARENT,
        OrderRole.TAKE_PROFIT,
        OrderRole.STOP_LOSS,
    }
    assert all(m.approved_by == "tester" for m in members)
    harness.step()
    assert not queue.contains(order.id)


def test_stage_with_enter_in_the_ticket_then_approve_with_ctrl_enter_in_the_queue(
    window: MainWindow, harness: Harness
) -> None:
    ticket = window.pane("ticket")
    queue = window.pane("approvals")
    assert isinstance(ticket, OrderTicketPane) and isinstance(queue, ApprovalQueuePane)
    window.activateWindow()
    harness.qtbot.keyClick(window, Qt.Key.Key_F2)  # buy ticket for the active instrument
    assert QApplication.focusWidget() is ticket.quantity
    assert ticket.buy.isChecked()
    active = harness.session.active
    assert active is not None and ticket.symbol.text() == active.key
    ticket.order_type.setCurrentText("MKT")
    ticket.quantity.setFocus()
    ticket.quantity.selectAll()
    harness.qtbot.keyClicks(ticket.quantity, "5")
    harness.qtbot.keyClick(ticket.quantity, Qt.Key.Key_Return)
    (order,) = harness.app.orders.pending_approvals()
    assert ticket.status.text() == f"Staged {order.id} — awaiting approval"
    assert queue.contains(order.id)

    window.bring_forward("approvals")
    assert queue.selected_order_id() == order.id
    harness.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
    harness.until(lambda: status(harness, order) is OrderStatus.FILLED)
    assert not queue.contains(order.id)
    assert harness.app.orders.get(order.id).intent.quantity == Decimal(5)
    position = harness.app.portfolio.position(active.key)
    assert position is not None and position.quantity == Decimal(5)
