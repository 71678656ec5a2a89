"""Time & sales pane: the active instrument's tape, newest print on top.

The tape follows the session's active instrument, as the depth ladder does: it holds a tape
subscription (which holds the quote stream) for that instrument only while the pane is on
screen, and drops it when the pane is hidden, closed or behind another tab. Prints are recorded
by the event handler and published by the window's refresh clock (:meth:`TimeAndSalesPane.flush`),
never per print.

The header names the source of the prints: the simulator's prints, or IB's last-price ticks
(the adapter has no tick-by-tick stream yet, so prints that share one market-data packet are
merged into the last of them and the tape is thinner than the exchange's). It also states the
large-print rule in force.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import Instrument
from terminal.marketdata.tape import MIN_SAMPLE, Print, TapeSource
from widgets import formatting
from widgets.cell_paint import CellTableView
from widgets.opaque import LiveLabel
from widgets.panes.base import Pane
from widgets.panes.tape_model import WIDTH_SAMPLES, TapeColumn, TapeModel
from widgets.panes.watchlist_model import price_decimals
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.theme import Palette


class TimeAndSalesPane(Pane):
    """The tape of the active instrument: time, price, size and side of each print.

    Public:
        show_instrument(instrument): follow ``instrument`` (the session's active_changed).
        subscribed: the instrument whose tape this pane holds a subscription to.
        flush(): publish the prints recorded since the last refresh.
    """

    pane_id = "tape"
    #: No "&": a dock tab and the View menu would read it as a mnemonic ("Time _sales").
    title = "Time and sales"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.model = TapeModel(session.palette, self)
        self.view = CellTableView(self)
        self.view.setObjectName("tape_view")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setCornerButtonEnabled(False)
        vertical = self.view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.view.fontMetrics().height() + 4)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never resize-to-contents
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        metrics = self.view.fontMetrics()
        for column in TapeColumn:
            self.view.setColumnWidth(column, metrics.horizontalAdvance(WIDTH_SAMPLES[column]) + 16)

        self._instrument: Instrument | None = None
        self._subscribed: Instrument | None = None
        self._lock: asyncio.Lock | None = None
        self._dirty = False

        self.symbol_label = QLabel("No instrument")
        self.symbol_label.setObjectName("tape_symbol")
        self.symbol_label.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.summary_label = LiveLabel("")
        self.summary_label.setObjectName("tape_summary")
        self.summary_label.setProperty("tone", "muted")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.source_label = QLabel("")
        self.source_label.setObjectName("tape_source")
        self.source_label.setWordWrap(True)
        self._show_source(session.app.market.tape_source)

        top = QHBoxLayout()
        top.addWidget(self.link_button())
        top.addWidget(self.symbol_label)
        top.addWidget(self.summary_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.source_label)
        self.setFocusProxy(self.view)

        market = session.app.market
        self.subscribe(market.prints_updated, self._on_prints)
        self.subscribe(session.theme_changed, self._on_theme)
        self.register_flush(self.flush)
        self.follow_link(self.show_instrument)

    # -- following the active instrument ----------------------------------------------------
    @property
    def instrument(self) -> Instrument | None:
        return self._instrument

    @property
    def subscribed(self) -> Instrument | None:
        """The instrument whose tape this pane holds a subscription to."""
        return self._subscribed

    def show_instrument(self, instrument: Instrument) -> None:
        """Show ``instrument``'s tape: subscribe it and drop the previous one."""
        if self._instrument is not None and self._instrument.key == instrument.key:
            return
        self._instrument = instrument
        self.model.clear(price_decimals(instrument))
        self.symbol_label.setText(instrument.key)
        self._dirty = True  # another pane may hold this tape already: show what it has
        self.summary_label.setText("waiting for prints…")
        self.run(self._resubscribe(), f"time & sales {instrument.key}")

    async def _resubscribe(self) -> None:
        """Move the tape subscription to the instrument shown now (serialised: quick switches).

        Off screen the pane holds none: a tape nobody sees must not keep a quote line busy.
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
            if target is None or self._subscribed is not None:
                return
            await market.subscribe_tape(target)
            self._subscribed = target
            self._dirty = True

    # -- core events (record only) ----------------------------------------------------------
    def _on_prints(self, prints: Sequence[Print]) -> None:
        if self._dirty or self._instrument is None:
            return
        key = self._instrument.key
        self._dirty = any(p.key == key for p in prints)

    def _on_theme(self, palette: Palette) -> None:
        self.model.set_palette(palette)

    # -- publishing (refresh clock) ---------------------------------------------------------
    def flush(self) -> None:
        """Publish the prints that arrived since the last refresh."""
        if not self._dirty or self._instrument is None:
            return
        self._dirty = False
        tape = self.session.app.market.tape(self._instrument.key)
        self.model.sync(tape)
        if tape is None or not len(tape):
            self.summary_label.setText("waiting for prints…")
            return
        settings = self.session.app.settings.tape
        median = tape.median_size()
        rules = []
        if settings.large_multiple > 0:
            if len(tape) >= MIN_SAMPLE:
                size = formatting.quantity(settings.large_multiple * median)
                rules.append(f"≥ {size} ({settings.large_multiple:g}× median)")
            else:
                rules.append(f"{settings.large_multiple:g}× median after {MIN_SAMPLE} prints")
        if settings.large_size > 0:
            rules.append(f"≥ {formatting.quantity(settings.large_size)}")
        large = f"  ·  Large {' or '.join(rules)}" if rules else ""
        text = f"{len(tape):,} prints  ·  median {formatting.quantity(median)}{large}"
        if text != self.summary_label.text():
            self.summary_label.setText(text)

    def _show_source(self, source: TapeSource) -> None:
        self.source_label.setText(f"Source: {source.value}")
        set_tone(self.source_label, "muted" if source is TapeSource.SIMULATOR else "warning")
        self.source_label.setToolTip(
            "Green: printed at or above the ask (a buyer crossed the spread); red: at or below "
            "the bid; plain: between; grey: no quote to judge by. Bold on a tinted row: a large "
            "print."
        )

    # -- Qt -----------------------------------------------------------------------------------
    def on_screen_changed(self, on_screen: bool) -> None:
        if self.session.closing:
            return
        instrument = self._instrument
        if instrument is not None:
            if not on_screen:
                self.model.clear(self.model.decimals)
            what = "resubscribe" if on_screen else "release"
            self.session.run(self._resubscribe(), f"time & sales {what} {instrument.key}")
