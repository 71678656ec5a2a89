"""The chart pane: the active instrument's candles, live, with overlays and order lines.

Data flow: choosing an instrument (``session.active_changed``) or a timeframe subscribes live
bars for it (releasing the previous subscription) and loads its history in the background, with
a busy indicator; a result that arrives after the trader moved on is dropped. Live bars
(``bars_updated``) and order / position changes are only recorded by their handlers; the
refresh clock's flush applies them, so the forming bar is redrawn at most once per refresh and
the cached history only when a bar completes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from terminal.analytics.source import load_recorded_bars
from terminal.broker.base import BrokerError, NotConnected
from terminal.domain import (
    Bar,
    DomainError,
    Instrument,
    Order,
    OrderType,
    Position,
    Timeframe,
)
from terminal.marketdata.bars import merge_recorded, resample
from terminal.marketdata.service import bar_feed
from terminal.marketdata.staleness import Feed, FeedKind
from widgets import shortcuts
from widgets.chart.labels import levels_for, price_decimals, price_on_tick, readout_html
from widgets.chart.staging import Offer, Touch, offers
from widgets.chart.style import ChartColors, greyed
from widgets.chart.view import ChartView
from widgets.feed_view import FeedWatch, age_text
from widgets.link_groups import MAIN
from widgets.opaque import LiveLabel
from widgets.panes.base import Pane
from widgets.panes.chart_drawings import ChartDrawings
from widgets.panes.chart_orders import modify_dropped_order
from widgets.resources import icon
from widgets.session import ChartMarks, Session, TicketRequest
from widgets.style_props import set_tone
from widgets.theme import Palette

log = logging.getLogger(__name__)

#: Timeframes on the toolbar, in key order (1 … 5 while the chart has the focus).
TIMEFRAMES = (Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1, Timeframe.D1)
DEFAULT_TIMEFRAME = Timeframe.M5
#: Bars of history requested per load.
HISTORY_BARS = 5000
#: A trade brought onto the chart is shown on the longest timeframe giving it this many bars.
MARKED_BARS = 20
#: A right click this many pixels from a horizontal line is a right click on the line.
LINE_PIXELS = 5
_TIMEFRAME_NAMES = {
    Timeframe.M1: "1 minute",
    Timeframe.M5: "5 minute",
    Timeframe.M15: "15 minute",
    Timeframe.H1: "1 hour",
    Timeframe.D1: "daily",
}


class ChartPane(Pane):
    """Candlestick chart of the active instrument with volume, overlays and order lines.

    Public for other panes and tests: :meth:`show_instrument`, :meth:`set_timeframe`,
    :meth:`set_indicator`, :meth:`follow_last_bar`, :meth:`show_marks`, :meth:`clear_marks`,
    :meth:`context_menu` and :meth:`flush`; the :class:`~widgets.chart.view.ChartView` is
    ``chart``.

    Marks (``session.chart_marks_requested``, from the analytics pane): the fills of a trade or
    an order are drawn as arrows over the instrument's bars, on a timeframe that gives the trade
    about :data:`MARKED_BARS` bars, with its span in view; the badge over the plot says what is
    marked and whether bars are recorded for that period (the fills are drawn either way). When
    the broker's history does not reach back to the trade, the 1-minute bars the terminal
    recorded while it was traded (``terminal/marketdata/recorder.py``) are read from the
    database off the GUI thread, joined into the chart's timeframe and added before it. They
    stay until another instrument is charted or the trader clears them (context menu).
    """

    pane_id = "chart"
    title = "Chart"
    #: The forming candle repaints at 10 Hz (every third 30 Hz refresh): smooth to the eye,
    #: and ten charts at 30 Hz had taken a third of the GUI thread under a storm.
    refresh_every = 3

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.instrument: Instrument | None = None
        self.timeframe = DEFAULT_TIMEFRAME
        self.loading = False
        self.loads = 0  # history loads applied (tests, diagnostics)
        #: The fills marked (None: none); :attr:`marks_covered` whether bars are loaded for them.
        self.marks: ChartMarks | None = None
        self.marks_covered = False
        #: The marks whose recorded bars were read (once per marks: none found stays none).
        self._recorded_for: ChartMarks | None = None
        #: The last load failed for want of a connection: load again once it is back.
        self._reload_when_renewed = False
        self._request = 0
        self._live: tuple[Instrument, Timeframe] | None = None
        self._pending: dict[object, Bar] = {}
        self._levels_dirty = False
        self._hover_index: int | None = None
        self._hover_price = math.nan
        self._decimals = 2
        self.colors = ChartColors.from_palette(session.palette)
        self._palette = session.palette

        market = session.app.market
        self.feeds = FeedWatch(market.feeds, session.app.clock.now, session.refresh)
        self._greyed = False
        self.chart = ChartView(self.colors, session.app.settings.risk.market_timezone, self)
        self._build_ui()

        self.subscribe(market.bars_updated, self._on_bars)
        self.subscribe(market.feeds.feeds_changed, self.feeds.on_changed)
        self.subscribe(market.subscriptions_renewed, self._on_renewed)
        self.subscribe(session.app.orders.order_updated, self._on_order)
        self.subscribe(session.app.portfolio.positions_changed, self._on_positions)
        self.subscribe(session.chart_marks_requested, self._on_marks_requested)
        self.subscribe(session.theme_changed, self.apply_palette)
        self.register_flush(self.flush)
        self.chart.follow_changed.connect(self._on_follow_changed)
        self.chart.hovered.connect(self._on_hovered)
        self.chart.context_requested.connect(self._show_context_menu)
        self.chart.level_dropped.connect(self._on_level_dropped)
        self.apply_palette(session.palette)
        self._update_readout()
        self.follow_link(self.show_instrument)

    # -- layout ---------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.toolbar = QWidget(self)
        self.toolbar.setObjectName("chart_toolbar")
        bar = QHBoxLayout(self.toolbar)
        bar.setContentsMargins(4, 3, 4, 3)
        bar.setSpacing(3)
        bar.addWidget(self.link_button())

        self.timeframe_buttons: dict[Timeframe, QToolButton] = {}
        self.timeframe_group = QButtonGroup(self)
        self.timeframe_group.setExclusive(True)
        for number, timeframe in enumerate(TIMEFRAMES, start=1):
            button = self._tool_button(
                timeframe.value, f"{_TIMEFRAME_NAMES[timeframe]} bars ({number})"
            )
            button.setObjectName(f"chart_tf_{timeframe.value}")
            button.setChecked(timeframe is self.timeframe)
            button.clicked.connect(functools.partial(self.set_timeframe, timeframe))
            self.timeframe_group.addButton(button)
            self.timeframe_buttons[timeframe] = button
            bar.addWidget(button)
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(functools.partial(self.set_timeframe, timeframe))
        bar.addSpacing(10)

        self.indicator_buttons: dict[str, QToolButton] = {}
        for name, overlay in self.chart.overlays.items():
            button = self._tool_button(overlay.indicator.label, f"Show {overlay.indicator.label}")
            button.setObjectName(f"chart_ind_{name}")
            button.toggled.connect(functools.partial(self.set_indicator, name))
            self.indicator_buttons[name] = button
            bar.addWidget(button)
        bar.addSpacing(10)
        self.drawings = ChartDrawings(self.session, self.chart, self._tool_button, self)
        for button in self.drawings.buttons.values():
            bar.addWidget(button)
        bar.addStretch(1)

        self.progress = QProgressBar(self.toolbar)
        self.progress.setObjectName("chart_progress")
        self.progress.setRange(0, 0)  # busy
        self.progress.setFixedSize(70, 10)
        self.progress.setTextVisible(False)
        # Its place is kept while hidden: shown while bars load, it raised the chart's minimum
        # width by its own, and a window sized near that minimum grew (every dock moved) at
        # whichever load came first after it was sized.
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        self.progress.hide()
        #: "Live bars stale 42 s" while the bar (or quote) feed is quiet; the candles go grey.
        #: A badge over the plot, in no layout: showing it cannot widen the dock (a label in
        #: the toolbar pushed the chart past its width and every other dock moved).
        self.feed_label = QLabel("", self.chart)
        self.feed_label.setObjectName("chart_feed")
        set_tone(self.feed_label, "stale")
        self.feed_label.move(8, 8)
        self.feed_label.hide()
        #: What is marked ("AAPL LONG 100 …") and, without bars for it, that none are recorded.
        self.marks_label = QLabel("", self.chart)
        self.marks_label.setObjectName("chart_marks")
        self.marks_label.move(8, 32)
        self.marks_label.hide()
        self.status = QLabel("", self.toolbar)
        self.status.setObjectName("chart_status")
        # Texts that change with the symbol must not size the dock: widths jumped on every
        # switch (the whole middle column moved by the length of "loaded 5,000 bars of BRK.B").
        self.status.setFixedWidth(self.fontMetrics().horizontalAdvance("Loading BRK.B 15m…") + 12)
        bar.addWidget(self.progress)
        bar.addWidget(self.status)
        bar.addSpacing(8)

        self.follow_button = self._tool_button(
            "Follow", f"Follow the last bar ({shortcuts.FOLLOW.keys})"
        )
        self.follow_button.setObjectName("chart_follow")
        self.follow_button.setIcon(icon("chart-follow"))
        self.follow_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.follow_button.setChecked(True)
        self.follow_button.clicked.connect(self._on_follow_clicked)
        bar.addWidget(self.follow_button)
        follow = QShortcut(QKeySequence(shortcuts.FOLLOW.keys), self)
        follow.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        follow.activated.connect(self.follow_last_bar)

        self.readout = LiveLabel("", self)
        self.readout.setObjectName("chart_readout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setContentsMargins(8, 1, 8, 1)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.chart.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFocusProxy(self.chart)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.readout)
        layout.addWidget(self.chart, 1)

    def _tool_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self.toolbar)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the chart
        return button

    def apply_palette(self, palette: Palette) -> None:
        """Re-colour the chart and the toolbar for ``palette`` (the theme changed)."""
        self._palette = palette
        self.colors = ChartColors.from_palette(palette)
        self.chart.set_colors(greyed(self.colors, palette.muted) if self._greyed else self.colors)
        accent = palette.info
        self.toolbar.setStyleSheet(
            "QToolButton { background: transparent; border: 1px solid transparent;"
            " border-radius: 3px; padding: 2px 7px; }"
            f" QToolButton:hover {{ border-color: {palette.grid.name()}; }}"
            f" QToolButton:checked {{ background: rgba({accent.red()}, {accent.green()},"
            f" {accent.blue()}, 60); border-color: {accent.name()}; }}"
            f" QToolButton:disabled {{ color: {palette.muted.name()}; }}"
        )
        self._update_readout()

    # -- what to show ---------------------------------------------------------------------------
    def show_instrument(self, instrument: Instrument) -> None:
        """Chart ``instrument`` (the active instrument changed)."""
        if self.instrument is not None and self.instrument.key == instrument.key:
            return
        if self.marks is not None and self.marks.instrument.key != instrument.key:
            self.clear_marks()
        self.instrument = instrument
        self._decimals = price_decimals(instrument)
        self.chart.levels.snap = lambda price: float(price_on_tick(instrument, price))
        self.drawings.show_instrument(instrument)
        self._reload()

    def set_timeframe(self, timeframe: Timeframe) -> None:
        """Show ``timeframe`` bars (toolbar buttons, keys 1 … 5)."""
        if timeframe is self.timeframe:
            self.timeframe_buttons[timeframe].setChecked(True)
            return
        self._choose_timeframe(timeframe)
        self._reload()

    def _choose_timeframe(self, timeframe: Timeframe) -> None:
        self.timeframe_buttons[timeframe].setChecked(True)
        self.timeframe = timeframe
        # VWAP restarts every session: on daily bars it would just repeat each bar's price.
        self.indicator_buttons["vwap"].setEnabled(timeframe is not Timeframe.D1)
        self._apply_indicator("vwap")

    def show_marks(self, marks: ChartMarks) -> None:
        """Chart ``marks.instrument`` around ``marks``' span and draw its fills (see the class
        docstring); drawn once the bars are loaded, at once when they already are."""
        self.marks = marks
        timeframe = marked_timeframe((marks.end - marks.start).total_seconds())
        same = self.instrument is not None and self.instrument.key == marks.instrument.key
        if timeframe is not self.timeframe:
            self._choose_timeframe(timeframe)
            if same:
                self._reload()  # drawn when loaded
        if not same:
            self.show_instrument(marks.instrument)  # drawn when loaded
        elif not self.loading and self.on_screen:
            self._draw_marks()
            if not self.marks_covered and self._recorded_for is not marks:
                self._reload()  # with the bars recorded for the span, drawn when loaded

    def _on_marks_requested(self, marks: ChartMarks) -> None:
        # Marks make their instrument the main group's: a chart of another group keeps its own.
        if self.link_group == MAIN:
            self.show_marks(marks)

    def clear_marks(self) -> None:
        """Remove the fills marked (context menu; another instrument charted)."""
        self.marks = None
        self.marks_covered = False
        self.chart.clear_fill_marks()
        self.marks_label.hide()

    def _draw_marks(self) -> None:
        marks = self.marks
        instrument = self.instrument
        if marks is None or instrument is None or marks.instrument.key != instrument.key:
            return
        self.marks_covered = self.chart.show_fill_marks(marks.fills, marks.start, marks.end)
        text = marks.title
        if self.marks_covered:
            set_tone(self.marks_label, "muted")
        else:
            text += (
                f"\nNo {self.timeframe.value} bars are recorded for this period: the fills are"
                " drawn at their prices and times"
            )
            set_tone(self.marks_label, "warning")
        self.marks_label.setText(text)
        self.marks_label.setToolTip(text)
        self.marks_label.adjustSize()
        self.marks_label.show()
        self.marks_label.raise_()

    def set_indicator(self, name: str, visible: bool) -> None:
        """Show or hide the overlay ``name`` (``sma``, ``ema``, ``vwap``)."""
        button = self.indicator_buttons[name]
        if button.isChecked() != visible:
            button.setChecked(visible)  # comes back here through toggled
            return
        self._apply_indicator(name)

    def _apply_indicator(self, name: str) -> None:
        button = self.indicator_buttons[name]
        self.chart.set_indicator(name, button.isChecked() and button.isEnabled())
        self._update_readout()

    def follow_last_bar(self) -> None:
        """Scroll back to the newest bar and keep following it (End, the Follow button)."""
        self.chart.set_follow(True)

    # -- loading --------------------------------------------------------------------------------
    def on_screen_changed(self, on_screen: bool) -> None:
        """Off screen the chart holds no live bars (each takes an IB market-data line); back on
        screen it loads again (history within 15 s is answered from IB's memory)."""
        if self.session.closing:
            return
        if on_screen:
            self._reload()
            return
        self._request += 1  # a load under way drops what it gets
        live, self._live = self._live, None
        if live is not None:
            market = self.session.app.market
            self.session.run(market.unsubscribe_bars(*live), f"chart release {live[0].key}")

    def _reload(self) -> None:
        instrument = self.instrument
        if instrument is None or not self.on_screen:
            return  # loaded when it comes on screen
        self._request += 1
        token = self._request
        timeframe = self.timeframe
        self.feeds.watch(
            (bar_feed(instrument.key, timeframe), Feed(FeedKind.QUOTES, instrument.key))
        )
        self.loading = True
        self._pending.clear()
        self._hover_index = None
        self.chart.show_no_bars()
        self.progress.show()
        self._set_status(f"Loading {instrument.key} {timeframe.value}…", "muted")
        self._levels_dirty = True
        self._update_readout()
        self.run(
            self._load(instrument, timeframe, token), f"chart {instrument.key} {timeframe.value}"
        )

    async def _load(self, instrument: Instrument, timeframe: Timeframe, token: int) -> None:
        market = self.session.app.market
        try:
            await market.subscribe_bars(instrument, timeframe)
            if token != self._request:  # the trader moved on meanwhile
                await market.unsubscribe_bars(instrument, timeframe)
                return
            previous, self._live = self._live, (instrument, timeframe)
            if previous is not None:
                await market.unsubscribe_bars(*previous)
            bars = await market.history(instrument, timeframe, HISTORY_BARS)
            bars = await self._with_recorded(instrument, timeframe, bars)
        except (DomainError, BrokerError) as exc:
            if token == self._request and self.alive:
                self._reload_when_renewed = isinstance(exc, NotConnected)
                self._loaded_nothing(f"No {timeframe.value} data for {instrument.key}")
            raise
        if token != self._request or not self.alive:
            return
        self._show_history(bars)

    async def _with_recorded(
        self, instrument: Instrument, timeframe: Timeframe, bars: list[Bar]
    ) -> list[Bar]:
        """``bars`` with the recorded bars of the marked span added where ``bars`` do not reach
        back to it (read in an executor; a failed read is logged and leaves ``bars``)."""
        marks = self.marks
        if marks is None or marks.instrument.key != instrument.key:
            return bars
        if bars and bars[0].start <= marks.start:
            return bars  # the broker's history covers the span
        self._recorded_for = marks
        app = self.session.app
        read = functools.partial(
            load_recorded_bars, app.store.engine, instrument.key, marks.start, marks.end
        )
        try:
            recorded = await asyncio.get_running_loop().run_in_executor(None, read)
        except SQLAlchemyError as exc:
            log.warning("chart: cannot read the recorded bars of %s: %s", instrument.key, exc)
            return bars
        zone = app.settings.risk.market_timezone
        return merge_recorded(resample(recorded, timeframe, zone), bars)

    def _show_history(self, bars: Sequence[Bar]) -> None:
        # The history already holds every live bar published so far (the market data
        # service merges them), so nothing recorded during the load is still pending.
        self.loading = False
        self._pending.clear()
        self.progress.hide()
        self._set_status("", "muted")
        self.chart.load(bars, self.timeframe, self._decimals)
        self.loads += 1
        self._levels_dirty = True
        self.flush()
        self._update_readout()  # the last bar's, not the "no data" of the load
        self._draw_marks()

    def _on_renewed(self, _failed: object) -> None:
        """The connection is back and market data renewed: retry a load the loss cut off."""
        if self._reload_when_renewed and self.alive:
            self._reload_when_renewed = False
            self._reload()

    def _loaded_nothing(self, text: str) -> None:
        self.loading = False
        self.progress.hide()
        self._set_status(text, "warning")
        self._update_readout()

    def _set_status(self, text: str, tone: str) -> None:
        self.status.setText(text)
        self.status.setToolTip(text)  # a long one is cut at the label's fixed width
        set_tone(self.status, tone)

    # -- core events (record only) ----------------------------------------------------------------
    def _on_bars(self, key: str, timeframe: Timeframe, bar: Bar, is_new: bool) -> None:
        instrument = self.instrument
        if (
            self.loading
            or instrument is None
            or key != instrument.key
            or timeframe is not self.timeframe
        ):
            return
        self._pending[bar.start] = bar

    def _on_order(self, order: Order) -> None:
        if self.instrument is not None and order.key == self.instrument.key:
            self._levels_dirty = True

    def _on_positions(self, positions: Sequence[Position]) -> None:
        instrument = self.instrument
        if instrument is not None and any(p.key == instrument.key for p in positions):
            self._levels_dirty = True

    # -- refresh --------------------------------------------------------------------------------
    def flush(self) -> None:
        """Publish what changed since the last refresh (called by the refresh clock)."""
        if self.feeds.due():
            self._show_feeds()
        if self._pending:
            bars = list(self._pending.values())
            self._pending.clear()
            self.chart.apply_updates(bars)
            self._update_readout()
        if self._levels_dirty:
            self._levels_dirty = False
            self._update_levels()

    def _show_feeds(self) -> None:
        """Grey the candles and say for how long the live bars have been quiet (or undo it)."""
        stale = self.feeds.stale()
        if bool(stale) != self._greyed:
            self._greyed = bool(stale)
            self.chart.set_colors(
                greyed(self.colors, self._palette.muted) if stale else self.colors
            )
        if not stale:
            self.feed_label.hide()
            return
        worst = stale[0]
        what = "Live bars" if worst.feed.kind is FeedKind.BARS else "Quotes"
        self.feed_label.setText(f"{what} {age_text(worst.age)}")
        self.feed_label.setToolTip("\n".join(f"{s.feed}: {s.reason}" for s in stale))
        self.feed_label.adjustSize()
        self.feed_label.show()
        self.feed_label.raise_()

    def _update_levels(self) -> None:
        instrument = self.instrument
        if instrument is None:
            self.chart.set_levels([])
            return
        app = self.session.app
        self.chart.set_levels(
            levels_for(
                instrument.key,
                app.orders.working_orders(),
                app.portfolio.position(instrument.key),
                self._decimals,
            )
        )

    def _on_level_dropped(self, key: str, price: float) -> None:
        """An order line was dragged to ``price``: modify the order (:mod:`.chart_orders`)."""
        if self.instrument is not None:
            modify_dropped_order(self.session, self.instrument, key, price, self._decimals)

    # -- readout and mouse ------------------------------------------------------------------------
    def _on_hovered(self, index: int | None, price: float) -> None:
        self._hover_index = index
        self._hover_price = price
        self._update_readout()

    def _update_readout(self) -> None:
        instrument = self.instrument
        if instrument is None:
            self.readout.setText("Choose an instrument in the watchlist")
            return
        series = self.chart.series
        index = self._hover_index
        if index is None or series.bar_at(index) is None:
            index = series.last_index
        bar = series.bar_at(index)
        previous = series.bar_at(index - 1)
        overlays = []
        for name, overlay in self.chart.overlays.items():
            if not overlay.visible:
                continue
            if index == len(series.history):
                value = overlay.forming_value
            elif 0 <= index < len(overlay.values):
                value = float(overlay.values[index])
            else:
                value = math.nan
            overlays.append((overlay.indicator.label, value, self.colors.overlays[name]))
        text = readout_html(
            instrument.key,
            bar,
            self.timeframe,
            self._decimals,
            previous_close=previous.close if previous is not None else math.nan,
            cursor_price=self._hover_price if self._hover_index is not None else math.nan,
            overlays=overlays,
            up=self.colors.up,
            down=self.colors.down,
            muted=self._palette.muted,
        )
        if text != self.readout.text():
            self.readout.setText(text)

    # -- follow -----------------------------------------------------------------------------------
    def _on_follow_changed(self, following: bool) -> None:
        self.follow_button.setChecked(following)

    def _on_follow_clicked(self, checked: bool) -> None:
        self.chart.set_follow(checked)

    # -- context menu -----------------------------------------------------------------------------
    def context_menu(self, price: float) -> QMenu:
        """The menu for a right click at ``price``: on a horizontal line drawn, an alert when
        the price crosses it and deleting it; an alert at the price; buy/sell limit and stop
        tickets (a
        stop only on its side of the market, a marketable limit labelled so:
        :mod:`widgets.chart.staging`), follow."""
        menu = QMenu(self)
        menu.setObjectName("chart_menu")
        instrument = self.instrument
        if instrument is None:
            menu.addAction("No instrument").setEnabled(False)
            return menu
        lo, hi = self.chart.y_range()
        pixels = max(float(self.chart.price_vb.height()), 1.0)
        self.drawings.add_line_actions(menu, price, LINE_PIXELS * (hi - lo) / pixels)
        at = price_on_tick(instrument, price)
        shown = f"{at:,.{self._decimals}f}"
        alert = menu.addAction(icon("chart-alert"), f"Alert at {shown}")
        alert.setObjectName("chart_alert_action")
        alert.triggered.connect(
            lambda _checked=False: self.session.request_price_alert(instrument, float(at))
        )
        menu.addSeparator()
        touch = Touch.of(
            self.session.app.market.last_quote(instrument.key), self.chart.last_price.price
        )
        for offer in offers(at, touch, lambda p: f"{p:,.{self._decimals}f}"):
            action = menu.addAction(offer.text(shown))
            action.setObjectName(offer.object_name)
            action.setEnabled(offer.enabled)
            action.triggered.connect(functools.partial(self._request_ticket, instrument, offer))
        menu.addSeparator()
        follow = menu.addAction(f"Follow last bar\t{shortcuts.FOLLOW.keys}")
        follow.triggered.connect(lambda _checked=False: self.follow_last_bar())
        if self.marks is not None:
            clear = menu.addAction("Clear the marked fills")
            clear.setObjectName("chart_clear_marks_action")
            clear.triggered.connect(lambda _checked=False: self.clear_marks())
        return menu

    def _request_ticket(self, instrument: Instrument, offer: Offer, *_checked: object) -> None:
        stop = offer.order_type is OrderType.STOP
        self.session.request_ticket(
            TicketRequest(
                instrument,
                side=offer.side,
                order_type=offer.order_type,
                limit_price=None if stop else offer.price,
                stop_price=offer.price if stop else None,
            )
        )

    def _show_context_menu(self, price: float, global_pos: QPoint) -> None:
        menu = self.context_menu(price)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(global_pos)


def marked_timeframe(seconds: float) -> Timeframe:
    """The longest toolbar timeframe that shows a span of ``seconds`` in at least
    :data:`MARKED_BARS` bars (1 minute for anything shorter)."""
    fitting = [tf for tf in TIMEFRAMES if seconds / tf.seconds >= MARKED_BARS]
    return max(fitting, key=lambda tf: tf.seconds, default=TIMEFRAMES[0])
