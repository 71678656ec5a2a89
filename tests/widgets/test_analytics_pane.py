"""The analytics pane on the real core and the simulated exchange: it computes a session's
report off the GUI thread, shows its figures, chart and tables, exports it, and shows a failure."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from terminal.analytics.distribution import Metric
from terminal.analytics.fill_marks import Role
from terminal.domain import Fill, Order, OrderIntent, OrderSide, OrderType, Severity, Timeframe
from terminal.persistence.audit_verify import iter_records
from terminal.persistence.schema import PriceBarRow
from widgets.main_window import MainWindow
from widgets.panes import analytics as analytics_pane
from widgets.panes.analytics import AnalyticsPane
from widgets.panes.analytics_chart import EquityChart
from widgets.panes.analytics_histogram import ExecutionHistogram
from widgets.panes.analytics_io import Period
from widgets.panes.chart import ChartPane

from .conftest import Harness
from .test_blotter import fill_market, instrument


@pytest.fixture
def pane(harness: Harness) -> Iterator[AnalyticsPane]:
    view = AnalyticsPane(harness.session)
    harness.qtbot.addWidget(view)
    view.resize(1300, 700)
    yield view


def _round_trip(harness: Harness) -> tuple[Order, Order]:
    bought = fill_market(harness, "AAPL", 100, OrderSide.BUY)
    harness.step(20)  # the market moves while the position is held
    sold = fill_market(harness, "AAPL", 100, OrderSide.SELL)
    return bought, sold


def _fills(harness: Harness, *orders: Order) -> list[Fill]:
    ids = {o.id for o in orders}
    harness.commit()
    return [f for f in harness.app.store.load_fills() if f.order_id in ids]


def _computed(harness: Harness, view: AnalyticsPane) -> None:
    harness.qtbot.waitUntil(lambda: not view.computing and view.result is not None)
    harness.session.refresh.flush_now()


def test_shown_it_computes_the_session_and_shows_net_pnl_and_what_waiting_cost(
    harness: Harness, pane: AnalyticsPane
) -> None:
    bought, sold = _round_trip(harness)
    fills = _fills(harness, bought, sold)
    # Hand-worked from the fills, not from the analytics: sell value - buy value - commission.
    sign = {bought.id: -1, sold.id: 1}
    net = sum((sign[f.order_id or ""] * f.quantity * f.price for f in fills), Decimal(0))
    net -= sum((f.commission for f in fills), Decimal(0))
    # What waiting cost, from the mids the audit trail holds for each order.
    mids: dict[tuple[str, str], Decimal] = {}
    for r in iter_records(harness.app.store.engine):
        if r.action in ("stage", "approve") and r.subject in sign:
            mids[(r.subject, r.action)] = Decimal(json.loads(r.details_json)["mid"])
    delay = sum(
        (
            (mids[(o.id, "approve")] - mids[(o.id, "stage")]) * -sign[o.id] * 100
            for o in (bought, sold)
        ),
        Decimal(0),
    )

    pane.show()  # on screen: it computes this week (two clicks: View → Analytics)
    assert pane.computing and pane.status_label.text().startswith("Computing")
    _computed(harness, pane)

    assert pane.period is Period.WEEK and pane.error is None
    assert pane.figures["net_pnl"].text() == f"{net:,.2f}"
    worded = "" if delay == 0 else " (lost)" if delay > 0 else " (gained)"
    assert pane.figures["delay_cost"].text() == f"{delay:,.2f}{worded}"
    assert pane.figures["trades"].text() == ("1 (1 / 0)" if net > 0 else "1 (0 / 1)")
    assert pane.figures["win_rate"].text() == ("100.0%" if net > 0 else "0.0%")
    assert pane.trades_model.rowCount() == 1 and pane.orders_model.rowCount() == 2
    assert {e.order.order_id for e in pane.orders_model.rows()} == {bought.id, sold.id}
    # Every order has its arrival price: the OMS recorded the mid, no note says otherwise.
    assert all(e.vs_arrival is not None for e in pane.orders_model.rows())
    assert "arrival price" not in pane.status_label.text()
    # The equity curve: flat start, then the trade's net P&L at its exit.
    _, equity, drawdown = pane.chart.points
    assert equity == [0, net] and drawdown == [0, min(Decimal(0), net)]
    assert [pane.instrument_combo.itemText(i) for i in range(pane.instrument_combo.count())] == [
        "All instruments",
        "AAPL",
    ]


def test_the_instrument_filter_and_an_empty_period(harness: Harness, pane: AnalyticsPane) -> None:
    _round_trip(harness)
    pane.show()
    _computed(harness, pane)
    assert pane.trades_model.rowCount() == 1

    pane.set_instrument("MSFT")
    _computed(harness, pane)
    assert pane.instrument == "MSFT" and pane.trades_model.rowCount() == 0
    assert pane.figures["net_pnl"].text() == "0.00" and pane.figures["sharpe"].text() == "n/a"

    pane.set_instrument(None)
    _computed(harness, pane)
    today = pane.today()
    pane.set_custom_period(today.replace(year=today.year - 1), today.replace(year=today.year - 1))
    _computed(harness, pane)
    assert pane.trades_model.rowCount() == 0 and pane.orders_model.rowCount() == 0
    assert pane.figures["delay_cost"].text() == "n/a"  # no order: unknown, not zero


def test_export_writes_the_report_shown_through_a_non_modal_dialog(
    harness: Harness, pane: AnalyticsPane, tmp_path: Path
) -> None:
    _round_trip(harness)
    pane.show()
    _computed(harness, pane)
    assert pane.result is not None
    net = pane.result.report.performance.net_pnl

    task = pane.export_to(tmp_path / "week.json", "json")
    assert task is not None
    harness.qtbot.waitUntil(task.done)
    data = json.loads((tmp_path / "week.json").read_text())
    assert Decimal(data["performance"]["net_pnl"]) == net
    assert "Exported" in pane.status_label.text()

    dialog = pane.choose_export_file()
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert harness.app.clock is not None  # the loop runs on: the dialog opened without exec()
    dialog.fileSelected.emit(str(tmp_path / "week.html"))
    harness.qtbot.waitUntil(lambda: pane.last_export == tmp_path / "week.html")
    html = (tmp_path / "week.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and f"{net:,.2f}" in html


def test_a_failing_load_shows_the_error_in_the_pane(
    harness: Harness,
    pane: AnalyticsPane,
    monkeypatch: pytest.MonkeyPatch,
    logged_errors: list[logging.LogRecord],
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise OperationalError("SELECT fills", {}, Exception("database is locked"))

    monkeypatch.setattr(analytics_pane, "compute", broken)
    pane.show()
    harness.qtbot.waitUntil(lambda: not pane.computing and pane.error is not None)
    assert "database is locked" in pane.status_label.text()
    assert pane.status_label.property("tone") == "critical"
    assert pane.refresh_button.isEnabled() and not pane.busy.isVisible()
    assert not pane.export_button.isEnabled()  # nothing to export
    assert any(
        "database is locked" in a.message and a.severity is Severity.WARNING
        for a in harness.app.alerts.active()
    )
    # Logged with its traceback, for whoever reads the log after the trader.
    assert [r.exc_info is not None for r in logged_errors] == [True]


def test_the_view_menu_and_its_shortcut_bring_the_pane_forward_and_compute(
    harness: Harness, window: MainWindow
) -> None:
    view = window.pane("analytics")
    assert isinstance(view, AnalyticsPane) and view.result is None  # tabbed behind: not yet
    toggles = [a.objectName() for a in window.menuBar().actions()[2].menu().actions()]
    assert "action_toggle_analytics" in toggles
    window.named_actions["focus_analytics"].trigger()
    _computed(harness, view)
    assert view.on_screen and view.figures["net_pnl"].text() == "0.00"


def _bars_drawn(view: AnalyticsPane) -> dict[float, float]:
    """Bin centre → height of every bar the histogram draws, whatever its colour."""
    hist = view.histogram
    drawn: dict[float, float] = {}
    for bars in (hist.cost_bars, hist.gain_bars, hist.neutral_bars):
        for x, height in zip(bars.opts["x"], bars.opts["height"], strict=True):
            drawn[float(x)] = float(height)
    return drawn


def test_the_histogram_bins_the_orders_slippage_and_latencies_and_names_what_it_left_out(
    harness: Harness, pane: AnalyticsPane
) -> None:
    bought, sold = _round_trip(harness)
    unapproved = harness.app.orders.stage(
        OrderIntent(instrument(harness, "AAPL"), OrderSide.BUY, Decimal(5), OrderType.MARKET)
    )
    harness.app.orders.reject(unapproved.id, "test: not wanted")
    fills = _fills(harness, bought, sold)
    # Hand-worked slippage vs arrival in ticks: (average fill - mid at staging) x side / tick.
    mids = {
        r.subject: Decimal(json.loads(r.details_json)["mid"])
        for r in iter_records(harness.app.store.engine)
        if r.action == "stage" and r.subject in (bought.id, sold.id)
    }
    ticks = []
    for order, sign in ((bought, 1), (sold, -1)):
        mine = [f for f in fills if f.order_id == order.id]
        average = sum((f.quantity * f.price for f in mine), Decimal(0)) / sum(
            (f.quantity for f in mine), Decimal(0)
        )
        ticks.append(float((average - mids[order.id]) * sign / Decimal("0.01")))

    pane.show()
    _computed(harness, pane)
    hist = pane.histogram
    assert hist.chosen is Metric.SLIP_ARRIVAL_TICKS
    assert sorted(hist.shown.values) == pytest.approx(sorted(ticks))
    drawn = _bars_drawn(pane)
    assert sum(drawn.values()) == 2  # one bar per bin, both orders in them
    for value in ticks:  # each order's bar is the one around its slippage
        centre = min(drawn, key=lambda c: abs(c - value))
        assert abs(centre - value) <= hist.shown.width / 2 and drawn[centre] >= 1
    assert hist.left_out.text() == "1 order not filled: left out"  # the rejected one
    assert "ticks" in hist.plot.getAxis("bottom").labelText

    hist.set_metric(Metric.APPROVAL_LATENCY)
    assert hist.metric_combo.currentText() == "Approval latency (s)"
    assert sum(_bars_drawn(pane).values()) == 2
    assert hist.left_out.text() == "1 order not approved: left out"
    assert "(s)" in hist.plot.getAxis("bottom").labelText
    assert hist.summary.text().startswith("2 orders: median ")


def test_a_report_read_while_the_database_is_still_writing_says_so(
    harness: Harness, pane: AnalyticsPane, monkeypatch: pytest.MonkeyPatch
) -> None:
    _round_trip(harness)
    harness.commit()
    monkeypatch.setattr(harness.app.writer, "flush", lambda _timeout: False)
    pane.show()
    _computed(harness, pane)
    assert "still writing" in pane.status_label.text()
    assert pane.status_label.property("tone") == "warning"
    assert pane.trades_model.rowCount() == 1  # what was written is shown all the same


def test_a_trade_of_the_session_shows_its_mae_and_mfe_from_the_bars_recorded_for_it(
    harness: Harness, pane: AnalyticsPane
) -> None:
    _round_trip(harness)
    harness.qtbot.waitUntil(lambda: harness.app.bar_recorder.recording == [])  # flat
    harness.commit()
    pane.show()
    _computed(harness, pane)
    assert pane.result is not None
    [trade] = pane.result.report.trades
    # Hand-worked from the bars in the database over the holding period, long 100.
    with harness.app.store.engine.connect() as conn:
        stored = select(PriceBarRow).where(PriceBarRow.instrument_key == "AAPL")
        bars = conn.execute(stored).mappings().all()
    minute = dt.timedelta(minutes=1)
    assert trade.exit_time is not None
    rows = [
        (b["high"], b["low"])
        for b in bars
        if b["start"] + minute > trade.entry_time and b["start"] <= trade.exit_time
    ]
    assert rows  # the position's minutes were recorded
    high = Decimal(repr(max(h for h, _ in rows)))
    low = Decimal(repr(min(lo for _, lo in rows)))
    mfe = max(high - trade.entry_price, Decimal(0)) * 100
    mae = min(low - trade.entry_price, Decimal(0)) * 100
    assert (trade.mae, trade.mfe) == (mae, mfe)
    model = pane.trades_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    cells = {h: model.index(0, c).data() for c, h in enumerate(headers)}
    assert (cells["MAE"], cells["MFE"]) == (f"{mae:,.2f}", f"{mfe:,.2f}")
    assert not any("price bars" in n for n in pane.result.report.notes)


def test_clicking_a_trade_brings_the_chart_forward_on_its_instrument_with_its_fills_marked(
    harness: Harness, window: MainWindow
) -> None:
    bought = fill_market(harness, "MSFT", 100, OrderSide.BUY)
    harness.step(20)
    sold = fill_market(harness, "MSFT", 100, OrderSide.SELL)
    fills = sorted(_fills(harness, bought, sold), key=lambda f: (f.time, f.exec_id))
    chart = window.pane("chart")
    assert isinstance(chart, ChartPane)
    assert chart.instrument is not None and chart.instrument.key == "AAPL"  # the first one
    window.docks["chart"].close()  # out of sight: the click must bring it back
    view = window.pane("analytics")
    assert isinstance(view, AnalyticsPane)
    window.bring_forward("analytics")
    _computed(harness, view)
    assert view.trades_model.rowCount() == 1

    table = view.trades_view
    index = table.model().index(0, 0)
    harness.qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    harness.qtbot.waitUntil(lambda: chart.chart.fill_marks.shown, timeout=10_000)

    assert window.docks["chart"].isVisible() and chart.on_screen
    assert chart.instrument is not None and chart.instrument.key == "MSFT"
    active = harness.session.active
    assert active is not None and active.key == "MSFT"  # the linked panes follow it
    marks = chart.chart.fill_marks.marks
    assert [(m.time, m.price, m.side) for m in marks] == [
        (f.time, f.price, "BUY" if f.order_id == bought.id else "SELL") for f in fills
    ]
    assert [m.role for m in marks] == [
        Role.ENTRY if f.order_id == bought.id else Role.EXIT for f in fills
    ]
    assert list(chart.chart.fill_marks.scatter.data["y"]) == [float(f.price) for f in fills]
    lo, hi = chart.chart.x_range()
    assert all(lo <= x <= hi for x in chart.chart.fill_marks.xs)
    # Seconds-long trade: 1 minute bars, which the simulator has for now.
    assert chart.timeframe is Timeframe.M1 and chart.marks_covered
    assert chart.marks_label.text().startswith("MSFT LONG 100 ")

    # An order of the Orders tab: just its own fills.
    view.tables.setCurrentIndex(1)
    position = view.orders_model.position(sold.id)
    assert position is not None
    orders = view.orders_view
    index = orders.model().index(position, 0)
    harness.qtbot.mouseClick(
        orders.viewport(), Qt.MouseButton.LeftButton, pos=orders.visualRect(index).center()
    )
    harness.qtbot.waitUntil(
        lambda: chart.marks is not None and chart.marks.title.startswith("MSFT SELL")
    )
    harness.qtbot.waitUntil(lambda: not chart.loading)
    assert [m.price for m in chart.chart.fill_marks.marks] == [
        f.price for f in fills if f.order_id == sold.id
    ]


def test_this_week_is_one_choice_in_the_period_box_and_shows_what_waiting_cost(
    harness: Harness, pane: AnalyticsPane
) -> None:
    _round_trip(harness)
    pane.show()
    _computed(harness, pane)
    week = pane.figures["delay_cost"].text()
    assert week != "n/a"  # the session's orders hold their mids
    today = pane.today()
    pane.set_custom_period(today.replace(year=today.year - 1), today.replace(year=today.year - 1))
    _computed(harness, pane)
    assert pane.figures["delay_cost"].text() == "n/a"

    # The second click: "This week" in the period box computes the week again.
    pane.period_combo.setCurrentIndex(pane.period_combo.findData(Period.WEEK.value))
    assert pane.computing
    _computed(harness, pane)
    assert pane.period is Period.WEEK
    monday = today - dt.timedelta(days=today.weekday())
    assert pane.dates() == (monday, today)
    assert pane.figures["delay_cost"].text() == week


def test_a_combo_trade_is_not_charted_and_the_pane_says_why(
    harness: Harness, pane: AnalyticsPane
) -> None:
    import datetime as dt

    from terminal.analytics.trades import Trade

    at = dt.datetime(2026, 1, 5, 15, tzinfo=dt.UTC)
    asked: list[object] = []
    harness.session.chart_marks_requested.connect(lambda *args: asked.append(args))
    trade = Trade(
        "SPY 20260116 C 600/+1|SPY 20260116 C 610/-1",
        1,
        Decimal(1),
        at,
        None,
        Decimal("3.00"),
        None,
        Decimal(0),
        Decimal(0),
        Decimal(100),
        ("O1",),
        combo=True,
    )
    assert pane.show_trade_on_chart(trade) is None
    assert "combo trade is not charted" in pane.status_label.text()
    assert asked == []


def test_its_plots_are_built_when_it_first_comes_on_screen_not_at_start(
    window: MainWindow, harness: Harness
) -> None:
    """The pane starts tabbed away: its two plots are not paid for at every start."""
    pane = window.panes["analytics"]
    assert isinstance(pane, AnalyticsPane) and not pane.on_screen
    assert not pane.findChildren(EquityChart) and not pane.findChildren(ExecutionHistogram)
    window.bring_forward("analytics")
    harness.qtbot.waitUntil(lambda: pane.on_screen)
    (chart,) = pane.findChildren(EquityChart)
    (histogram,) = pane.findChildren(ExecutionHistogram)
    assert chart.isVisible() and histogram.isVisible()
    assert chart.width() > 100 and histogram.width() > 100  # in the splitter's places
