"""Depth ladder pane: the active instrument's book on a price ladder, click-trading to the queue.

The ladder follows the session's active instrument: it subscribes that instrument's depth (and
quotes, for the last trade) and drops the previous one. Book updates, last trades and the
trader's working orders are recorded by the event handlers and published by the window's
refresh clock (:meth:`DepthLadderPane.flush`), never per tick.

A click on the buy side (My buys, Bid, Cum. bid) stages a BUY LIMIT at the row's price, on the
sell side (Cum. ask, Ask, My sells) a SELL LIMIT. Shift+click stages a STOP, whose side follows
the price as in TWS BookTrader and every DOM: above the market a BUY STOP, below it a SELL STOP
(a stop on the other side would trigger at once); at the market no stop is staged.
Staging puts the order in the approval queue: nothing reaches the broker until a human approves.

The trader's working orders show in My buys / My sells at their price (remaining quantity, and
how many when several). Dragging them to another row modifies them to that price through the
order manager (:func:`~widgets.panes.chart_orders.modify_dropped_order`, as the chart's order
lines do; a stop dragged to the wrong side of the market is refused here, as a Shift+click
there is); Escape cancels the drag, and orders whose cancel is requested do not move. A click
on × cancels the working orders at that price. Volume today is the size printed at each price
since the day started (the tape's prints); P/L open is the position's P/L were the market at
that row's price.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import (
    DepthBook,
    DomainError,
    Instrument,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    Quote,
    VerdictLevel,
)
from terminal.marketdata.staleness import Feed, FeedKind
from terminal.marketdata.tape import Print
from terminal.presets.model import OrderPreset
from terminal.presets.orders import stage_preset_order
from widgets import shortcuts
from widgets.cell_paint import CellTableView
from widgets.chart.labels import draggable_field
from widgets.feed_view import FeedWatch, age_text
from widgets.keymap import Keymap
from widgets.opaque import LiveLabel
from widgets.panes.base import Pane
from widgets.panes.chart_orders import modify_dropped_order
from widgets.panes.depth_columns import (
    OPTIONAL_COLUMNS,
    ORDER_COLUMNS,
    WIDTH_SAMPLES,
    LadderColumn,
    order_price,
)
from widgets.panes.depth_keys import LadderOrderKeys
from widgets.panes.depth_model import HALF_ROWS, DragPreview, LadderModel
from widgets.panes.depth_presets import LadderPresets
from widgets.resources import icon
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.theme import Palette

MAX_QUANTITY = 1_000_000
#: Auto-centre keeps the market out of the outer 1/N of the visible rows at each end.
AUTO_CENTRE_BAND = 4
HINT = (
    "Click bid side: buy limit · ask side: sell limit · "
    "Shift+Click above the market: buy stop, below it: sell stop · "
    "drag your order to move it · × cancels"
)
#: The hint's tooltip: the keyboard's way to move an order (the defaults; F1 shows the keys).
HINT_KEYS = (
    "Keyboard: Ctrl+Right / Ctrl+Left select your next / previous working order, "
    "Ctrl+Up / Ctrl+Down move it a tick (Ctrl+PgUp / Ctrl+PgDown ten), Enter sends the move "
    "(it is also sent once the keys rest), Escape drops it"
)


class LadderView(CellTableView):
    """The ladder table: fixed sizes, no selection, one signal per click with its modifiers.

    A press on the trader's own movable orders (My buys / My sells) starts a drag instead: the
    click is reported on release if the mouse stayed on the row, else the drop. Prices are held
    as ticks, so a re-centre during the drag does not change what was picked up.

    Signals:
        cell_clicked(int, int, Qt.KeyboardModifier): row, column and the modifiers held.
        order_dropped(int, int, int): source tick, target tick and the column dragged.
    """

    cell_clicked = Signal(int, int, object)
    order_dropped = Signal(int, int, int)

    def __init__(self, model: LadderModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self._model = model
        #: The drag under way: (source tick, column, modifiers at the press).
        self._drag: tuple[int, LadderColumn, Qt.KeyboardModifier] | None = None
        #: The pane's keys (Enter, Escape of the keyboard move): True when it took the key.
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self.setMouseTracking(False)
        self.setObjectName("depth_ladder")
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.setShowGrid(True)
        self.setCornerButtonEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 5)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSectionsClickable(False)
        metrics = self.fontMetrics()
        self._widths = {
            column: metrics.horizontalAdvance(WIDTH_SAMPLES[column]) + 12 for column in LadderColumn
        }
        for column, width in self._widths.items():
            self.setColumnWidth(column, width)

    def total_width(self, columns: Iterable[LadderColumn] = tuple(LadderColumn)) -> int:
        """The width that shows ``columns`` (all by default) without a horizontal scroll bar."""
        shown = sum(self._widths[c] for c in columns)
        return shown + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth() + 2

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.total_width(), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Too narrow for every column: drop the optional ones, group by group, before scrolling
        # sideways.
        width = event.size().width()
        shown = list(LadderColumn)
        hidden: set[LadderColumn] = set()
        for group in OPTIONAL_COLUMNS:
            if width >= self.total_width(shown):
                break
            hidden.update(group)
            shown = [c for c in shown if c not in group]
        for group in OPTIONAL_COLUMNS:
            for column in group:
                if self.isColumnHidden(column) != (column in hidden):
                    self.setColumnHidden(column, column in hidden)
        super().resizeEvent(event)

    def visible_rows(self) -> tuple[int, int] | None:
        """The first and last row fully or partly on screen, or None when not laid out."""
        rows = self.model().rowCount()
        if rows == 0 or not self.isVisible():
            return None
        first = self.rowAt(0)
        if first < 0:
            return None
        last = self.rowAt(self.viewport().height() - 1)
        return first, (rows - 1 if last < 0 else last)

    @property
    def dragging(self) -> bool:
        """Whether an own order is being dragged."""
        return self._drag is not None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            index = self.indexAt(event.position().toPoint())
            if index.isValid():
                self.setFocus(Qt.FocusReason.MouseFocusReason)
                column = LadderColumn(index.column())
                model = self._model
                side = column.side
                if column in ORDER_COLUMNS and side is not None and model.centre is not None:
                    tick = model.tick_of_row(index.row())
                    own = model.own_orders(tick, side)
                    if own is not None and own.movable:
                        self._drag = (tick, column, event.modifiers())
                        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
                        event.accept()
                        return
                self.cell_clicked.emit(index.row(), index.column(), event.modifiers())
                event.accept()
                return
        super().mousePressEvent(event)

    def _target(self, event: QMouseEvent) -> int | None:
        index = self.indexAt(event.position().toPoint())
        if not index.isValid() or self._model.centre is None:
            return None
        return self._model.tick_of_row(index.row())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            super().mouseMoveEvent(event)
            return
        source, column, _ = self._drag
        target = self._target(event)
        side = column.side
        assert side is not None
        self._model.set_drag(DragPreview(source, target if target is not None else source, side))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or event.button() is not Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        source, column, modifiers = self._drag
        self._end_drag()
        event.accept()
        target = self._target(event)
        if target is None:
            return  # dropped off the ladder: nothing happens
        if target == source:
            row = self._model.row_of_tick(source)
            if row is not None:  # a click on the orders' row: stage as on any other cell
                self.cell_clicked.emit(row, int(column), modifiers)
            return
        self.order_dropped.emit(source, target, int(column))

    def cancel_drag(self) -> bool:
        """Put a dragged order back (Escape); return whether a drag was under way."""
        if self._drag is None:
            return False
        self._end_drag()
        return True

    def _end_drag(self) -> None:
        self._drag = None
        self._model.set_drag(None)
        self.viewport().unsetCursor()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.cancel_drag():
            event.accept()
            return
        handler = self.key_handler
        if handler is not None and handler(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        # The first press of a double click already staged the order: stage once, not twice.
        event.accept()


class DepthLadderPane(Pane):
    """Price ladder of the active instrument with click-trading into the approval queue.

    Public:
        show_instrument(instrument): follow ``instrument`` (the session's active_changed).
        recentre(): put the market in the middle (Re-centre button, Space, F4 anywhere).
        locked: the Lock button is down: prices hold still (no auto-centre).
        stage_at(price, side, stop=False): stage a limit (or stop) order at ``price``.
        flush(): publish recorded changes (the refresh clock calls it).
    """

    pane_id = "depth"
    title = "Depth ladder"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.model = LadderModel(session.palette, self, session.app.settings.risk.market_timezone)
        self.view = LadderView(self.model, self)
        self.view.cell_clicked.connect(self._on_cell_clicked)
        self.view.order_dropped.connect(self._on_order_dropped)
        self._instrument: Instrument | None = None
        self._subscribed: Instrument | None = None
        self._lock: asyncio.Lock | None = None
        self._orders_dirty = False
        self._position_dirty = False
        #: The tape is subscribed: count the volume at price again from its prints.
        self._seed_volume = False
        self._label_state: tuple[str, str] = ("", "")

        self.symbol_label = QLabel("No instrument")
        self.symbol_label.setObjectName("depth_symbol")
        self.symbol_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.market_label = LiveLabel("")
        self.market_label.setProperty("tone", "muted")
        self.market_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        #: "Book stale 42 s" while the depth (or quote) feed is quiet; hidden otherwise.
        self.feed_label = QLabel("")
        self.feed_label.setObjectName("depth_feed")
        set_tone(self.feed_label, "stale")
        self.feed_label.hide()
        self.feeds = FeedWatch(session.app.market.feeds, session.app.clock.now, session.refresh)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("depth_quantity")
        self.quantity.setRange(1, MAX_QUANTITY)
        self.quantity.setGroupSeparatorShown(True)
        self.quantity.setAccelerated(True)
        self.quantity.setToolTip("Quantity staged by a click on the ladder")
        self._set_default_quantity(None)
        # Enter in the quantity hands the keyboard back to the ladder (Space re-centres there).
        self.quantity.lineEdit().returnPressed.connect(self.view.setFocus)
        self.presets = LadderPresets(session, self.quantity, self)
        self.recentre_button = QPushButton(icon("depth-recentre"), "Re-centre")
        self.recentre_button.setObjectName("depth_recentre")
        self.recentre_button.setToolTip(
            f"Re-centre the ladder on the market ({shortcuts.RECENTRE.keys} here, "
            f"{shortcuts.RECENTRE_LADDER.keys} anywhere)"
        )
        self.recentre_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.recentre_button.clicked.connect(self.recentre)
        self.lock_button = QToolButton()
        self.lock_button.setObjectName("depth_lock")
        self.lock_button.setIcon(icon("depth-lock"))
        self.lock_button.setText("Lock")
        self.lock_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lock_button.setCheckable(True)
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space stays the ladder's
        self.lock_button.setToolTip(
            "Lock the prices where they are: no auto-centre until unlocked (re-centre by hand "
            f"with {shortcuts.RECENTRE.keys} or {shortcuts.RECENTRE_LADDER.keys})"
        )
        self.lock_button.toggled.connect(self._on_lock_toggled)
        self.hint = QLabel(HINT)
        self.hint.setObjectName("depth_hint")
        self.hint.setProperty("tone", "muted")
        self.hint.setWordWrap(True)
        self.hint.setToolTip(HINT_KEYS)
        #: The order the keyboard selected and its pending move (hidden when none).
        self.selection_label = QLabel("")
        self.selection_label.setObjectName("depth_selection")
        self.selection_label.setWordWrap(True)
        self.selection_label.hide()

        top = QHBoxLayout()
        top.addWidget(self.link_button())
        top.addWidget(self.symbol_label)
        top.addWidget(self.feed_label)
        top.addWidget(self.market_label, 1)
        controls = QHBoxLayout()
        quantity_label = QLabel("&Qty")
        quantity_label.setBuddy(self.quantity)
        controls.addWidget(quantity_label)
        controls.addWidget(self.quantity)
        controls.addStretch(1)
        controls.addWidget(self.lock_button)
        controls.addWidget(self.recentre_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addLayout(self.presets.row())
        layout.addWidget(self.presets.note)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.selection_label)
        layout.addWidget(self.hint)
        self.setFocusProxy(self.view)

        recentre = QShortcut(QKeySequence(shortcuts.RECENTRE.keys), self)
        recentre.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        recentre.activated.connect(self.recentre)
        self.order_keys = LadderOrderKeys(self)
        self.order_keys.apply_keymap(Keymap.from_settings(session.app.settings.keymap)[0])
        self.view.key_handler = self._on_key

        market = session.app.market
        self.subscribe(market.depth_updated, self._on_depth)
        self.subscribe(market.feeds.feeds_changed, self.feeds.on_changed)
        self.subscribe(market.quotes_updated, self._on_quotes)
        self.subscribe(session.app.orders.order_updated, self._on_order)
        self.subscribe(market.prints_updated, self._on_prints)
        self.subscribe(session.app.portfolio.positions_changed, self._on_positions)
        self.subscribe(session.theme_changed, self._on_theme)
        self.subscribe(session.settings_applied, self._on_settings_applied)
        self.register_flush(self.flush)
        self.follow_link(self.show_instrument)

    # -- following the active instrument ----------------------------------------------------
    @property
    def instrument(self) -> Instrument | None:
        return self._instrument

    @property
    def subscribed(self) -> Instrument | None:
        """The instrument whose depth this pane holds a subscription to."""
        return self._subscribed

    def show_instrument(self, instrument: Instrument) -> None:
        """Show ``instrument``'s book: subscribe its depth and drop the previous one."""
        if self._instrument is not None and self._instrument.key == instrument.key:
            return
        self._instrument = instrument
        self.model.reset(instrument, self.session.app.clock.now())
        self._label_state = ("", "")
        self.symbol_label.setText(instrument.key)
        self.market_label.setText("waiting for the book…")
        self._set_default_quantity(instrument)
        self.presets.show_for(instrument)  # its default preset sets the quantity
        self.feeds.watch(
            (Feed(FeedKind.DEPTH, instrument.key), Feed(FeedKind.QUOTES, instrument.key))
        )
        market = self.session.app.market
        book = market.last_depth(instrument.key)
        if book is not None:
            self.model.set_book(book)
        quote = market.last_quote(instrument.key)
        if quote is not None:
            self.model.set_last(quote.last)
        self._orders_dirty = True
        self._position_dirty = True
        self.run(self._resubscribe(), f"depth ladder {instrument.key}")

    async def _resubscribe(self) -> None:
        """Move the subscriptions to the instrument shown now (serialised: quick switches).

        Off screen (a hidden or closed dock, a tab behind another) the ladder holds none: IB
        gives an account three depth streams, so a ladder nobody sees must not keep one.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        market = self.session.app.market
        async with self._lock:
            current = self._subscribed
            target = self._instrument if self.on_screen else None
            if current is not None and (target is None or current.key != target.key):
                self._subscribed = None
                await market.unsubscribe_tape(current)
                await market.unsubscribe_depth(current)
                await market.unsubscribe(current)
            if target is None or self._subscribed is not None:
                return
            await market.subscribe(target)
            try:
                await market.subscribe_depth(target)
                try:
                    await market.subscribe_tape(target)  # the prints of the volume at price
                except BaseException:
                    await market.unsubscribe_depth(target)
                    raise
            except BaseException:
                await market.unsubscribe(target)
                raise
            self._subscribed = target
            self._seed_volume = True

    def _set_default_quantity(self, instrument: Instrument | None) -> None:
        ui = self.session.app.settings.ui
        is_option = instrument is not None and instrument.is_option
        default = ui.default_option_quantity if is_option else ui.default_stock_quantity
        value = max(1, min(MAX_QUANTITY, int(default)))
        self.quantity.setSingleStep(value if value > 1 else 1)
        self.quantity.setValue(value)

    def choose_preset(self, name: str) -> bool:
        """Choose the order preset ``name`` ("" for none) for the ladder's clicks; False when
        refused (it would be BLOCKED either way): the reason shows and is audited."""
        return self.presets.choose(name)

    def _on_settings_applied(self, _settings: object) -> None:
        self.presets.refresh()
        # The window reports keymap entries it set aside; the ladder only takes the keys.
        self.order_keys.apply_keymap(Keymap.from_settings(self.session.app.settings.keymap)[0])

    # -- core events (record only) ----------------------------------------------------------
    def _on_depth(self, book: DepthBook) -> None:
        if self._instrument is not None and book.key == self._instrument.key:
            self.model.set_book(book)

    def _on_quotes(self, quotes: dict[str, Quote]) -> None:
        if self._instrument is None:
            return
        quote = quotes.get(self._instrument.key)
        if quote is not None:
            self.model.set_last(quote.last)

    def _on_order(self, order: Order) -> None:
        if self._instrument is not None and order.key == self._instrument.key:
            self._orders_dirty = True

    def _on_prints(self, prints: Sequence[Print]) -> None:
        instrument = self._instrument
        if instrument is not None:
            self.model.add_prints(p for p in prints if p.key == instrument.key)

    def _on_positions(self, positions: Sequence[Position]) -> None:
        instrument = self._instrument
        if instrument is not None and any(p.key == instrument.key for p in positions):
            self._position_dirty = True

    def _on_theme(self, palette: Palette) -> None:
        self.model.set_palette(palette)

    # -- publishing (refresh clock) ---------------------------------------------------------
    def flush(self) -> None:
        """Publish the recorded book, last trade and orders; re-centre if the market left."""
        instrument = self._instrument
        if instrument is None:
            return
        if self.feeds.due():
            self._show_feeds()
        market, now = self.session.app.market, self.session.app.clock.now()
        self.model.roll_day(now)
        if self._seed_volume:
            self._seed_volume = False
            tape = market.tape(instrument.key)
            if tape is not None:
                self.model.seed_prints(reversed(tape.newest()), now)
        if self._position_dirty:
            self._position_dirty = False
            self.model.set_position(self.session.app.portfolio.position(instrument.key))
        if self._orders_dirty:
            self._orders_dirty = False
            self.model.set_orders(
                o for o in self.session.app.orders.working_orders() if o.key == instrument.key
            )
        self.order_keys.on_flush()
        if not self.model.has_pending:
            return
        first = self.model.centre is None
        self.model.flush()
        if first and self.model.centre is not None:
            self._scroll_to_centre()
        else:
            self._follow_market()
        self._update_labels()

    @property
    def locked(self) -> bool:
        return self.lock_button.isChecked()

    def _on_lock_toggled(self, locked: bool) -> None:
        if not locked:
            self._follow_market()  # unlocked: catch up with the market at once

    def _show_feeds(self) -> None:
        """Grey the book and say for how long it has been quiet (or clear both)."""
        stale = self.feeds.stale()
        self.model.set_stale(bool(stale))
        if not stale:
            self.feed_label.hide()
            return
        worst = stale[0]
        what = "Book" if worst.feed.kind is FeedKind.DEPTH else "Quotes"
        self.feed_label.setText(f"{what} {age_text(worst.age)}")
        self.feed_label.setToolTip(
            "\n".join(f"{s.feed}: {s.reason}" for s in stale)
            + "\nPrices shown may be out of date; the market data is renewed when it comes back."
        )
        self.feed_label.show()

    def _follow_market(self) -> None:
        """Auto-centre (unless locked): keep the market in the middle half of the visible rows.

        Small moves leave the prices where they are, so a price does not jump under the mouse
        with every tick; once the market drifts out of the middle half (or the touch out of
        view) the ladder re-centres on it.
        """
        if self.locked or self.view.dragging:  # prices hold still under a dragged order
            return
        model = self.model
        market = model.market_tick
        if market is None or model.centre is None:
            return
        touch = [t for t in (model.best_bid, model.best_ask) if t is not None] or [market]
        rows = [model.row_of_tick(t) for t in (*touch, market)]
        if any(r is None for r in rows):
            self.recentre()
            return
        visible = self.view.visible_rows()
        if visible is None:
            return
        first, last = visible
        margin = (last - first + 1) // AUTO_CENTRE_BAND
        market_row = rows[-1]
        assert market_row is not None
        away = not first + margin <= market_row <= last - margin
        if away or any(r is not None and not first <= r <= last for r in rows):
            self.recentre()

    def recentre(self) -> None:
        """Put the market (the mid of the touch) in the middle of the ladder."""
        market = self.model.market_tick
        if market is None:
            return
        self.model.centre_on(market)
        self._scroll_to_centre()

    def _scroll_to_centre(self) -> None:
        if self.model.rowCount() == 0:
            return
        # Lay the rows out first: right after the model's first reset the scroll bar's range is
        # still empty and scrollTo() would clamp to the top.
        self.view.doItemsLayout()
        index = self.model.index(HALF_ROWS, LadderColumn.PRICE)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _update_labels(self) -> None:
        model = self.model
        parts = []
        if model.last is not None:
            parts.append(f"Last {model.format_price(model.price_of_tick(model.last))}")
        if model.best_bid is not None and model.best_ask is not None:
            ticks = model.best_ask - model.best_bid
            spread = model.format_price(model.price_of_tick(ticks))
            parts.append(f"Spread {spread} ({ticks} tick{'s' if ticks != 1 else ''})")
        text = "  ·  ".join(parts)
        if text != self.market_label.text():
            self.market_label.setText(text)

    # -- click trading ---------------------------------------------------------------------
    def _on_cell_clicked(self, row: int, column: int, modifiers: Qt.KeyboardModifier) -> None:
        if self.model.centre is None:
            return
        if column == LadderColumn.CANCEL:
            self.cancel_at(self.model.price_of_row(row))
            return
        side = LadderColumn(column).side
        if side is None:
            return
        price = self.model.price_of_row(row)
        own = self.model.own_orders(self.model.tick_of_row(row), side)
        if column in ORDER_COLUMNS and own is not None and not own.movable:
            # Pressed to drag an order whose cancel is under way: it stays, nothing is staged.
            shown = self.model.format_price(price)
            self.session.message.emit(
                f"Your {side.value} order at {shown} is being cancelled: it cannot move"
            )
            return
        if not modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.stage_at(price, side)
            return
        # A stop's side is where its price is, whichever column was clicked: a sell stop above
        # the market (or a buy stop below it) would trigger at once.
        stop_side = self.model.stop_side(self.model.tick_of_row(row))
        if stop_side is None:
            self._refuse_stop_at_market(price)
            return
        self.stage_at(price, stop_side, stop=True)

    def _refuse_stop_at_market(self, price: Decimal) -> None:
        model, instrument = self.model, self._instrument
        if instrument is None:
            return
        bid, ask = (
            "—" if tick is None else model.format_price(model.price_of_tick(tick))
            for tick in (model.best_bid, model.best_ask)
        )
        reason = (
            f"a stop at {model.format_price(price)} is at the market (bid {bid}, ask {ask}) and "
            "would trigger at once: Shift+Click above the ask for a buy stop, below the bid for "
            "a sell stop"
        )
        self.session.app.audit.record(
            "stage_refused",
            instrument.key,
            {"reason": reason, "input": {"order_type": "STP", "stop_price": str(price)}},
        )
        self.session.fail(f"ladder STP {instrument.key}", reason)

    def stage_at(self, price: Decimal, side: OrderSide, *, stop: bool = False) -> Order | None:
        """Stage a ``side`` LIMIT (or STOP) at ``price`` for the approval queue.

        Returns the staged order, or None when the core refused it (the reason is shown in the
        status bar and raised as a warning alert).
        """
        instrument = self._instrument
        if instrument is None:
            self.session.message.emit("choose an instrument in the watchlist first")
            return None
        quantity = Decimal(self.quantity.value())
        order_type = OrderType.STOP if stop else OrderType.LIMIT
        price_field = "stop_price" if stop else "limit_price"
        shown = self.model.format_price(price)
        what = f"ladder {side.value} {order_type.value} {instrument.key} @ {shown}"
        preset = self.presets.current
        try:
            if preset is not None:
                order = self._stage_preset(preset, price, side, stop=stop)
            else:
                order = self.session.app.orders.stage_input(
                    instrument,
                    side=side,
                    quantity=quantity,
                    order_type=order_type,
                    source="ladder",
                    **{price_field: price},
                )
        except DomainError as exc:
            self.session.fail(what, exc)
            return None
        bracket = f" + bracket ({preset.name})" if preset is not None and preset.has_bracket else ""
        summary = f"Staged {side.value} {quantity:,} {order_type.value} {shown}{bracket}"
        verdict = order.verdict
        if verdict is not None and verdict.level is VerdictLevel.BLOCK:
            self.session.message.emit(
                f"{summary} — {verdict.summary} (cannot be approved; reject it in the queue)"
            )
        elif verdict is not None and verdict.level is VerdictLevel.WARN:
            self.session.message.emit(f"{summary} — awaiting approval ({verdict.summary})")
        else:
            self.session.message.emit(f"{summary} — awaiting approval")
        return order

    def _stage_preset(
        self, preset: OrderPreset, price: Decimal, side: OrderSide, *, stop: bool
    ) -> Order:
        """Stage ``preset`` at ``price``; a leg that cannot be built is audited here (the core
        audits its own refusals)."""
        try:
            legs = self.presets.legs(preset, price, side, stop=stop)
        except DomainError as exc:
            key = self._instrument.key if self._instrument is not None else ""
            self.session.app.audit.record(
                "stage_refused",
                key,
                {
                    "reason": str(exc),
                    "by": "ladder",
                    "preset": preset.name,
                    "input": {"side": side.value, "price": str(price), "stop": stop},
                },
            )
            raise
        return stage_preset_order(self.session.app.orders, legs)

    # -- own orders: cancel and drag ----------------------------------------------------------
    def orders_at(self, price: Decimal, side: OrderSide | None = None) -> list[Order]:
        """The instrument's working orders at ``price`` (of ``side`` when given), as the order
        manager knows them now."""
        instrument = self._instrument
        if instrument is None:
            return []
        tick = self.model.to_tick(price)
        result = []
        for order in self.session.app.orders.working_orders():
            at = order_price(order)
            if order.key != instrument.key or at is None or self.model.to_tick(at) != tick:
                continue
            if side is None or order.intent.side is side:
                result.append(order)
        return result

    def cancel_at(self, price: Decimal) -> list[asyncio.Task[Any]]:
        """Cancel the working orders at ``price`` (the × column); return the cancels sent.

        No question is asked: a cancel only takes risk off, and only cancel-all (which removes
        protective orders wholesale) has a confirmation in the settings.
        """
        shown = self.model.format_price(price)
        orders = [o for o in self.orders_at(price) if o.status is not OrderStatus.CANCEL_REQUESTED]
        if not orders:
            self.session.message.emit(f"No working orders at {shown} to cancel")
            return []
        ids = ", ".join(o.id for o in orders)
        self.session.message.emit(f"Cancel requested for {len(orders)} at {shown} ({ids})")
        return [
            self.session.run(
                self.session.app.orders.cancel(o.id, "cancelled by trader from the ladder"),
                f"cancel {o.id}",
            )
            for o in orders
        ]

    def _on_order_dropped(self, source: int, target: int, column: int) -> None:
        side = LadderColumn(column).side
        if side is None:
            return
        self.move_orders(self.model.price_of_tick(source), self.model.price_of_tick(target), side)

    def move_orders(
        self, source: Decimal, target: Decimal, side: OrderSide
    ) -> list[asyncio.Task[Any]]:
        """Modify ``side``'s working orders at ``source`` to ``target`` (a drop on the ladder).

        Each goes through :func:`modify_dropped_order`, the chart's path, to the order manager,
        measured against the book shown: a stop whose new price is on the wrong side of the
        market (it would trigger at once) is refused there, shown and audited, as staging one
        here is. Returns the modifies sent.
        """
        tasks = []
        for order in self.orders_at(source, side):
            task = self.move_order(order, target)
            if task is not None:
                tasks.append(task)
        return tasks

    def move_order(self, order: Order, target: Decimal) -> asyncio.Task[Any] | None:
        """Modify one working order to ``target`` through the shared path (None: not sent)."""
        instrument = self._instrument
        if instrument is None or draggable_field(order) is None:
            return None  # its cancel is requested, or a trailing stop: it stays
        model = self.model
        return modify_dropped_order(
            self.session,
            instrument,
            order.id,
            float(target),
            model.decimals,
            by="ladder",
            touch=model.touch(),
        )

    # -- own orders: the keyboard ---------------------------------------------------------------
    def _on_key(self, event: QKeyEvent) -> bool:
        """Enter sends the keyboard move now, Escape drops it (then the selection)."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if event.key() in (Qt.Key.Key_Enter, Qt.Key.Key_Return):
            return self.order_keys.send()
        if event.key() == Qt.Key.Key_Escape:
            return self.order_keys.escape()
        return False

    def reveal(self, tick: int) -> None:
        """Scroll ``tick`` into view (re-centring on it when it is off the ladder's rows)."""
        row = self.model.row_of_tick(tick)
        if row is None:
            self.model.centre_on(tick)
            row = self.model.row_of_tick(tick)
        if row is not None:
            self.view.scrollTo(self.model.index(row, LadderColumn.PRICE))

    def set_selection_text(self, text: str) -> None:
        """Name the selected order (and its pending move) under the ladder; hide when empty."""
        if text != self.selection_label.text():
            self.selection_label.setText(text)
        self.selection_label.setVisible(bool(text))

    def price_index(self, price: Decimal | float, column: LadderColumn) -> QModelIndex:
        """The model index of ``price`` in ``column`` (invalid when outside the ladder)."""
        row = self.model.row_of_price(price)
        return QModelIndex() if row is None else self.model.index(row, column)

    # -- Qt -----------------------------------------------------------------------------------
    def on_screen_changed(self, on_screen: bool) -> None:
        if self.session.closing:
            return
        instrument = self._instrument
        if instrument is not None:
            if on_screen:  # the book is subscribed again: start from its first snapshot
                self.model.reset(instrument, self.session.app.clock.now())
                self._orders_dirty = True
                self._position_dirty = True
            what = "resubscribe" if on_screen else "release"
            self.session.run(self._resubscribe(), f"depth ladder {what} {instrument.key}")
        if on_screen:
            # Centre once the view has its real height (a hidden dock tab comes back centred).
            QTimer.singleShot(0, self._recentre_if_alive)

    def _recentre_if_alive(self) -> None:
        if self.alive:
            self.recentre()
