"""The watchlist pane: the instruments the trader follows, with live quotes, linked to the others.

Typing a symbol and Enter adds it (the broker validates it; an unknown symbol is shown at the
field); Delete removes the selected row. Selecting a row makes its instrument the active one
(chart, depth, ticket follow); the context menu and a double-click open tickets and price alerts.
The core saves the watchlist on every add and remove.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import Instrument, OrderSide, UnknownInstrument
from terminal.marketdata.staleness import Feed, FeedKind
from widgets import shortcuts
from widgets.feed_view import FeedWatch
from widgets.panes.base import Pane
from widgets.panes.watchlist_model import WatchlistModel, WatchRow
from widgets.resources import icon
from widgets.session import Session, TicketRequest
from widgets.style_props import set_invalid
from widgets.table_model import ROW_ROLE, FastTableView
from widgets.theme import Palette

#: Compare the shown rows with the core's watchlist on every Nth refresh (30 Hz / 15 = 2 Hz), so
#: instruments added or removed by other code (the smoke test, a script) show up too.
SYNC_EVERY_NTH_FLUSH = 15


class WatchlistPane(Pane):
    """The watchlist: Symbol, Pos (signed quantity held), Bid, Ask, Last, Change, % Change,
    Volume, live and sortable.

    Attributes:
        model: The rows (:class:`WatchlistModel`).
        view: The table.
        symbol: The add-symbol field (the pane's focus proxy).
        error: The message under the field when a symbol is refused.
    """

    pane_id = "watchlist"
    #: The busiest painter under a storm: a refresh phase of its own.
    refresh_phase = 0
    title = "Watchlist"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        app = session.app
        self.model = WatchlistModel(lambda: self.session.palette, app.clock.now, self)
        self.view = FastTableView(self.model, parent=self)
        self.view.bind_key(shortcuts.REMOVE_SYMBOL.keys, self.remove_selected)
        self.view.setObjectName("watchlist_table")
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        # A click on the row already selected changes no selection, but is a selection: the
        # ticket must come back to it from an option chosen in the chain.
        self.view.clicked.connect(self._on_row_clicked)

        self.symbol = QLineEdit(self)
        self.symbol.setObjectName("watchlist_symbol")
        self.symbol.setPlaceholderText("Add symbol…  (Enter)")
        self.symbol.setClearButtonEnabled(True)
        self.symbol.setMaxLength(40)
        self.symbol.setToolTip(f"Add a symbol to the watchlist ({shortcuts.FIND_SYMBOL.keys})")
        self.symbol.textEdited.connect(self._on_symbol_edited)
        self.symbol.returnPressed.connect(self.add_symbol)
        self.symbol.installEventFilter(self)
        self.add_button = QToolButton(self)
        self.add_button.setObjectName("watchlist_add")
        self.add_button.setIcon(icon("watchlist-add"))
        self.add_button.setToolTip("Add the symbol to the watchlist")
        self.add_button.clicked.connect(lambda _checked=False: self.add_symbol())
        self.error = QLabel(self)
        self.error.setObjectName("watchlist_symbol_error")
        self.error.setProperty("tone", "critical")
        self.error.setWordWrap(True)
        self.error.hide()

        entry = QHBoxLayout()
        entry.setContentsMargins(0, 0, 0, 0)
        entry.setSpacing(4)
        entry.addWidget(self.link_button())
        entry.addWidget(self.symbol, 1)
        entry.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(4)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.symbol)

        self._selecting = False  # True while the selection follows session.active
        #: Which rows' quote feeds are stale (greyed, with the age in the Volume cell).
        self.feeds = FeedWatch(app.market.feeds, app.clock.now, session.refresh)
        self.subscribe(app.market.feeds.feeds_changed, self.feeds.on_changed)
        self.subscribe(app.market.quotes_updated, self.model.on_quotes)
        self.subscribe(app.portfolio.positions_changed, self.model.on_positions)
        self.register_flush(self._flush)
        self.subscribe(session.started, self._on_started)
        self.follow_link(self._on_active_changed)
        self.subscribe(session.theme_changed, self._on_theme)
        if app.watchlist:  # the core started before this pane was built
            self.sync()

    # -- rows --------------------------------------------------------------------------------
    def sync(self) -> None:
        """Show exactly the core's watchlist (new rows are filled from the last quotes)."""
        app = self.session.app
        if set(self.model.keys()) == {i.key for i in app.watchlist}:
            return
        if self.model.sync(app.watchlist, app.market.last_quote, app.portfolio.position):
            keys = self.model.keys()
            self.feeds.watch(Feed(FeedKind.QUOTES, key) for key in keys)
            self._select_active()

    def _on_started(self, _report: object) -> None:
        self.sync()

    def _flush(self) -> None:
        if self.session.refresh.flush_count % SYNC_EVERY_NTH_FLUSH == 0:
            self.sync()
        if self.feeds.due():
            self.model.show_feeds(lambda key: self.feeds.status(Feed(FeedKind.QUOTES, key)))
        self.model.flush()

    # -- active instrument -------------------------------------------------------------------
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._selecting:
            return
        row = self.view.selected_row()
        if isinstance(row, WatchRow):
            self.select_instrument(row.instrument)

    def _on_row_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, WatchRow):
            self.select_instrument(row.instrument)

    def _on_active_changed(self, _instrument: Instrument) -> None:
        self._select_active()

    def _on_theme(self, _palette: Palette) -> None:
        self.model.mark_all_dirty()

    def _select_active(self) -> None:
        """Select the active instrument's row (or nothing) without echoing it back."""
        active = self.linked_instrument  # its link group's (or its own, unlinked)
        self._selecting = True
        try:
            if active is not None and active.key in self.model:
                self.view.select_key(active.key)
                current = self.view.currentIndex()
                if current.isValid():
                    self.view.scrollTo(current)
            else:
                self.view.clearSelection()
        finally:
            self._selecting = False

    # -- adding ------------------------------------------------------------------------------
    def _on_symbol_edited(self, text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = self.symbol.cursorPosition()
            self.symbol.setText(upper)
            self.symbol.setCursorPosition(position)
        self.clear_symbol_error()

    def add_symbol(self, text: str | None = None) -> asyncio.Task[Any] | None:
        """Add ``text`` (default: the field's text) to the watchlist through the broker.

        Returns the running task, or None when there is nothing to add.
        """
        symbol = (self.symbol.text() if text is None else text).strip().upper()
        if not symbol:
            return None
        self.clear_symbol_error()
        app = self.session.app

        async def add() -> Instrument | None:
            try:
                return await app.add_to_watchlist(symbol)
            except UnknownInstrument as exc:
                self._symbol_refused(symbol, str(exc))
                return None

        return self.run(add(), f"add {symbol}", on_done=self._symbol_added)

    def _symbol_added(self, instrument: Instrument | None) -> None:
        # Called by Session.run only while the pane is alive.
        if instrument is None:
            return
        if self.symbol.text().strip().upper() in (instrument.symbol, instrument.key):
            self.symbol.clear()
        self.sync()
        self.select_instrument(instrument)
        self.session.message.emit(f"{instrument.key} is on the watchlist")

    def _symbol_refused(self, symbol: str, reason: str) -> None:
        if not self.alive:
            return
        message = f"{symbol}: {reason}" if symbol not in reason else reason
        self.show_symbol_error(message)
        self.session.message.emit(f"add {symbol}: {reason}")

    def show_symbol_error(self, message: str) -> None:
        """Mark the symbol field invalid and show ``message`` under it."""
        self.error.setText(message)
        self.error.show()
        self.symbol.setToolTip(message)
        self._set_invalid(True)

    def clear_symbol_error(self) -> None:
        if self.symbol.property("invalid"):
            self._set_invalid(False)
            self.symbol.setToolTip(f"Add a symbol to the watchlist ({shortcuts.FIND_SYMBOL.keys})")
        self.error.hide()

    def _set_invalid(self, invalid: bool) -> None:
        set_invalid(self.symbol, invalid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.symbol and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                self.symbol.clear()
                self.clear_symbol_error()
                return True
            if event.key() == Qt.Key.Key_Down and len(self.model):
                self.view.setFocus(Qt.FocusReason.TabFocusReason)
                if not self.view.selectionModel().hasSelection():
                    self.view.selectRow(0)
                return True
        return super().eventFilter(watched, event)

    # -- removing ----------------------------------------------------------------------------
    def remove_selected(self) -> asyncio.Task[Any] | None:
        """Remove the selected instrument from the watchlist (the core unsubscribes and saves)."""
        row = self.view.selected_row()
        if not isinstance(row, WatchRow):
            return None
        return self.remove(row.key)

    def remove(self, key: str) -> asyncio.Task[Any]:
        """Remove ``key`` from the watchlist; the row at the same place is selected after."""
        view_row = self.view.currentIndex().row()

        def removed(_result: object) -> None:  # only while the pane is alive (Session.run)
            self.sync()
            count = self.view.model().rowCount()
            if count and view_row >= 0:
                self.view.selectRow(min(view_row, count - 1))
            self.session.message.emit(f"{key} removed from the watchlist")

        return self.run(
            self.session.app.remove_from_watchlist(key), f"remove {key}", on_done=removed
        )

    # -- tickets, alerts, menu ---------------------------------------------------------------
    def request_ticket(self, side: OrderSide, row: WatchRow | None = None) -> None:
        """Open the order ticket for ``row`` (default: the selected row) on ``side``."""
        row = row or self.view.selected_row()
        if isinstance(row, WatchRow):
            self.session.request_ticket(TicketRequest(row.instrument, side=side))

    def request_price_alert(self, row: WatchRow | None = None) -> None:
        """Ask for a price alert on ``row`` (default: the selected row) near its last price."""
        row = row or self.view.selected_row()
        if isinstance(row, WatchRow):
            self.session.request_price_alert(row.instrument, row.reference_price)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, WatchRow):
            self.request_ticket(OrderSide.BUY, row)

    def context_menu(self, row: WatchRow | None) -> QMenu:
        """The context menu for ``row`` (None: the empty area below the rows)."""
        menu = QMenu(self)
        menu.setObjectName("watchlist_menu")
        if row is not None:
            actions = (
                ("watchlist_buy", "Buy…", lambda: self.request_ticket(OrderSide.BUY, row)),
                ("watchlist_sell", "Sell…", lambda: self.request_ticket(OrderSide.SELL, row)),
                ("watchlist_alert", "Create price alert…", lambda: self.request_price_alert(row)),
            )
            for name, text, slot in actions:
                action = menu.addAction(text)
                action.setObjectName(name)
                action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addSeparator()
            remove = menu.addAction(icon("watchlist-remove"), f"Remove {row.key}")
            remove.setObjectName("watchlist_remove")
            remove.setShortcut(QKeySequence(shortcuts.REMOVE_SYMBOL.keys))
            remove.triggered.connect(lambda _checked=False: self.remove(row.key))
        add = menu.addAction(icon("watchlist-add"), "Add symbol…")
        add.setObjectName("watchlist_add_symbol")
        add.triggered.connect(lambda _checked=False: self.symbol.setFocus())
        return menu

    def _on_context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        row = index.data(ROW_ROLE) if index.isValid() else None
        if isinstance(row, WatchRow):
            self.view.selectRow(index.row())
        menu = self.context_menu(row if isinstance(row, WatchRow) else None)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(position))
