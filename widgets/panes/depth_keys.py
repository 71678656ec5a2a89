"""Moving a working order on the depth ladder with the keyboard: select it, nudge it, send.

Ctrl+Right / Ctrl+Left select the next / previous of the trader's working orders in the ladder's
instrument (top to bottom, as the ladder shows them); its row is marked and the footer names it.
Ctrl+Up / Ctrl+Down move it a tick, Ctrl+PgUp / Ctrl+PgDown ten ticks (keys in the keymap,
rebindable in Settings › Keys).

The presses do not each go to the broker. They add up on the ladder (the order shows where it
would go, as during a drag) and ONE modify to the final price is sent on Enter, or once the
keys have rested for :data:`IDLE_SECONDS` — checked on the window's refresh clock against the
app's clock, so a test steps it without sleeping. Five quick presses are one modify, not five
(a storm of modifies would cost the order its place in the queue five times and can hit the
broker's message limits). Selecting another order sends the pending move first; Escape drops
the pending move (a second Escape drops the selection). The modify takes the drag's path
(:meth:`~widgets.panes.depth.DepthLadderPane.move_order`), with its refusals: a stop moved to
the wrong side of the market is refused, shown and audited.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from terminal.domain import Order
from terminal.oms.errors import UnknownOrder
from widgets.chart.labels import draggable_field
from widgets.keymap import Keymap
from widgets.panes.depth_columns import order_price
from widgets.panes.depth_model import DragPreview

if TYPE_CHECKING:
    from widgets.panes.depth import DepthLadderPane

#: How long the move keys rest before the accumulated move is sent (Enter sends at once).
IDLE_SECONDS = 0.8

#: Keymap action → ticks moved (0: selection keys, handled apart).
MOVES: dict[str, int] = {
    "ladder_order_up": 1,
    "ladder_order_down": -1,
    "ladder_order_up_10": 10,
    "ladder_order_down_10": -10,
}


class LadderOrderKeys:
    """The keyboard selection and the pending move of one ladder.

    Public:
        selected: the id of the selected order, or None.
        pending: ticks moved and not sent yet.
        select(step): select the next (+1) or previous (-1) working order.
        nudge(ticks): move the selected order ``ticks`` on screen (sent later, as one).
        send(): send the pending move now (Enter).
        escape(): drop the pending move, else the selection; False when there was neither.
        on_flush(): the refresh clock's turn: send after the idle, forget a finished order.
    """

    def __init__(self, pane: DepthLadderPane) -> None:
        self._pane = pane
        self.selected: str | None = None
        self.pending = 0
        self._pressed_at: dt.datetime | None = None
        self._shortcuts: dict[str, QShortcut] = {}
        actions: dict[str, Callable[[], object]] = {
            "ladder_next_order": lambda: self.select(1),
            "ladder_previous_order": lambda: self.select(-1),
        }
        for name, ticks in MOVES.items():
            actions[name] = functools.partial(self.nudge, ticks)
        for name, slot in actions.items():
            shortcut = QShortcut(pane)
            shortcut.setObjectName(f"depth_key_{name}")
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts[name] = shortcut
        self.apply_keymap(Keymap.defaults())

    def apply_keymap(self, keymap: Keymap) -> None:
        """Put the ladder's keys on the keys ``keymap`` gives them."""
        for name, shortcut in self._shortcuts.items():
            shortcut.setKey(QKeySequence(keymap.keys(name)))

    # -- which order ----------------------------------------------------------------------------
    def _candidates(self) -> list[Order]:
        """The instrument's movable working orders, top of the ladder first."""
        instrument = self._pane.instrument
        if instrument is None:
            return []
        found = []
        for order in self._pane.session.app.orders.working_orders():
            price = order_price(order)
            if order.key == instrument.key and price is not None and draggable_field(order):
                found.append((price, order.id, order))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [order for _, _, order in found]

    def order(self) -> Order | None:
        """The selected order as the order manager knows it now (None: none, or gone)."""
        if self.selected is None:
            return None
        try:
            return self._pane.session.app.orders.get(self.selected)
        except UnknownOrder:
            return None

    def select(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) order, sending a pending move first."""
        if self.pending:
            self.send()
        candidates = self._candidates()
        pane = self._pane
        if not candidates:
            self._clear()
            instrument = pane.instrument
            where = instrument.key if instrument is not None else "this ladder"
            pane.session.message.emit(f"No working order of yours in {where} to select")
            return
        ids = [o.id for o in candidates]
        if self.selected in ids:
            index = (ids.index(self.selected) + step) % len(ids)
        else:
            index = 0 if step > 0 else len(ids) - 1
        self.selected = ids[index]
        self._show()
        pane.reveal(self._tick_of(candidates[index]))

    # -- moving it --------------------------------------------------------------------------------
    def nudge(self, ticks: int) -> None:
        """Move the selected order ``ticks`` on screen; the modify is sent later, as one."""
        pane = self._pane
        order = self.order()
        if order is None or draggable_field(order) is None:
            self._clear()
            keys = self._keys("ladder_next_order")
            pane.session.message.emit(f"No order selected to move: {keys} selects one")
            return
        self.pending += ticks
        self._pressed_at = pane.session.app.clock.now()
        self._show()
        pane.reveal(self._tick_of(order) + self.pending)

    def send(self) -> bool:
        """Send the pending move as one modify; False when there was nothing to send."""
        order, ticks = self.order(), self.pending
        self.pending = 0
        self._pressed_at = None
        if order is None or ticks == 0:
            self._show()
            return False
        pane = self._pane
        target = pane.model.price_of_tick(self._tick_of(order) + ticks)
        pane.move_order(order, target)
        self._show()
        return True

    def escape(self) -> bool:
        """Drop the pending move, else the selection; False when there was neither."""
        if self.pending:
            self.pending = 0
            self._pressed_at = None
            self._show()
            self._pane.session.message.emit("Move dropped: nothing was sent")
            return True
        if self.selected is not None:
            self._clear()
            return True
        return False

    def on_flush(self) -> None:
        """Send the move once the keys rested; forget an order that stopped working."""
        if self.selected is None:
            return
        order = self.order()
        if order is None or draggable_field(order) is None:
            self._clear()
            return
        pressed = self._pressed_at
        if self.pending and pressed is not None:
            rested = (self._pane.session.app.clock.now() - pressed).total_seconds()
            if rested >= IDLE_SECONDS:
                self.send()
                return
        self._show()  # the order may have moved (its modify confirmed)

    # -- on screen --------------------------------------------------------------------------------
    def _tick_of(self, order: Order) -> int:
        price = order_price(order)
        assert price is not None
        return self._pane.model.to_tick(price)

    def _keys(self, name: str) -> str:
        return self._shortcuts[name].key().toString(QKeySequence.SequenceFormat.NativeText)

    def _clear(self) -> None:
        self.selected = None
        self.pending = 0
        self._pressed_at = None
        self._show()

    def _show(self) -> None:
        """Mark the selected row, show the pending move and name both in the footer."""
        pane, model = self._pane, self._pane.model
        order = self.order()
        if order is None:
            model.set_selected(None)
            if not pane.view.dragging:
                model.set_drag(None)
            pane.set_selection_text("")
            return
        tick, side = self._tick_of(order), order.intent.side
        model.set_selected((tick, side))
        if not pane.view.dragging:  # the mouse's drag shows its own preview
            model.set_drag(DragPreview(tick, tick + self.pending, side) if self.pending else None)
        intent = order.intent
        price = model.format_price(model.price_of_tick(tick))
        text = f"Selected {order.id}: {intent.side.value} {intent.quantity:,} "
        text += f"{intent.order_type.value} {price}"
        if self.pending:
            to = model.format_price(model.price_of_tick(tick + self.pending))
            moved = f"{self.pending:+d} tick{'s' if abs(self.pending) != 1 else ''}"
            text += f" → {to} ({moved}; Enter sends, Escape drops)"
        else:
            up, down = self._keys("ladder_order_up"), self._keys("ladder_order_down")
            text += f" · {up} / {down} move it"
        pane.set_selection_text(text)
