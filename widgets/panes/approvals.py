"""The approval queue: every staged order waits here until a human approves or rejects it.

PASS orders are approved as they are; a WARN needs an override with a written reason; a BLOCK
cannot be approved at all (the core re-checks at approval time and refuses it too). The newest
staged order is selected as it arrives, so staging and approving are two keystrokes; after an
approval nothing else is selected, so a repeated keystroke cannot approve a second order.

Core events only mark the queue dirty; the refresh flush rebuilds the (small) queue and ticks
the Age column once per second while the pane is visible.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.domain import DomainError, Order, OrderRole, OrderStatus, VerdictLevel
from terminal.domain.commission import CommissionModel
from terminal.risk.estimate import estimate_order
from widgets import shortcuts
from widgets.dialogs.override import OverrideDialog
from widgets.panes.approvals_model import (
    DecisionRow,
    QueueRow,
    decision_columns,
    four_eyes_text,
    queue_columns,
    staged_by_text,
)
from widgets.panes.base import Pane
from widgets.panes.ticket_widgets import VERDICT_TONE, enter_variants, set_text
from widgets.resources import icon
from widgets.session import Session
from widgets.style_props import set_style_property, set_tone
from widgets.table_model import FastTableView, RowModel

_COMMISSIONS = CommissionModel()


class ApprovalQueuePane(Pane):
    """Approve, override or reject staged orders.

    Public API: :meth:`approve`, :meth:`reject`, :meth:`contains`, :meth:`selected_order_id`,
    :meth:`open_override`.
    """

    pane_id = "approvals"
    title = "Approval queue"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        app = session.app
        self._now = app.clock.now()
        self._second = int(self._now.timestamp())
        self._dirty = True
        self._restored = True  # the first sync shows what the last session left: select nothing
        self._approving: set[str] = set()
        self.override_dialog: OverrideDialog | None = None
        self.model: RowModel[QueueRow] = RowModel(
            queue_columns(lambda: self.session.palette, lambda: self._now),
            key=lambda row: row.key,
            parent=self,
        )
        #: Orders that left the queue, newest first: who staged them and who decided.
        self.decisions: RowModel[DecisionRow] = RowModel(
            decision_columns(lambda: self.session.palette), key=lambda row: row.key, parent=self
        )
        self._build()
        self._connect()
        self._sync()

    # -- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.table = FastTableView(self.model, parent=self)
        self.table.setObjectName("approvals_table")
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.approve_button = self._button(
            "Approve", "approve", shortcuts.APPROVE.keys, "primary", shortcuts.APPROVE.action
        )
        self.override_button = self._button(
            "Override…", "override", shortcuts.OVERRIDE.keys, None, shortcuts.OVERRIDE.action
        )
        self.reject_button = self._button(
            "Reject", "reject", shortcuts.REJECT.keys, None, shortcuts.REJECT.action
        )
        for button in (self.approve_button, self.override_button, self.reject_button):
            buttons.addWidget(button)
        self.count = QLabel("", self)
        self.count.setObjectName("approvals_count")
        set_tone(self.count, "muted")
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout.addLayout(buttons)

        self.details = QLabel("", self)
        self.details.setObjectName("approvals_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.status = QLabel("", self)
        self.status.setObjectName("approvals_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        recent = QLabel("Recent decisions", self)
        set_tone(recent, "muted")
        layout.addWidget(recent)
        self.decisions_table = FastTableView(self.decisions, parent=self)
        self.decisions_table.setObjectName("approvals_decisions")
        self.decisions_table.setMaximumHeight(150)
        layout.addWidget(self.decisions_table)
        self.setFocusProxy(self.table)

    def _button(
        self, text: str, name: str, keys: str, role: str | None, action: str
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(f"approvals_{name}")
        button.setIcon(icon(f"approvals-{name}"))
        button.setToolTip(f"{action} ({keys})")
        button.setEnabled(False)
        if role is not None:
            button.setProperty("role", role)
        return button

    def _connect(self) -> None:
        self.approve_button.clicked.connect(self._approve_selected)
        self.override_button.clicked.connect(self._override_selected)
        self.reject_button.clicked.connect(self._reject_selected)
        for spec, slot in (
            (shortcuts.APPROVE, self._approve_selected),
            (shortcuts.REJECT, self._reject_selected),
            (shortcuts.OVERRIDE, self._override_selected),
        ):
            for keys in enter_variants(spec.keys):
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        s = self.session
        self.subscribe(s.app.orders.approval_queue_changed, self._on_queue_changed)
        self.subscribe(s.app.orders.order_updated, self._on_order_updated)
        self.subscribe(s.theme_changed, self._theme_changed)
        self.register_flush(self._flush)

    # -- public API --------------------------------------------------------------------------
    def contains(self, order_id: str) -> bool:
        """Whether the order is in the queue (waiting for approval)."""
        self._sync()
        return order_id in self.model

    def selected_order_id(self) -> str | None:
        """The id of the selected order, or None."""
        self._sync()
        row = self.table.selected_row()
        return row.key if isinstance(row, QueueRow) else None

    def approve(
        self, order_id: str, override_reason: str | None = None
    ) -> asyncio.Task[Any] | None:
        """Approve ``order_id`` (and its bracket) and send it to the broker.

        Returns:
            The task doing it, or None when the queue refuses: the order is not pending, it is
            BLOCKed by risk, it is a WARN without an override reason, or it is being approved
            already. The reason is shown in the pane and the status bar.
        """
        self._sync()
        orders = self.session.app.orders
        reason = (override_reason or "").strip() or None
        try:
            order = orders.get(order_id)
            if order.parent_id is not None:  # a bracket exit: approve its parent's group
                order = orders.get(order.parent_id)
        except DomainError as exc:
            self._refuse(str(exc))
            return None
        refusal = self._refusal(order, reason)
        if refusal:
            self._refuse(refusal)
            return None
        self._approving.add(order.id)
        self._update_buttons()
        order_id = order.id

        async def approve_and_send() -> Order:
            try:
                return await orders.approve(order_id, override_reason=reason)
            except DomainError as exc:
                self._say(f"{order_id} not approved: {exc}", "critical")
                raise  # the session turns it into a status message and an alert
            finally:
                self._approving.discard(order_id)
                self._dirty = True

        self._say(f"Approving {order_id}{' with override' if reason else ''}…", "muted")
        return self.run(approve_and_send(), f"approve {order_id}", self._approved)

    def reject(self, order_id: str, reason: str = "rejected by trader") -> None:
        """Reject ``order_id`` (and its bracket): it leaves the queue and is never sent."""
        try:
            order = self.session.app.orders.reject(order_id, reason)
        except DomainError as exc:
            self._refuse(str(exc))
            return
        self._say(f"Rejected {order.id}", "muted")
        self._sync()

    def open_override(self, order_id: str) -> OverrideDialog | None:
        """Ask for an override reason for ``order_id``; approving follows when one is given."""
        self._sync()
        row = self.model.get(order_id)
        if row is None:
            self._refuse(f"{order_id} is not awaiting approval")
            return None
        if row.level is VerdictLevel.BLOCK:
            self._refuse(f"{order_id} is BLOCKed by risk and cannot be overridden")
            return None
        if self.override_dialog is not None:
            self.override_dialog.close()
        dialog = OverrideDialog(order_id, row.describe(), row.reasons, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.confirmed.connect(lambda oid, why: self.approve(oid, override_reason=why))
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog))
        self.override_dialog = dialog
        dialog.open()
        return dialog

    # -- keyboard and buttons ----------------------------------------------------------------
    def _shown_selection(self) -> str | None:
        """The order the trader sees selected (keys and buttons act on what is on screen)."""
        row = self.table.selected_row()
        return row.key if isinstance(row, QueueRow) else None

    def _approve_selected(self) -> None:
        order_id = self._shown_selection()
        if order_id is None:
            self._refuse("select an order to approve")
            return
        self.approve(order_id)

    def _override_selected(self) -> None:
        order_id = self._shown_selection()
        if order_id is None:
            self._refuse("select an order to override")
            return
        self.open_override(order_id)

    def _reject_selected(self) -> None:
        order_id = self._shown_selection()
        if order_id is None:
            self._refuse("select an order to reject")
            return
        self.reject(order_id)

    def _approved(self, order: Order | None) -> None:
        if order is not None:
            self._say(f"Approved {order.id}: {order.status.value}", "ok")

    def _dialog_closed(self, dialog: OverrideDialog) -> None:
        if self.override_dialog is dialog:
            self.override_dialog = None

    # -- messages ----------------------------------------------------------------------------
    def _say(self, text: str, tone: str) -> None:
        set_text(self.status, text)
        set_tone(self.status, tone)

    def _refuse(self, text: str) -> None:
        self._say(text, "warning")
        self.session.message.emit(text)

    def _refusal(self, order: Order, reason: str | None) -> str:
        """Why the queue will not approve ``order`` now ("" when it will)."""
        if order.status is not OrderStatus.PENDING_APPROVAL:
            return f"{order.id} is {order.status.value}, not awaiting approval"
        if order.id in self._approving:
            return f"{order.id} is being approved already"
        verdict = order.verdict
        if verdict is not None and verdict.level is VerdictLevel.BLOCK:
            return f"{order.id} cannot be approved: {verdict.summary}"
        if verdict is not None and verdict.level is VerdictLevel.WARN and reason is None:
            keys = shortcuts.OVERRIDE.keys
            return f"{order.id} needs an override with a reason ({keys}): {verdict.summary}"
        return ""

    # -- keeping the rows current ----------------------------------------------------------------
    def _theme_changed(self, _palette: object) -> None:
        self.model.mark_all_dirty()

    def _on_queue_changed(self, _pending: list[Order]) -> None:
        self._dirty = True

    def _on_order_updated(self, order: Order) -> None:
        row = self.decisions.get(order.id)
        if row is not None:  # approved, then sent and filled: the decision row follows it
            self.decisions.update(DecisionRow(order, row.decided_by, row.decided_at))
        elif order.parent_id is None and (
            order.approved_by or order.status is OrderStatus.REJECTED_BY_TRADER
        ):
            # Decided on another terminal before this queue ever showed it (desk mode).
            self._decided(order)
        if order.id in self.model or (
            order.parent_id is not None and order.parent_id in self.model
        ):
            self._dirty = True

    def _flush(self) -> None:
        self._sync()
        if len(self.model) and self.isVisible():
            now = self.session.app.clock.now()
            second = int(now.timestamp())
            if second != self._second:  # ages and market-order notionals, once a second
                self._now, self._second = now, second
                for row in self.model.rows():
                    self.model.update(self._row(row.order))
        self.model.flush()
        self.decisions.flush()

    def _row(self, order: Order) -> QueueRow:
        app = self.session.app
        exits: tuple[Order, ...] = ()
        if order.group_id is not None:
            exits = tuple(
                o
                for o in app.orders.group_members(order.group_id)
                if o.role in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS)
            )
        mark = app.portfolio.mark(order.key)
        notional = estimate_order(order.intent, app.market, _COMMISSIONS, mark).notional
        return QueueRow(order, exits, notional)

    def _sync(self) -> None:
        """Bring the rows in line with the core's queue (it is small: a few orders)."""
        if not self._dirty:
            return
        self._dirty = False
        self._now = self.session.app.clock.now()
        pending = self.session.app.orders.pending_approvals()
        keys = {o.id for o in pending}
        selected = self.table.selected_row()
        selected_key = selected.key if isinstance(selected, QueueRow) else None
        orders = self.session.app.orders
        for row in self.model.rows():
            if row.key not in keys:
                self.model.remove(row.key)
                decided = orders.book.find(row.key) or row.order
                self._decided(decided)
        added = [o.id for o in pending if o.id not in self.model]
        for order in pending:
            self.model.update(self._row(order))
        self.model.flush()
        restored, self._restored = self._restored, False
        if added and not restored:
            newest = added[-1]
            self.table.select_key(newest)
            self.table.scrollTo(self.table.currentIndex())
        elif selected_key is not None and selected_key not in keys:
            self.table.clearSelection()
        self._update_buttons()
        self._update_count()

    def _decided(self, order: Order) -> None:
        if order.approved_by:
            by = f"{order.approved_by}" + (
                f" (override: {order.override_reason})" if order.override_reason else ""
            )
        else:
            by = order.reason or "—"
        self.decisions.update(DecisionRow(order, by, order.updated_at))
        for old in self.decisions.rows()[:-20]:  # keep the newest twenty
            self.decisions.remove(old.key)
        self.decisions.flush()

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_count(self) -> None:
        n = len(self.model)
        set_text(self.count, f"{n} awaiting approval" if n else "queue empty")

    def _update_buttons(self) -> None:
        row = self.table.selected_row()
        if not isinstance(row, QueueRow):
            _enable_primary(self.approve_button, False)
            self.override_button.setEnabled(False)
            self.reject_button.setEnabled(False)
            set_text(self.details, "" if len(self.model) else "No orders awaiting approval.")
            set_tone(self.details, "muted")
            return
        busy = row.key in self._approving
        level = row.level
        _enable_primary(self.approve_button, not busy and level in (VerdictLevel.PASS, None))
        self.override_button.setEnabled(not busy and level is VerdictLevel.WARN)
        self.reject_button.setEnabled(not busy)
        verdict = level.name if level is not None else "not checked yet"
        hint = {
            VerdictLevel.WARN: f" (approve with Override…, {shortcuts.OVERRIDE.keys})",
            VerdictLevel.BLOCK: " (cannot be approved: reject it)",
        }
        note = hint.get(level, "") if level is not None else ""
        reasons = f": {row.reasons}" if row.reasons and level is not VerdictLevel.PASS else ""
        desk = ""
        if four_eyes_text(row):
            desk = f" — needs a second approver: {four_eyes_text(row)}"
        if staged_by_text(row.order):
            desk += f" — staged by {staged_by_text(row.order)}"
        set_text(self.details, f"{row.describe()} — {verdict}{note}{reasons}{desk}   [{row.key}]")
        set_tone(self.details, VERDICT_TONE.get(level, "muted") if level is not None else "muted")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._second = 0  # refresh ages at the next flush


def _enable_primary(button: QPushButton, enabled: bool) -> None:
    """Enable a primary button; a disabled one drops the primary look.

    WORKAROUND: the themes style ``QPushButton[role="primary"]`` after ``:disabled`` with the
    same specificity, so a disabled primary button would still look clickable.
    """
    button.setEnabled(enabled)
    set_style_property(button, "role", "primary" if enabled else "")
