"""The depth ladder's table model: one row per price tick, centred on the market.

The core reports whole books (``depth_updated``), the last trade (``quotes_updated``), the
prints (``prints_updated``), the trader's orders (``order_updated``) and position
(``positions_changed``). The pane's handlers only hand those to this model
(:meth:`LadderModel.set_book` and friends), which keeps them as *pending*. The window's refresh
clock calls :meth:`LadderModel.flush`: it recomputes the per-price sizes, cumulative sizes,
working orders and volume at price, and for each price whose state changed compares the row's
look (every cell as :meth:`LadderModel.cell` hands it to the painter: text, alignment, colours,
font) with the look it published last; it emits one ranged ``dataChanged`` per contiguous run of
rows whose look changed. A book update that moves one level therefore repaints that level's row
(and the cumulative sizes it shifts), not the span between the highest and the lowest change,
and a size change too small to show (or a book republished unchanged) repaints nothing: at
hundreds of book updates a second the ladder's paint cost follows what changed on screen.
Nothing is emitted per tick, and nothing is computed per paint: a cell's text is looked up, and
the P/L column's texts are computed once per position change (a position change repaints that
column only).

Prices are kept as integer ticks (``price / tick_size``), so a row is exact and maps back to a
``Decimal`` price on the instrument's tick. Columns and cell texts live in
:mod:`widgets.panes.depth_columns`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from terminal.domain import DepthBook, Instrument, Order, OrderSide, OrderStatus, Position
from terminal.domain.stop_side import stop_side
from terminal.marketdata.tape import Print
from terminal.marketdata.volume_at_price import VolumeAtPrice
from widgets import formatting
from widgets.cell_paint import Cell
from widgets.panes.depth_columns import (
    HEADER_TIPS,
    ORDER_COLUMNS,
    TITLES,
    LadderColumn,
    order_price,
    orders_text,
    pnl_text,
    size_text,
    tick_decimals,
)
from widgets.theme import Palette

AnyIndex = QModelIndex | QPersistentModelIndex

#: Rows above and below the centre price (the ladder scrolls within them).
HALF_ROWS = 100

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_COLUMNS = tuple(LadderColumn)
_CENTRED = frozenset((LadderColumn.PRICE, LadderColumn.CANCEL))
_LAST_COLUMN = len(LadderColumn) - 1


@dataclass(frozen=True, slots=True)
class OwnOrders:
    """The trader's working orders of one side at one price."""

    quantity: Decimal
    count: int
    #: Orders whose cancel is requested (they cannot be dragged any more).
    cancelling: int

    @property
    def movable(self) -> bool:
        return self.count > self.cancelling


@dataclass(frozen=True, slots=True)
class DragPreview:
    """An own order being dragged: from ``source`` to ``target`` (ticks) on ``side``."""

    source: int
    target: int
    side: OrderSide


class LadderModel(QAbstractTableModel):
    """Rows of prices (highest first) around a centre tick, with book sizes and own orders.

    The model is empty until an instrument is set and its first book is flushed; from then on it
    holds ``2 * HALF_ROWS + 1`` rows. :meth:`centre_on` moves the window; the rows keep their
    count so the view's scroll position stays meaningful.
    """

    def __init__(
        self, palette: Palette, parent: QObject | None = None, timezone: str = "America/New_York"
    ) -> None:
        super().__init__(parent)
        self._timezone = timezone
        self.instrument: Instrument | None = None
        self._tick = Decimal("0.01")
        self._tick_f = 0.01
        self._decimals = 2
        self._centre: int | None = None
        # What is shown (published at the last flush), keyed by price tick.
        self._bids: dict[int, float] = {}
        self._asks: dict[int, float] = {}
        self._cum_bids: dict[int, float] = {}
        self._cum_asks: dict[int, float] = {}
        self._my_buys: dict[int, OwnOrders] = {}
        self._my_sells: dict[int, OwnOrders] = {}
        self._volume: VolumeAtPrice | None = None
        self._position: Position | None = None
        self._pnl_texts: dict[int, tuple[str, int]] = {}  # tick -> (text, sign), filled lazily
        #: The look each row had when it was last published, by tick (see :meth:`_row_look`);
        #: a price without an entry repaints at its next change.
        self._published: dict[int, tuple[Cell, ...]] = {}
        self.drag: DragPreview | None = None
        #: The own order the keyboard selected: its tick and side (a stronger shade, "▶").
        self.selected: tuple[int, OrderSide] | None = None
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.last: int | None = None
        # What the handlers recorded since the last flush.
        self._pending_book: DepthBook | None = None
        self._pending_last: float | None = None
        self._pending_orders: list[Order] | None = None
        self._pending_prints: list[Print] = []
        self._pending_position: tuple[Position | None] | None = None
        #: perf_counter stamp of the newest book shown (tick-to-paint measurements).
        self.flushed_stamp = 0.0
        #: The book (or the quotes) stopped updating: sizes and prices are greyed.
        self.stale = False
        self._bold = QFont()
        self._bold.setBold(True)
        self.set_palette(palette)

    # -- configuration -------------------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        """Take the theme's colours (the caller repaints)."""
        self._palette = palette
        self._bid_brush = QBrush(palette.bid)
        self._ask_brush = QBrush(palette.ask)
        self._best_bid_brush = QBrush(_stronger(palette.bid))
        self._best_ask_brush = QBrush(_stronger(palette.ask))
        self._bid_text = QBrush(_opaque(palette.bid))
        self._ask_text = QBrush(_opaque(palette.ask))
        self._own_brush = QBrush(_with_alpha(palette.own_order, 45))
        self._selected_brush = QBrush(_with_alpha(palette.own_order, 120))
        self._own_text = QBrush(palette.own_order)
        self._last_brush = QBrush(_with_alpha(palette.text, 60))
        self._muted = QBrush(palette.muted)
        self._stale_brush = QBrush(_with_alpha(palette.muted, 40))
        self._gain_text = QBrush(palette.up)
        self._loss_text = QBrush(palette.down)
        self._volume_brush = QBrush(_with_alpha(palette.muted, 35))
        if self.rowCount():
            self._emit_all()

    def _emit_all(self) -> None:
        self._published.clear()
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, _LAST_COLUMN))

    def reset(self, instrument: Instrument | None, now: dt.datetime | None = None) -> None:
        """Show ``instrument`` (or nothing): forget every book, order, print and the centre.

        The volume at price counts from the day of ``now`` (nothing is counted without it).
        """
        self.beginResetModel()
        self.instrument = instrument
        if instrument is not None:
            self._tick = instrument.tick_size
            self._tick_f = float(instrument.tick_size)
            self._decimals = tick_decimals(instrument.tick_size)
        self._centre = None
        for table in (self._bids, self._asks, self._cum_bids, self._cum_asks):
            table.clear()
        self._my_buys.clear()
        self._my_sells.clear()
        self._volume = (
            VolumeAtPrice(self._tick, now, self._timezone)
            if instrument is not None and now is not None
            else None
        )
        self._position = None
        self._pnl_texts.clear()
        self._published.clear()
        self.drag = None
        self.selected = None
        self.best_bid = self.best_ask = self.last = None
        self._pending_book = None
        self._pending_last = None
        self._pending_orders = None
        self._pending_prints.clear()
        self._pending_position = None
        self.endResetModel()

    # -- recording (cheap: called from core event handlers) -------------------------------------
    def set_book(self, book: DepthBook) -> None:
        self._pending_book = book

    def set_last(self, price: float) -> None:
        self._pending_last = price

    def set_orders(self, orders: Iterable[Order]) -> None:
        """The instrument's working orders (all of them, replacing what was shown)."""
        self._pending_orders = list(orders)

    def add_prints(self, prints: Iterable[Print]) -> None:
        """Prints of the instrument (oldest first) for the volume at price."""
        self._pending_prints.extend(prints)

    def seed_prints(self, prints: Iterable[Print], now: dt.datetime) -> None:
        """Count the volume at price again from ``prints`` (the tape's, oldest first): they
        hold every print recorded so far, which are dropped."""
        if self.instrument is None:
            return
        old = self._volume
        self._volume = VolumeAtPrice(self._tick, now, self._timezone)
        changed: set[int] = set()
        self._volume.add(prints, changed)
        if old is not None:
            changed.update(old.ticks())
        self._pending_prints.clear()
        self._emit_ticks(changed)

    def set_position(self, position: Position | None) -> None:
        """The position in the instrument (None or flat: no P/L column)."""
        self._pending_position = (position,)

    def roll_day(self, now: dt.datetime) -> bool:
        """Start the volume at price again if the day rolled by ``now`` (the refresh clock's
        time); returns whether it did."""
        changed: set[int] = set()
        if self._volume is None or not self._volume.roll(now, changed):
            return False
        self._emit_ticks(changed)
        return True

    @property
    def has_pending(self) -> bool:
        return (
            self._pending_book is not None
            or self._pending_last is not None
            or self._pending_orders is not None
            or bool(self._pending_prints)
            or self._pending_position is not None
        )

    # -- ticks, rows and prices ---------------------------------------------------------------
    def to_tick(self, price: float | Decimal) -> int:
        """The tick index of ``price`` (rounded to the nearest tick)."""
        if isinstance(price, Decimal):
            return int((price / self._tick).to_integral_value())
        return round(price / self._tick_f)

    def price_of_tick(self, tick: int) -> Decimal:
        return Decimal(tick) * self._tick

    def row_of_tick(self, tick: int) -> int | None:
        """The row showing ``tick``, or None when it is outside the ladder's window."""
        if self._centre is None:
            return None
        row = self._centre + HALF_ROWS - tick
        return row if 0 <= row < self.rowCount() else None

    def row_of_price(self, price: float | Decimal) -> int | None:
        return self.row_of_tick(self.to_tick(price))

    def tick_of_row(self, row: int) -> int:
        assert self._centre is not None
        return self._centre + HALF_ROWS - row

    def price_of_row(self, row: int) -> Decimal:
        """The exact price (on the tick) shown in ``row``."""
        return self.price_of_tick(self.tick_of_row(row))

    def format_price(self, price: float | Decimal | None) -> str:
        return formatting.price(price, self._decimals)

    @property
    def decimals(self) -> int:
        """Decimals of the instrument's prices (its tick's)."""
        return self._decimals

    @property
    def centre(self) -> int | None:
        return self._centre

    @property
    def market_tick(self) -> int | None:
        """Where the market is: the mid of the touch, else one side, else the last trade."""
        if self.best_bid is not None and self.best_ask is not None:
            return (self.best_bid + self.best_ask) // 2
        for tick in (self.best_bid, self.best_ask, self.last):
            if tick is not None:
                return tick
        return None

    def stop_side(self, tick: int) -> OrderSide | None:
        """The side of a stop at ``tick`` against the book shown: BUY above the ask, SELL below
        the bid, None at the market (:func:`terminal.domain.stop_side.stop_side`)."""
        return stop_side(tick, self.best_bid, self.best_ask, self.last)

    def touch(self) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """The book's best bid, best ask and last trade as prices (None when unknown)."""
        return tuple(  # type: ignore[return-value]
            None if t is None else self.price_of_tick(t)
            for t in (self.best_bid, self.best_ask, self.last)
        )

    def bid_size(self, tick: int) -> float | None:
        return self._bids.get(tick)

    def ask_size(self, tick: int) -> float | None:
        return self._asks.get(tick)

    def cum_bid(self, tick: int) -> float | None:
        return self._cum_bids.get(tick)

    def cum_ask(self, tick: int) -> float | None:
        return self._cum_asks.get(tick)

    def my_buys(self, tick: int) -> Decimal | None:
        own = self._my_buys.get(tick)
        return None if own is None else own.quantity

    def my_sells(self, tick: int) -> Decimal | None:
        own = self._my_sells.get(tick)
        return None if own is None else own.quantity

    def own_orders(self, tick: int, side: OrderSide) -> OwnOrders | None:
        """The trader's working orders on ``side`` at ``tick`` as shown."""
        return (self._my_buys if side is OrderSide.BUY else self._my_sells).get(tick)

    def cancellable(self, tick: int) -> bool:
        """Whether the cancel column offers × at ``tick`` (an order not yet being cancelled)."""
        return any(
            own is not None and own.movable
            for own in (self._my_buys.get(tick), self._my_sells.get(tick))
        )

    def volume(self, tick: int) -> float | None:
        """The size printed at ``tick`` today (None when nothing printed there)."""
        return None if self._volume is None else self._volume.size(tick)

    @property
    def position(self) -> Position | None:
        """The open position shown in the P/L column (None when flat)."""
        return self._position

    def pnl(self, tick: int) -> Decimal | None:
        """The open position's P/L were the market at ``tick`` (None when flat)."""
        position = self._position
        if position is None:
            return None
        return position.unrealized_pnl(self.price_of_tick(tick))

    def set_drag(self, drag: DragPreview | None) -> None:
        """Show (or stop showing) an own order dragged to another row."""
        if drag == self.drag:
            return
        changed = {t for d in (self.drag, drag) if d is not None for t in (d.source, d.target)}
        self.drag = drag
        self._emit_ticks(changed)

    def set_selected(self, selected: tuple[int, OrderSide] | None) -> None:
        """Mark (or stop marking) the own order the keyboard selected, at its tick and side."""
        if selected == self.selected:
            return
        changed = {s[0] for s in (self.selected, selected) if s is not None}
        self.selected = selected
        self._emit_ticks(changed)

    def _emit_ticks(self, ticks: Iterable[int]) -> None:
        """Repaint the rows of ``ticks`` (outside a flush: a drag, a selection, the volume)."""
        rows = []
        for tick in ticks:
            self._published.pop(tick, None)  # repainted now with a look flush did not record
            row = self.row_of_tick(tick)
            if row is not None:
                rows.append(row)
        self._emit_rows(rows)

    def _emit_rows(self, rows: list[int]) -> None:
        """One ``dataChanged`` per contiguous run of ``rows`` (a view repaints each run's rect,
        not the span from the first to the last)."""
        rows.sort()
        start = end = -2
        for row in rows:
            if row == end + 1:
                end = row
                continue
            if start >= 0:
                self.dataChanged.emit(self.index(start, 0), self.index(end, _LAST_COLUMN))
            start = end = row
        if start >= 0:
            self.dataChanged.emit(self.index(start, 0), self.index(end, _LAST_COLUMN))

    def set_stale(self, stale: bool) -> None:
        """Grey the book (its feed went quiet) or colour it again; every row repaints."""
        if stale == self.stale:
            return
        self.stale = stale
        if self.rowCount():
            self._emit_all()

    # -- moving the window ------------------------------------------------------------------------
    def centre_on(self, tick: int) -> None:
        """Put ``tick`` in the middle row (every row changes: one signal)."""
        if self._centre is None:
            self.beginResetModel()
            self._centre = tick
            self.endResetModel()
            return
        if tick == self._centre:
            return
        self._centre = tick
        self._emit_all()

    # -- publishing ----------------------------------------------------------------------------
    def flush(self) -> bool:
        """Publish what the handlers recorded; return True when anything changed.

        The first book of an instrument centres the ladder on the market.
        """
        if not self.has_pending:
            return False
        changed: set[int] = set()
        book, self._pending_book = self._pending_book, None
        if book is not None:
            self._apply_book(book, changed)
        last, self._pending_last = self._pending_last, None
        if last is not None and not math.isnan(last) and last > 0:
            tick = self.to_tick(last)
            if tick != self.last:
                changed.update(t for t in (self.last, tick) if t is not None)
                self.last = tick
        orders, self._pending_orders = self._pending_orders, None
        if orders is not None:
            self._apply_orders(orders, changed)
        prints, self._pending_prints = self._pending_prints, []
        if prints and self._volume is not None:
            self._volume.add(prints, changed)
        position, self._pending_position = self._pending_position, None
        if position is not None:
            self._apply_position(position[0])
        if self._centre is None:
            market = self.market_tick
            if market is None:
                return False
            self.centre_on(market)
            return True
        rows = []
        published = self._published
        for tick in changed:
            row = self.row_of_tick(tick)
            if row is None:
                published.pop(tick, None)
                continue
            look = self._row_look(row)
            if published.get(tick) != look:
                published[tick] = look
                rows.append(row)
        if not rows:
            return bool(changed)
        self._emit_rows(rows)
        return True

    def _row_look(self, row: int) -> tuple[Cell, ...]:
        """What ``row`` shows: every cell as :meth:`cell` gives it to the painter (text,
        alignment, colours, font). The brushes and fonts are the model's own objects, so the
        comparison is mostly by identity."""
        assert self._centre is not None
        tick = self._centre + HALF_ROWS - row
        return tuple(self._cell_at(tick, which) for which in _COLUMNS)

    def _apply_book(self, book: DepthBook, changed: set[int]) -> None:
        bids: dict[int, float] = {}
        cum_bids: dict[int, float] = {}
        total = 0.0
        for level in book.bids:  # best (highest) first
            if level.size <= 0 or math.isnan(level.size):
                continue
            tick = self.to_tick(level.price)
            bids[tick] = bids.get(tick, 0.0) + level.size
            total += level.size
            cum_bids[tick] = total
        asks: dict[int, float] = {}
        cum_asks: dict[int, float] = {}
        total = 0.0
        for level in book.asks:  # best (lowest) first
            if level.size <= 0 or math.isnan(level.size):
                continue
            tick = self.to_tick(level.price)
            asks[tick] = asks.get(tick, 0.0) + level.size
            total += level.size
            cum_asks[tick] = total
        _diff(self._bids, bids, changed)
        _diff(self._asks, asks, changed)
        _diff(self._cum_bids, cum_bids, changed)
        _diff(self._cum_asks, cum_asks, changed)
        self._bids, self._asks = bids, asks
        self._cum_bids, self._cum_asks = cum_bids, cum_asks
        best_bid = max(bids) if bids else None
        best_ask = min(asks) if asks else None
        for old, new in ((self.best_bid, best_bid), (self.best_ask, best_ask)):
            if old != new:
                changed.update(t for t in (old, new) if t is not None)
        if (best_bid, best_ask) != (self.best_bid, self.best_ask):
            # Prices inside the spread are muted: those entering or leaving it change too.
            was, now = self._inside(self.best_bid, self.best_ask), self._inside(best_bid, best_ask)
            changed.update(set(was).symmetric_difference(now))
        self.best_bid, self.best_ask = best_bid, best_ask
        self.flushed_stamp = max(self.flushed_stamp, book.stamp)

    def _inside(self, bid: int | None, ask: int | None) -> range:
        """The ticks strictly inside the spread ``bid``–``ask`` that the ladder's rows hold."""
        if bid is None or ask is None or self._centre is None:
            return range(0)
        return range(max(bid + 1, self._centre - HALF_ROWS), min(ask, self._centre + HALF_ROWS + 1))

    def _apply_orders(self, orders: list[Order], changed: set[int]) -> None:
        buys: dict[int, OwnOrders] = {}
        sells: dict[int, OwnOrders] = {}
        for order in orders:
            price = order_price(order)
            if price is None or order.remaining <= 0:
                continue
            tick = self.to_tick(price)
            table = buys if order.intent.side is OrderSide.BUY else sells
            was = table.get(tick) or OwnOrders(Decimal(0), 0, 0)
            cancelling = int(order.status is OrderStatus.CANCEL_REQUESTED)
            table[tick] = OwnOrders(
                was.quantity + order.remaining, was.count + 1, was.cancelling + cancelling
            )
        _diff(self._my_buys, buys, changed)
        _diff(self._my_sells, sells, changed)
        self._my_buys, self._my_sells = buys, sells

    def _apply_position(self, position: Position | None) -> None:
        """A new position: the P/L column's texts are all new (repaint that column only)."""
        shown = None if position is None or position.is_flat else position
        if shown == self._position:
            return
        self._position = shown
        self._pnl_texts.clear()
        self._published.clear()  # every row's P/L text changed (repainted below)
        if self.rowCount():
            last = self.rowCount() - 1
            self.dataChanged.emit(
                self.index(0, LadderColumn.PNL), self.index(last, LadderColumn.PNL)
            )

    def _pnl_text(self, tick: int) -> tuple[str, int]:
        """The P/L cell of ``tick``: its text and sign, computed once per position."""
        cached = self._pnl_texts.get(tick)
        if cached is not None:
            return cached
        pnl = self.pnl(tick)
        result = ("", 0) if pnl is None else (pnl_text(pnl), (pnl > 0) - (pnl < 0))
        self._pnl_texts[tick] = result
        return result

    def _orders_cell(self, tick: int, side: OrderSide) -> str:
        drag = self.drag
        if drag is not None and drag.side is side and tick == drag.target != drag.source:
            own = self.own_orders(drag.source, side)
            return "" if own is None else f"→ {formatting.quantity(own.quantity)}"
        own = self.own_orders(tick, side)
        text = "" if own is None else orders_text(own.quantity, own.count)
        return f"▶ {text}" if text and self.selected == (tick, side) else text

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self._centre is None:
            return 0
        return 2 * HALF_ROWS + 1

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LadderColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(LadderColumn):
            return None
        column = LadderColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return TITLES[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return TITLES[column].replace("\n", " ")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTER
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[column]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._centre is None:
            return None
        return self.role_data(index.row(), index.column(), role)

    def role_data(self, row: int, column: int, role: int) -> Any:
        """What :meth:`data` answers (the ladder paints from it, see :mod:`widgets.cell_paint`)."""
        if self._centre is None:
            return None
        tick = self._centre + HALF_ROWS - row
        which = LadderColumn(column)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(tick, which)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(tick, which)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(tick, which)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(tick, which)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTER if which in (LadderColumn.PRICE, LadderColumn.CANCEL) else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(tick, which)
        return None

    def cell(self, row: int, column: int) -> Cell:
        """The painted cell: one pass for the five painted roles.

        A row the last flush published is painted from the look it published (flush computed
        every cell of it to compare, and half the ladder's cell work was doing it twice);
        whatever changes a row outside a flush drops its look first (:meth:`_emit_ticks`)."""
        if self._centre is None:
            return ("", _RIGHT, None, None, None)
        tick = self._centre + HALF_ROWS - row
        look = self._published.get(tick)
        if look is not None:
            return look[column]
        return self._cell_at(tick, _COLUMNS[column])

    def _cell_at(self, tick: int, which: LadderColumn) -> Cell:
        return (
            self._text(tick, which),
            _CENTER if which in _CENTRED else _RIGHT,
            self._foreground(tick, which),
            self._background(tick, which),
            self._font(tick, which),
        )

    def _text(self, tick: int, column: LadderColumn) -> str:
        match column:
            case LadderColumn.PRICE:
                return formatting.price(self.price_of_tick(tick), self._decimals)
            case LadderColumn.BID:
                return size_text(self._bids.get(tick))
            case LadderColumn.ASK:
                return size_text(self._asks.get(tick))
            case LadderColumn.CUM_BID:
                return size_text(self._cum_bids.get(tick))
            case LadderColumn.CUM_ASK:
                return size_text(self._cum_asks.get(tick))
            case LadderColumn.MY_BUYS:
                return self._orders_cell(tick, OrderSide.BUY)
            case LadderColumn.MY_SELLS:
                return self._orders_cell(tick, OrderSide.SELL)
            case LadderColumn.CANCEL:
                return "×" if self.cancellable(tick) else ""
            case LadderColumn.VOLUME:
                return size_text(self.volume(tick))
            case LadderColumn.PNL:
                return self._pnl_text(tick)[0]

    def _background(self, tick: int, column: LadderColumn) -> QBrush | None:
        if column in ORDER_COLUMNS:
            side = column.side
            assert side is not None
            drag = self.drag
            if drag is not None and drag.side is side and tick == drag.target:
                return self._own_brush
            if self.selected == (tick, side):
                return self._selected_brush
            return self._own_brush if self.own_orders(tick, side) is not None else None
        if column is LadderColumn.VOLUME:
            return self._volume_brush if self.volume(tick) is not None else None
        if column in (LadderColumn.CANCEL, LadderColumn.PNL):
            return None
        if self.stale:
            book = self._bids if column in (LadderColumn.BID, LadderColumn.CUM_BID) else self._asks
            return self._stale_brush if tick in book and column is not LadderColumn.PRICE else None
        if column is LadderColumn.BID and tick in self._bids:
            return self._best_bid_brush if tick == self.best_bid else self._bid_brush
        if column is LadderColumn.ASK and tick in self._asks:
            return self._best_ask_brush if tick == self.best_ask else self._ask_brush
        if column is LadderColumn.CUM_BID and tick in self._bids:
            return self._bid_brush
        if column is LadderColumn.CUM_ASK and tick in self._asks:
            return self._ask_brush
        if column is LadderColumn.PRICE:
            if tick == self.last:
                return self._last_brush
            if tick == self.best_bid:
                return self._bid_brush
            if tick == self.best_ask:
                return self._ask_brush
            return None
        return None

    def _foreground(self, tick: int, column: LadderColumn) -> QBrush | None:
        if column in ORDER_COLUMNS:
            side = column.side
            assert side is not None
            own = self.own_orders(tick, side)
            return self._muted if own is not None and not own.movable else self._own_text
        if column is LadderColumn.CANCEL:
            return self._own_text
        if column is LadderColumn.PNL:
            sign = self._pnl_text(tick)[1]
            return self._gain_text if sign > 0 else self._loss_text if sign < 0 else self._muted
        if self.stale:
            return self._muted
        if column is LadderColumn.PRICE:
            if tick == self.best_bid:
                return self._bid_text
            if tick == self.best_ask:
                return self._ask_text
            bid, ask = self.best_bid, self.best_ask
            if bid is not None and ask is not None and bid < tick < ask:
                return self._muted  # inside the spread
        if column in (LadderColumn.CUM_BID, LadderColumn.CUM_ASK):
            return self._muted
        return None

    def _font(self, tick: int, column: LadderColumn) -> QFont | None:
        if column in ORDER_COLUMNS or column is LadderColumn.CANCEL:
            return self._bold
        if tick == self.best_bid and column in (LadderColumn.BID, LadderColumn.PRICE):
            return self._bold
        if tick == self.best_ask and column in (LadderColumn.ASK, LadderColumn.PRICE):
            return self._bold
        if tick == self.last and column is LadderColumn.PRICE:
            return self._bold
        return None

    def _tooltip(self, tick: int, column: LadderColumn) -> str:
        price = formatting.price(self.price_of_tick(tick), self._decimals)
        if column is LadderColumn.CANCEL:
            return f"Cancel your working orders at {price}" if self.cancellable(tick) else price
        if column is LadderColumn.VOLUME:
            size = self.volume(tick)
            return f"{price}: {round(size or 0):,} traded here today"
        if column is LadderColumn.PNL:
            text = self._pnl_text(tick)[0]
            return f"Open P/L were the market at {price}: {text}" if text else "No open position"
        if column in ORDER_COLUMNS:
            side = column.side
            assert side is not None
            own = self.own_orders(tick, side)
            if own is not None:
                orders = "order" if own.count == 1 else f"{own.count} orders"
                note = f", {own.cancelling} being cancelled" if own.cancelling else ""
                return (
                    f"{price}: your {side.value} {orders}, {formatting.quantity(own.quantity)} "
                    f"remaining{note}\nDrag to another price to modify · × cancels"
                )
        size = {
            LadderColumn.BID: self._bids,
            LadderColumn.CUM_BID: self._cum_bids,
            LadderColumn.ASK: self._asks,
            LadderColumn.CUM_ASK: self._cum_asks,
        }.get(column, {}).get(tick)
        if size is not None:
            price = f"{price} — {TITLES[column].replace(chr(10), ' ')} {round(size):,}"
        side = column.side
        stop = self.stop_side(tick)
        notes = []
        if tick == self.last:
            notes.append("last trade")
        if tick == self.best_bid:
            notes.append("best bid")
        if tick == self.best_ask:
            notes.append("best ask")
        note = f" ({', '.join(notes)})" if notes else ""
        if side is None:
            return f"{price}{note}"
        stop_text = (
            f"stage {stop.value} STOP {price}"
            if stop is not None
            else "no stop here: at the market it would trigger at once"
        )
        return f"Click: stage {side.value} LIMIT {price}\nShift+Click: {stop_text}{note}"


def _diff[V](old: dict[int, V], new: dict[int, V], changed: set[int]) -> None:
    for key in old.keys() | new.keys():
        if old.get(key) != new.get(key):
            changed.add(key)


def _with_alpha(color: QColor, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result


def _stronger(color: QColor) -> QColor:
    return _with_alpha(color, min(255, max(color.alpha() * 2 + 30, 140)))


def _opaque(color: QColor) -> QColor:
    return _with_alpha(color, 255)
