"""The analytics pane: what the period's trades made and what each order cost, the approval
included ("what did waiting to approve cost me this week?" is its headline, two clicks away).

The report is computed off the GUI thread (:mod:`widgets.panes.analytics_io` in an executor:
the database read blocks and a long history takes a moment), with "Computing…" shown and the
last figures kept until the new ones arrive; a failure shows in the pane, is logged and raises a
warning alert. It is computed when the pane first comes on screen, on Refresh, and when the
period or the instrument filter changes. Export writes the report shown, as HTML, CSV or JSON
(docs/analytics.md), from a non-modal file dialog.

Clicking a trade (or an order) charts it: its instrument becomes the active one and the chart
pane, brought forward, marks its fills (``Session.request_chart_marks``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.analytics.execution import OrderExecution
from terminal.analytics.fill_marks import FillMark, order_marks, trade_marks
from terminal.analytics.report import Report
from terminal.analytics.trades import Trade
from terminal.domain import Instrument
from widgets.dialogs.save_file import open_save_dialog
from widgets.panes.analytics_columns import (
    TradeRow,
    order_columns,
    trade_columns,
    trade_rows,
)
from widgets.panes.analytics_io import AnalyticsResult, Period, compute, export, period_dates
from widgets.panes.base import Pane
from widgets.session import ChartMarks, Session
from widgets.style_props import set_tone
from widgets.table_model import FastTableView, RowModel
from widgets.theme import Palette

if TYPE_CHECKING:
    from widgets.panes.analytics_chart import EquityChart
    from widgets.panes.analytics_histogram import ExecutionHistogram

log = logging.getLogger(__name__)

ALL_INSTRUMENTS = "All instruments"
NA = "n/a"
_EXPORT_FILTERS = {"HTML (*.html)": "html", "CSV (*.csv)": "csv", "JSON (*.json)": "json"}

#: The headline figures, in the order shown: key, title, tooltip.
FIGURES = (
    ("net_pnl", "Net P&L", "Net P&L of the trades closed in the period, after commission"),
    ("trades", "Trades", "Round trips closed in the period (winners / losers)"),
    ("win_rate", "Win rate", "Winning trades ÷ trades (a trade at exactly 0 is neither)"),
    ("profit_factor", "Profit factor", "Sum of wins ÷ |sum of losses| (n/a without a loss)"),
    ("max_drawdown", "Max drawdown", "Deepest fall of cumulative net P&L from a peak"),
    ("sharpe", "Sharpe", "On daily P&L, annualised (√252); n/a with fewer than two days"),
    (
        "delay_cost",
        "Waiting to approve cost",
        "How far the market moved against your orders between staging and approval, on what "
        "filled (mid at approval − mid at staging, signed by side; negative: waiting paid)",
    ),
    ("approval_time", "Mean approval time", "Staged → approved, over the period's orders"),
    ("commission", "Commission", "Commission of the period's orders"),
)


def _money(value: Decimal | None) -> str:
    return NA if value is None else f"{value:,.2f}"


def _percent(value: Decimal) -> str:
    """Two significant digits below 1% (a drawdown of a large account is small, not 0.00%)."""
    return f"{value:.2f}%" if abs(value) >= 1 else f"{float(value):.2g}%"


def _delay(value: Decimal | None) -> str:
    """The delay cost with what its sign means: positive lost money, negative gained it."""
    if value is None or value == 0:
        return _money(value)
    return f"{value:,.2f} ({'lost' if value > 0 else 'gained'})"


def _seconds(value: float | None) -> str:
    return NA if value is None else f"{value:,.1f} s"


class AnalyticsPane(Pane):
    """Headline figures, equity and drawdown, a slippage / latency histogram, closed trades and
    orders of one period.

    Public actions (also used by tests): :meth:`refresh`, :meth:`set_period`,
    :meth:`set_custom_period`, :meth:`set_instrument`, :meth:`show_trade_on_chart`,
    :meth:`show_order_on_chart`, :meth:`choose_export_file`, :meth:`export_to`.
    """

    pane_id = "analytics"
    title = "Analytics"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        app = session.app
        self.timezone = app.settings.risk.market_timezone
        #: The last report computed (None before the first).
        self.result: AnalyticsResult | None = None
        #: A computation is running (its result replaces the figures when it arrives).
        self.computing = False
        #: The last failure shown (None after a report arrived).
        self.error: str | None = None
        self.export_dialog: QFileDialog | None = None
        self.last_export: Path | None = None
        self._again = False
        self._computed_once = False

        self.trades_model: RowModel[TradeRow] = RowModel(
            trade_columns(lambda: self.session.palette, self.timezone),
            key=lambda r: r.key,
            parent=self,
        )
        self.orders_model: RowModel[OrderExecution] = RowModel(
            order_columns(lambda: self.session.palette, self.timezone),
            key=lambda e: e.order.order_id,
            parent=self,
        )
        self.trades_view = FastTableView(self.trades_model, parent=self)
        self.trades_view.setObjectName("analytics_trades")
        self.orders_view = FastTableView(self.orders_model, parent=self)
        self.orders_view.setObjectName("analytics_orders")
        self.trades_view.clicked.connect(
            lambda index: self._chart_trade_row(self.trades_view.row_at(index.row()))
        )
        self.orders_view.clicked.connect(
            lambda index: self._chart_order_row(self.orders_view.row_at(index.row()))
        )
        self.trades_view.bind_key(
            "Return", lambda: self._chart_trade_row(self.trades_view.selected_row())
        )
        self.orders_view.bind_key(
            "Return", lambda: self._chart_order_row(self.orders_view.selected_row())
        )
        self.tables = QTabWidget(self)
        self.tables.setObjectName("analytics_tables")
        self.tables.addTab(self.trades_view, "Trades")
        self.tables.addTab(self.orders_view, "Orders")
        for tab in (0, 1):
            self.tables.setTabToolTip(
                tab, "Click a row (or press Enter) to mark its fills on the chart"
            )
        # The equity chart and the histogram (two pyqtgraph plots) are built when first needed
        # (:meth:`_plots`): the pane starts tabbed away, and building them cost every start
        # about a tenth of a second. Until then the splitter holds empty places for them.
        self._built_plots: tuple[EquityChart, ExecutionHistogram] | None = None

        # Side by side: the pane's default dock (tabbed below the chart) is wide and low.
        self._splitter = splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(QWidget(self))
        splitter.addWidget(QWidget(self))
        splitter.addWidget(self.tables)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 4)
        splitter.setSizes([360, 360, 700])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(self._build_controls())
        layout.addLayout(self._build_figures())
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)

        self.register_flush(self._flush)
        self.subscribe(session.theme_changed, self._on_theme_changed)
        self.set_period(Period.WEEK, refresh=False)
        self._show_status("Not computed yet: it computes when shown, or press Refresh.", "muted")

    # -- building ----------------------------------------------------------------------------
    @property
    def chart(self) -> EquityChart:
        """The equity and drawdown chart (built on first use)."""
        return self._plots()[0]

    @property
    def histogram(self) -> ExecutionHistogram:
        """The slippage / latency histogram (built on first use)."""
        return self._plots()[1]

    def _plots(self) -> tuple[EquityChart, ExecutionHistogram]:
        if self._built_plots is None:
            # Imported here: pyqtgraph is slow to import, and the window shows without it.
            from widgets.panes.analytics_chart import EquityChart
            from widgets.panes.analytics_histogram import ExecutionHistogram

            palette = self.session.palette
            chart, histogram = EquityChart(palette, self), ExecutionHistogram(palette, self)
            plots: tuple[QWidget, QWidget] = (chart, histogram)
            for index, plot in enumerate(plots):
                placeholder = self._splitter.replaceWidget(index, plot)
                if placeholder is not None:
                    placeholder.deleteLater()
            self._built_plots = chart, histogram
        return self._built_plots

    def _build_controls(self) -> QHBoxLayout:
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("analytics_period")
        for period in Period:
            self.period_combo.addItem(period.value, period.value)
        self.period_combo.currentIndexChanged.connect(self._on_period_chosen)
        self.from_edit = self._date_edit("analytics_from")
        self.to_edit = self._date_edit("analytics_to")
        self.instrument_combo = QComboBox(self)
        self.instrument_combo.setObjectName("analytics_instrument")
        self.instrument_combo.addItem(ALL_INSTRUMENTS, None)
        self.instrument_combo.setMinimumContentsLength(12)
        self.instrument_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("analytics_refresh")
        self.refresh_button.setToolTip("Read the period from the database again")
        self.refresh_button.clicked.connect(lambda _c=False: self.refresh())
        self.busy = QProgressBar(self)
        self.busy.setObjectName("analytics_busy")
        self.busy.setRange(0, 0)  # indeterminate: only animates while computing
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(70, 10)
        self.busy.hide()
        self.export_button = QPushButton("Export…", self)
        self.export_button.setObjectName("analytics_export")
        self.export_button.setToolTip("Write the report shown as HTML, CSV or JSON")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda _c=False: self.choose_export_file())

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(QLabel("Period", self))
        row.addWidget(self.period_combo)
        row.addWidget(QLabel("from", self))
        row.addWidget(self.from_edit)
        row.addWidget(QLabel("to", self))
        row.addWidget(self.to_edit)
        row.addWidget(self.instrument_combo)
        row.addWidget(self.refresh_button)
        row.addWidget(self.busy)
        row.addStretch(1)
        row.addWidget(self.export_button)
        return row

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _build_figures(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(0)
        self.figures: dict[str, QLabel] = {}
        for column, (key, title, tip) in enumerate(FIGURES):
            caption = QLabel(title, self)
            set_tone(caption, "muted")
            caption.setToolTip(tip)
            value = QLabel("–", self)
            value.setObjectName(f"analytics_{key}")
            value.setToolTip(tip)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setBold(True)
            value.setFont(font)
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
            self.figures[key] = value
        grid.setColumnStretch(len(FIGURES), 1)
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("analytics_status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return grid

    # -- the period --------------------------------------------------------------------------
    def today(self) -> dt.date:
        """Today's date in the market's time zone, by the core's clock."""
        return self.session.app.clock.now().astimezone(ZoneInfo(self.timezone)).date()

    @property
    def period(self) -> Period:
        # Qt hands the item data back as a plain str.
        return Period(self.period_combo.currentData() or Period.WEEK)

    def dates(self) -> tuple[dt.date, dt.date]:
        """The first and last dates the next computation reads."""
        if self.period is Period.CUSTOM:
            return self.from_edit.date().toPython(), self.to_edit.date().toPython()  # type: ignore[return-value]
        return period_dates(self.period, self.today())

    def set_period(self, period: Period, *, refresh: bool = True) -> asyncio.Task[Any] | None:
        """Choose a period (its dates show in the from–to fields) and compute it."""
        self.period_combo.blockSignals(True)
        self.period_combo.setCurrentIndex(self.period_combo.findData(period.value))
        self.period_combo.blockSignals(False)
        custom = period is Period.CUSTOM
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        if not custom:
            start, end = period_dates(period, self.today())
            self.from_edit.setDate(QDate(start.year, start.month, start.day))
            self.to_edit.setDate(QDate(end.year, end.month, end.day))
        return self.refresh() if refresh else None

    def set_custom_period(self, start: dt.date, end: dt.date) -> asyncio.Task[Any] | None:
        """Compute ``start``..``end`` (dates included)."""
        self.set_period(Period.CUSTOM, refresh=False)
        self.from_edit.setDate(QDate(start.year, start.month, start.day))
        self.to_edit.setDate(QDate(end.year, end.month, end.day))
        return self.refresh()

    def _on_period_chosen(self, _index: int) -> None:
        self.set_period(self.period, refresh=self.period is not Period.CUSTOM)

    def set_instrument(self, key: str | None) -> asyncio.Task[Any] | None:
        """Show one instrument's trades and orders (None: all) and compute again."""
        index = self.instrument_combo.findData(key)
        if index < 0:
            self.instrument_combo.blockSignals(True)
            self.instrument_combo.addItem(key or ALL_INSTRUMENTS, key)
            self.instrument_combo.blockSignals(False)
            index = self.instrument_combo.count() - 1
        self.instrument_combo.blockSignals(True)
        self.instrument_combo.setCurrentIndex(index)
        self.instrument_combo.blockSignals(False)
        return self.refresh()

    @property
    def instrument(self) -> str | None:
        value = self.instrument_combo.currentData()
        return value if isinstance(value, str) else None

    # -- computing ---------------------------------------------------------------------------
    def on_screen_changed(self, on_screen: bool) -> None:
        if on_screen:
            self._plots()
        if on_screen and not self._computed_once:
            self.refresh()

    def refresh(self) -> asyncio.Task[Any] | None:
        """Compute the chosen period's report off the GUI thread (once more after a running
        one if asked meanwhile)."""
        if self.computing:
            self._again = True
            return None
        start, end = self.dates()
        if end < start:
            self._show_error(f"the period ends ({end}) before it starts ({start})")
            return None
        self._computed_once = True
        self.computing = True
        self._again = False
        self.refresh_button.setEnabled(False)
        self.busy.show()
        period = f"{start}" if start == end else f"{start} to {end}"
        self._show_status(f"Computing {period}…", "muted")
        app = self.session.app
        job = functools.partial(
            compute, app.store.engine, app.writer, start, end, self.timezone, self.instrument
        )

        async def run() -> None:
            result: AnalyticsResult | None = None
            failure: str | None = None
            try:
                result = await asyncio.get_running_loop().run_in_executor(None, job)
            except Exception as exc:  # any failure is shown, never a dead pane
                log.exception("analytics pane could not compute %s", period)
                failure = _first_line(exc)
            if not self.alive:  # the window may have closed meanwhile
                return
            self.computing = False
            self.refresh_button.setEnabled(True)
            self.busy.hide()
            if failure is not None:
                self._show_error(f"could not compute the report of {period}: {failure}")
                self.session.fail("analytics", failure)
            elif result is not None:
                self.show_result(result)
            if self._again:
                self.refresh()

        return self.run(run(), "analytics: compute the report")

    # -- showing -----------------------------------------------------------------------------
    def show_result(self, result: AnalyticsResult) -> None:
        """Show ``result``'s figures, chart and tables."""
        self.result, self.error = result, None
        report = result.report
        self._fill_instruments(result)
        self._show_figures(report)
        self.chart.show_report(report)
        self.histogram.show_orders(report.orders)
        self.trades_model.set_rows(trade_rows(report.trades))
        self.orders_model.set_rows(report.orders)
        self.tables.setTabText(0, f"Trades ({len(report.trades)})")
        self.tables.setTabText(1, f"Orders ({len(report.orders)})")
        self.export_button.setEnabled(True)
        what = result.instrument or "all instruments"
        text = (
            f"{report.start} to {report.end} ({report.timezone}), {what}: "
            f"{len(report.trades)} closed trades, {len(report.orders)} orders"
        )
        if report.open_trades:
            text += f", {len(report.open_trades)} still open (not counted)"
        for note in report.notes:
            text += f"\nNote: {note}"
        self._show_status(text, "warning" if report.notes else "muted")

    def _fill_instruments(self, result: AnalyticsResult) -> None:
        combo = self.instrument_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(ALL_INSTRUMENTS, None)
        keys = list(result.instruments)
        if result.instrument is not None and result.instrument not in keys:
            keys.append(result.instrument)
        for key in keys:
            combo.addItem(key, key)
        combo.setCurrentIndex(max(0, combo.findData(result.instrument)))
        combo.blockSignals(False)

    def _show_figures(self, report: Report) -> None:
        perf, execution = report.performance, report.execution
        dd = perf.max_drawdown
        percent = f" ({_percent(dd.percent)})" if dd.percent is not None else ""
        with_cost = sum(1 for e in report.orders if e.approval_delay_cost is not None)
        filled = sum(1 for e in report.orders if e.filled_quantity > 0)
        values: dict[str, tuple[str, Decimal | None]] = {
            "net_pnl": (_money(perf.net_pnl), perf.net_pnl),
            "trades": (f"{perf.trades} ({perf.winners} / {perf.losers})", None),
            "win_rate": (NA if perf.win_rate is None else f"{perf.win_rate * 100:.1f}%", None),
            "profit_factor": (
                NA if perf.profit_factor is None else f"{perf.profit_factor:.2f}",
                None,
            ),
            "max_drawdown": (_money(dd.money) + percent, dd.money),
            "sharpe": (NA if perf.sharpe is None else f"{perf.sharpe:.2f}", None),
            "delay_cost": (
                _delay(execution.approval_delay_cost),
                -execution.approval_delay_cost if execution.approval_delay_cost else None,
            ),
            "approval_time": (_seconds(execution.mean_approval_latency), None),
            "commission": (_money(execution.commission), None),
        }
        for key, (text, signed) in values.items():
            label = self.figures[key]
            label.setText(text)
            tone = "normal" if not signed else "up" if signed > 0 else "down"
            set_tone(label, tone)
        delay = self.figures["delay_cost"]
        tip = dict((k, t) for k, _, t in FIGURES)["delay_cost"]
        delay.setToolTip(f"{tip}\nKnown for {with_cost} of {filled} filled orders")

    def _show_error(self, text: str) -> None:
        self.error = text
        self._show_status(f"✗ {text[0].upper()}{text[1:]}", "critical")

    def _show_status(self, text: str, tone: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        set_tone(self.status_label, tone)

    def _flush(self) -> None:
        self.trades_model.flush()
        self.orders_model.flush()

    def _on_theme_changed(self, palette: Palette) -> None:
        if self._built_plots is not None:  # else built later, in the palette of the time
            self.chart.set_palette(palette)
            self.histogram.set_palette(palette)
        self.trades_model.mark_all_dirty()
        self.orders_model.mark_all_dirty()

    # -- to the chart ------------------------------------------------------------------------
    def _chart_trade_row(self, row: TradeRow | None) -> None:
        if row is not None:
            self.show_trade_on_chart(row.trade)

    def _chart_order_row(self, row: OrderExecution | None) -> None:
        if row is not None:
            self.show_order_on_chart(row)

    def show_trade_on_chart(self, trade: Trade) -> asyncio.Task[Any] | None:
        """Chart ``trade``'s instrument with its entries and exits marked (a combo trade has no
        chart of its own: it says so and charts nothing)."""
        if trade.combo:
            self._show_status(
                f"A combo trade is not charted (no chart has the combo's net price): chart its "
                f"legs ({trade.instrument}) one by one",
                "warning",
            )
            return None
        fills = self.result.fills if self.result is not None else ()
        marks = trade_marks(trade, fills)
        end = trade.exit_time or (marks[-1].time if marks else trade.entry_time)
        net = "" if trade.is_open else f", net {trade.net_pnl:+,.2f}"
        title = (
            f"{trade.instrument} {trade.side} {trade.quantity:,} "
            f"{self._when(trade.entry_time)} → {self._when(end, zone=True)}{net}"
        )
        return self._chart(trade.instrument, title, trade.entry_time, end, marks)

    def show_order_on_chart(self, execution: OrderExecution) -> asyncio.Task[Any] | None:
        """Chart ``execution``'s order with its fills marked (from staging to the last fill)."""
        order = execution.order
        marks = order_marks(order)
        end = marks[-1].time if marks else order.approved_at or order.staged_at
        title = (
            f"{order.instrument} {order.side} {order.quantity:,} {order.order_type} "
            f"staged {self._when(order.staged_at, zone=True)}, {len(marks)} fills"
        )
        return self._chart(order.instrument, title, order.staged_at, end, marks)

    def _when(self, at: dt.datetime, *, zone: bool = False) -> str:
        pattern = "%m-%d %H:%M:%S %Z" if zone else "%m-%d %H:%M:%S"
        return at.astimezone(ZoneInfo(self.timezone)).strftime(pattern)

    def _chart(
        self,
        key: str,
        title: str,
        start: dt.datetime,
        end: dt.datetime,
        marks: tuple[FillMark, ...],
    ) -> asyncio.Task[Any]:
        app = self.session.app

        async def resolve() -> Instrument:
            for instrument in app.watchlist:  # no round trip to the broker for these
                if instrument.key == key:
                    return instrument
            return await app.broker.qualify(key)

        def show(instrument: Instrument) -> None:
            self.session.request_chart_marks(ChartMarks(instrument, title, start, end, marks))

        return self.run(resolve(), f"chart {key}", on_done=show)

    # -- export ------------------------------------------------------------------------------
    def choose_export_file(self) -> QFileDialog | None:
        """Ask where to write the report shown (a non-blocking file dialog)."""
        if self.result is None:
            return None
        if self.export_dialog is not None:
            self.export_dialog.raise_()
            return self.export_dialog
        report = self.result.report
        self.export_dialog = open_save_dialog(
            self,
            title="Export analytics report",
            object_name="analytics_export_dialog",
            filters=_EXPORT_FILTERS,
            file_name=f"report-{report.start}-{report.end}.html",
            on_chosen=self._export_chosen,
            on_closed=self._export_dialog_closed,
        )
        return self.export_dialog

    def _export_dialog_closed(self, dialog: QFileDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None

    def _export_chosen(self, path: str, dialog: QFileDialog) -> None:
        chosen = Path(path)
        fmt = _EXPORT_FILTERS.get(dialog.selectedNameFilter(), "html")
        suffix = chosen.suffix.lower().lstrip(".")
        if suffix in _EXPORT_FILTERS.values():
            fmt = suffix  # the name the trader typed wins over the filter
        self.export_to(chosen, fmt)

    def export_to(self, path: Path, fmt: str) -> asyncio.Task[Any] | None:
        """Write the report shown to ``path`` as ``fmt`` (html, csv, json) off the GUI thread."""
        if self.result is None:
            return None
        report = self.result.report
        self.export_button.setEnabled(False)
        self._show_status(f"Exporting to {path.name}…", "muted")
        job = functools.partial(export, report, fmt, path)

        async def run() -> None:
            try:
                written = await asyncio.get_running_loop().run_in_executor(None, job)
            except OSError as exc:
                log.warning("analytics export to %s failed: %s", path, exc)
                if self.alive:
                    self.export_button.setEnabled(True)
                    self._show_error(f"could not export to {path}: {_first_line(exc)}")
                    self.session.fail("analytics export", _first_line(exc))
                return
            if self.alive:
                self.export_button.setEnabled(True)
                self.last_export = written
                text = f"Exported the report ({fmt.upper()}) to {written}"
                self._show_status(text, "ok")
                self.session.message.emit(text)

        return self.run(run(), "analytics: export the report")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
