"""The watchlist's rows: one mutable row per instrument, fed by quote batches, flashed briefly.

The Pos column is the signed quantity held (blank when flat), set from the portfolio's
``positions_changed`` (fills and reconciliations) and formatted then, not per quote or paint.

Quote handlers only write into :class:`WatchRow` objects and mark them dirty; the window's refresh
clock publishes them (:meth:`WatchlistModel.flush`). A row whose last price moved carries a flash
(up or down) until ``FLASH_SECONDS`` of clock time have passed; an expired flash is cleared by a
later flush, so no timer is started per tick.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from terminal.domain import Instrument, Position, Quote
from terminal.domain.values import ZERO
from terminal.marketdata.staleness import FeedStatus
from widgets import formatting as fmt
from widgets.feed_view import age_text
from widgets.table_model import LEFT, Column, RowModel
from widgets.theme import Palette

#: How long a changed last price keeps its flash background, in clock seconds.
FLASH_SECONDS = 0.5

NAN = math.nan


def price_decimals(instrument: Instrument) -> int:
    """Decimals to show for ``instrument``'s prices: its tick size, at least two."""
    exponent = instrument.tick_size.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


@dataclass(slots=True, eq=False)
class WatchRow:
    """What the watchlist shows for one instrument. Missing values are NaN."""

    instrument: Instrument
    decimals: int = 2
    bid: float = NAN
    ask: float = NAN
    last: float = NAN
    prev_close: float = NAN
    volume: float = NAN
    #: +1 the last price just went up, -1 down, 0 no flash.
    flash: int = 0
    flash_until: dt.datetime | None = None
    #: perf_counter stamp of the newest quote (tick-to-paint measurement).
    stamp: float = 0.0
    #: The broker sends delayed data (no real-time subscription): shown as such.
    delayed: bool = False
    #: The quote feed went quiet (the feed watchdog): the row is greyed, with its age.
    stale: FeedStatus | None = None
    #: The signed quantity held (0: flat) and its text, formatted when it changes.
    position: Decimal = ZERO
    position_text: str = ""

    @property
    def key(self) -> str:
        return self.instrument.key

    @property
    def change(self) -> float:
        return self.last - self.prev_close if self.last > 0 and self.prev_close > 0 else NAN

    @property
    def change_percent(self) -> float:
        if self.last > 0 and self.prev_close > 0:
            return (self.last / self.prev_close - 1.0) * 100.0
        return NAN

    @property
    def reference_price(self) -> float:
        """The price a ticket or an alert starts from: last, else mid, else NaN."""
        if self.last > 0:
            return self.last
        if self.bid > 0 and self.ask > 0:
            return (self.bid + self.ask) / 2
        return NAN

    def set_position(self, quantity: Decimal) -> bool:
        """Hold ``quantity`` (signed); return whether it changed."""
        if quantity == self.position:
            return False
        self.position = quantity
        if quantity == 0:
            self.position_text = ""
        else:
            text = fmt.quantity(quantity)
            self.position_text = f"+{text}" if quantity > 0 else text
        return True

    def apply(self, quote: Quote) -> int:
        """Take the values ``quote`` carries; return +1/-1 when the last price moved, else 0."""
        moved = 0
        if quote.bid > 0:
            self.bid = quote.bid
        if quote.ask > 0:
            self.ask = quote.ask
        if quote.last > 0:
            if self.last > 0 and quote.last != self.last:
                moved = 1 if quote.last > self.last else -1
            self.last = quote.last
        if quote.prev_close > 0:
            self.prev_close = quote.prev_close
        if quote.volume >= 0:
            self.volume = quote.volume
        if quote.stamp:
            self.stamp = quote.stamp
        self.delayed = quote.delayed
        return moved


def shown_change(value: float, decimals: int = 2) -> float:
    """``value`` as shown with ``decimals``: a move that rounds to nothing is 0 (no "-0.00")."""
    if math.isnan(value):
        return value
    rounded = round(value, decimals)
    return 0.0 if rounded == 0 else rounded


def _direction_color(value: float, palette: Callable[[], Palette]) -> QColor | None:
    if not value or math.isnan(value):
        return None
    return palette().up if value > 0 else palette().down


def watchlist_columns(palette: Callable[[], Palette]) -> list[Column[WatchRow]]:
    """The watchlist's columns; colours are read from ``palette()`` when painted (theme switch).

    A row whose quote feed is stale is greyed, its Volume cell says how long it has been quiet
    ("stale 42 s"), and every cell's tooltip says why.
    """

    def flash(row: WatchRow) -> QColor | None:
        if row.flash == 0 or row.stale is not None:
            return None
        return palette().flash_up if row.flash > 0 else palette().flash_down

    def greyed(column: Column[WatchRow]) -> Column[WatchRow]:
        colour, tip = column.foreground, column.tooltip

        def foreground(row: WatchRow) -> QColor | None:
            if row.stale is not None:
                return palette().muted
            return colour(row) if colour is not None else None

        def tooltip(row: WatchRow) -> str:
            if row.stale is not None:
                return f"{row.key}: quotes {age_text(row.stale.age)} ({row.stale.reason})"
            return tip(row) if tip is not None else ""

        return replace(column, foreground=foreground, tooltip=tooltip)

    def volume_text(row: WatchRow) -> str:
        return age_text(row.stale.age) if row.stale is not None else fmt.volume(row.volume)

    columns: tuple[Column[WatchRow], ...] = (
        Column(
            "Symbol",
            lambda r: r.key,
            lambda r: f"{r.key} (D)" if r.delayed else r.key,
            width=62,
            align=LEFT,
            foreground=lambda r: palette().warning if r.delayed else None,
            tooltip=lambda r: (
                (r.instrument.description or r.key)
                + (" — delayed data (no real-time subscription)" if r.delayed else "")
            ),
        ),
        Column(
            "Pos",
            lambda r: r.position,
            lambda r: r.position_text,
            width=48,
            foreground=lambda r: _direction_color(float(r.position), palette),
            tooltip=lambda r: (
                f"{r.position_text} {r.key} held" if r.position else f"no position in {r.key}"
            ),
        ),
        Column("Bid", lambda r: r.bid, lambda r: fmt.price(r.bid, r.decimals), width=60),
        Column("Ask", lambda r: r.ask, lambda r: fmt.price(r.ask, r.decimals), width=60),
        Column(
            "Last",
            lambda r: r.last,
            lambda r: fmt.price(r.last, r.decimals),
            width=60,
            background=flash,
        ),
        Column(
            "Change",
            lambda r: r.change,
            lambda r: fmt.signed(shown_change(r.change, r.decimals), r.decimals),
            width=58,
            foreground=lambda r: _direction_color(shown_change(r.change, r.decimals), palette),
        ),
        Column(
            "% Change",
            lambda r: r.change_percent,
            lambda r: fmt.percent(shown_change(r.change_percent)),
            width=74,
            foreground=lambda r: _direction_color(shown_change(r.change_percent), palette),
        ),
        Column("Volume", lambda r: r.volume, volume_text, width=56),
    )
    return [greyed(c) for c in columns]


class WatchlistModel(RowModel[WatchRow]):
    """The watchlist's rows keyed by instrument key, fed by quote batches.

    Args:
        palette: Returns the current theme palette (read at paint time).
        now: The clock the flashes are timed with (the core's clock).
    """

    def __init__(
        self,
        palette: Callable[[], Palette],
        now: Callable[[], dt.datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            watchlist_columns(palette), key=lambda r: r.key, stamp=lambda r: r.stamp, parent=parent
        )
        self._now = now
        self._rows_by_key: dict[str, WatchRow] = {}
        #: Rows with a flash showing (cleared by a flush once expired).
        self._flashing: dict[str, WatchRow] = {}

    # -- membership --------------------------------------------------------------------------
    def keys(self) -> list[str]:
        """The instrument keys shown, in model order."""
        return [r.key for r in self.rows()]

    def sync(
        self,
        instruments: Iterable[Instrument],
        quotes: Callable[[str], Quote | None],
        held: Callable[[str], Position | None] = lambda _key: None,
    ) -> bool:
        """Show exactly ``instruments``: add the missing (filled from ``quotes`` and the
        positions ``held``), drop the rest.

        Returns True when a row was added or removed.
        """
        wanted = {i.key: i for i in instruments}
        changed = False
        for key in [k for k in self._rows_by_key if k not in wanted]:
            self.remove(key)
            changed = True
        for key, instrument in wanted.items():
            if key in self._rows_by_key:
                continue
            row = WatchRow(instrument, decimals=price_decimals(instrument))
            quote = quotes(key)
            if quote is not None:
                row.apply(quote)
            position = held(key)
            if position is not None:
                row.set_position(position.quantity)
            self.update(row)
            changed = True
        return changed

    def update(self, row: WatchRow) -> None:
        self._rows_by_key[row.key] = row
        super().update(row)

    def remove(self, key: str) -> None:
        self._rows_by_key.pop(key, None)
        self._flashing.pop(key, None)
        super().remove(key)

    def set_rows(self, rows: Iterable[WatchRow]) -> None:
        rows = list(rows)
        self._rows_by_key = {r.key: r for r in rows}
        self._flashing.clear()
        super().set_rows(rows)

    # -- live data ---------------------------------------------------------------------------
    def on_quotes(self, quotes: Mapping[str, Quote]) -> None:
        """Write a quote batch into its rows and mark them dirty (nothing is emitted here)."""
        rows = self._rows_by_key
        positions = self._index
        dirty = self._dirty  # mark_dirty inlined: this runs for every quote of a storm
        until: dt.datetime | None = None
        for key, quote in quotes.items():
            row = rows.get(key)
            if row is None:
                continue
            moved = row.apply(quote)
            if moved:
                if until is None:
                    until = self._now() + dt.timedelta(seconds=FLASH_SECONDS)
                row.flash = moved
                row.flash_until = until
                self._flashing[key] = row
            position = positions.get(key)
            if position is not None:
                dirty.add(position)

    def on_positions(self, positions: Iterable[Position]) -> None:
        """Show the quantities of changed positions (a fill, a reconciliation)."""
        rows = self._rows_by_key
        for position in positions:
            row = rows.get(position.key)
            if row is not None and row.set_position(position.quantity):
                self.mark_dirty(position.key)

    def show_feeds(self, status: Callable[[str], FeedStatus | None]) -> None:
        """Grey the rows whose quote feed is stale (``status(key)``), ungrey the others."""
        for key, row in self._rows_by_key.items():
            stale = status(key)
            if stale is None and row.stale is None:
                continue
            row.stale = stale
            self.mark_dirty(key)

    def expire_flashes(self) -> None:
        """Clear the flashes whose time is up (marking their rows dirty)."""
        if not self._flashing:
            return
        now = self._now()
        expired = [
            key
            for key, row in self._flashing.items()
            if row.flash_until is None or row.flash_until <= now
        ]
        for key in expired:
            row = self._flashing.pop(key)
            row.flash = 0
            row.flash_until = None
            self.mark_dirty(key)

    def flush(self) -> None:
        self.expire_flashes()
        super().flush()

    def column_of(self, title: str) -> int:
        """The position of the column titled ``title``."""
        for i, column in enumerate(self.columns):
            if column.title == title:
                return i
        raise KeyError(title)
