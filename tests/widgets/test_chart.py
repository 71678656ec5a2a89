"""The chart pane on the real core and the simulated exchange (virtual clock): history backfill,
timeframes and live subscriptions, the forming bar, completed bars, order and position lines,
overlays, crosshair readout, follow mode, the context menu and the theme."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from terminal.analytics.fill_marks import FillMark, Role
from terminal.domain import (
    Bar,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Timeframe,
)
from terminal.domain.values import round_to_tick
from widgets import formatting
from widgets.chart.indicators import sma
from widgets.main_window import MainWindow
from widgets.panes.chart import ChartPane
from widgets.session import ChartMarks, TicketRequest
from widgets.theme import LIGHT

from .conftest import Harness

S = OrderStatus


# -- helpers ----------------------------------------------------------------------------------
def instrument(harness: Harness, key: str = "AAPL") -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == key)


def wait_loaded(harness: Harness, pane: ChartPane, loads: int = 1) -> None:
    harness.qtbot.waitUntil(lambda: pane.loads >= loads and not pane.loading, timeout=10_000)


@pytest.fixture
def pane(harness: Harness, qtbot: QtBot) -> Iterator[ChartPane]:
    """A chart pane on screen showing AAPL (5m bars, the default)."""
    chart = ChartPane(harness.session)
    qtbot.addWidget(chart)
    chart.resize(1000, 560)
    chart.show()
    qtbot.waitExposed(chart)
    harness.session.set_active(instrument(harness))
    wait_loaded(harness, chart)
    yield chart


class BarEvents:
    """Every bars_updated the market data service publishes."""

    def __init__(self, harness: Harness) -> None:
        self.seen: list[tuple[str, Timeframe, Bar]] = []
        harness.session.subscribe(harness.app.market.bars_updated, self.on_bars)

    def on_bars(self, key: str, timeframe: Timeframe, bar: Bar, is_new: bool) -> None:
        self.seen.append((key, timeframe, bar))

    def keys(self) -> set[tuple[str, Timeframe]]:
        return {(key, tf) for key, tf, _ in self.seen}

    def newest(self, key: str, timeframe: Timeframe) -> Bar:
        return [bar for k, tf, bar in self.seen if (k, tf) == (key, timeframe)][-1]


def rest_limit(harness: Harness, side: OrderSide, away: str = "0.01", key: str = "AAPL") -> Order:
    """A limit order ``away`` (fraction) outside the market that rests without filling."""
    app = harness.app
    inst = instrument(harness, key)
    quote = app.market.last_quote(inst.key)
    assert quote is not None
    if side is OrderSide.BUY:
        raw = Decimal(str(quote.bid)) * (1 - Decimal(away))
    else:
        raw = Decimal(str(quote.ask)) * (1 + Decimal(away))
    price = round_to_tick(raw, inst.tick_size)
    order = app.orders.stage(OrderIntent(inst, side, Decimal(100), OrderType.LIMIT, price))
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.ACCEPTED)
    return app.orders.get(order.id)


def plain(html: str) -> str:
    """The readout's text without markup."""
    return re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ")


def right_edge(pane: ChartPane) -> float:
    return pane.chart.x_range()[1]


# -- history and subscriptions -------------------------------------------------------------------
def test_history_loads_for_the_active_instrument_with_a_busy_indicator(
    harness: Harness, qtbot: QtBot
) -> None:
    pane = ChartPane(harness.session)
    qtbot.addWidget(pane)
    pane.show()
    harness.session.set_active(instrument(harness))
    assert pane.loading and pane.progress.isVisible()
    assert pane.status.text() == "Loading AAPL 5m…"
    wait_loaded(harness, pane)
    series = pane.chart.series
    assert len(series) > 100
    assert not pane.progress.isVisible() and pane.status.text() == ""
    lo, hi = pane.chart.x_range()
    assert lo < series.last_index < hi  # the newest bar is in view
    assert series.timeframe is Timeframe.M5
    assert np.all(np.diff(series.history.times) % 300 == 0)
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None and series.forming is not None
    assert series.forming.close == pytest.approx(quote.last, rel=0.01)


def test_switching_timeframe_reloads_and_moves_the_live_subscription(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    events = BarEvents(harness)
    harness.step(4)
    assert events.keys() == {("AAPL", Timeframe.M5)}
    five_minute = pane.chart.series
    qtbot.mouseClick(pane.timeframe_buttons[Timeframe.M1], Qt.MouseButton.LeftButton)
    wait_loaded(harness, pane, loads=2)
    assert pane.timeframe is Timeframe.M1
    assert pane.timeframe_buttons[Timeframe.M1].isChecked()
    assert not pane.timeframe_buttons[Timeframe.M5].isChecked()
    one_minute = pane.chart.series
    assert one_minute is not five_minute
    spacing = np.diff(one_minute.history.times)
    assert np.min(spacing) == 60 and np.min(np.diff(five_minute.history.times)) == 300
    events.seen.clear()
    harness.step(4)
    # the 5m subscription was released: only 1m bars are built and published now
    assert events.keys() == {("AAPL", Timeframe.M1)}


def test_number_keys_choose_the_timeframe_when_the_chart_has_focus(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    pane.activateWindow()
    pane.setFocus()
    qtbot.waitUntil(pane.chart.hasFocus)
    qtbot.keyClick(pane.chart, Qt.Key.Key_3)
    assert pane.timeframe is Timeframe.M15 and pane.loading
    wait_loaded(harness, pane, loads=2)
    assert np.min(np.diff(pane.chart.series.history.times)) == 900
    qtbot.keyClick(pane.chart, Qt.Key.Key_5)
    wait_loaded(harness, pane, loads=3)
    assert pane.timeframe is Timeframe.D1
    assert not pane.indicator_buttons["vwap"].isEnabled()  # VWAP is intraday only


def test_switching_instruments_quickly_shows_only_the_last_choice(
    harness: Harness, pane: ChartPane
) -> None:
    events = BarEvents(harness)
    harness.session.set_active(instrument(harness, "MSFT"))
    harness.session.set_active(instrument(harness, "SPY"))  # before MSFT's history arrived
    wait_loaded(harness, pane, loads=2)
    harness.step(6)  # late results (if any) would land now
    assert pane.loads == 2 and pane.instrument is not None and pane.instrument.key == "SPY"
    quote = harness.app.market.last_quote("SPY")
    forming = pane.chart.series.forming
    assert quote is not None and forming is not None
    assert forming.close == pytest.approx(quote.last, rel=0.01)
    assert events.keys() == {("SPY", Timeframe.M5)}  # AAPL's and MSFT's were released
    assert "SPY" in pane.readout.text()


def test_a_history_that_cannot_load_is_reported_at_the_chart(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(harness.session.message) as message:
        harness.session.set_active(Instrument.stock("ZZZZ"))
        qtbot.waitUntil(lambda: not pane.loading)
    assert "ZZZZ" in str(message.args[0])
    assert pane.status.text() == "No 5m data for ZZZZ"
    assert pane.status.property("tone") == "warning"
    assert not pane.progress.isVisible()


def test_a_load_cut_off_by_a_lost_connection_is_retried_when_it_is_back(
    harness: Harness, pane: ChartPane
) -> None:
    wait_loaded(harness, pane)
    harness.broker.drop_connection()
    pane.timeframe_buttons[Timeframe.H1].click()
    harness.qtbot.waitUntil(lambda: not pane.loading)
    assert pane.status.text().startswith("No 1h data")
    assert pane.loads == 1
    harness.broker.restore_connection(data_lost=True)
    wait_loaded(harness, pane, loads=2)
    assert pane.timeframe is Timeframe.H1 and pane.status.text() == ""


# -- live updates ------------------------------------------------------------------------------
def test_market_steps_move_only_the_forming_bar(harness: Harness, pane: ChartPane) -> None:
    events = BarEvents(harness)
    chart = pane.chart
    candles, renders = chart.candles, chart.candles.render_count
    completed = len(chart.series.history)
    harness.until(lambda: len(events.seen) >= 3)
    newest = events.newest("AAPL", Timeframe.M5)
    forming = chart.forming_candle.bar
    assert forming is not None and forming.close == newest.close
    assert forming.high >= newest.high and forming.low <= newest.low
    assert chart.candles is candles and candles.render_count == renders
    assert len(chart.series.history) == completed


def test_a_live_update_repaints_the_forming_bar_from_the_cached_history(
    pane: ChartPane,
) -> None:
    chart = pane.chart
    chart.viewport().repaint()
    forming = chart.series.forming
    assert forming is not None
    history_paints, forming_paints = chart.candles.paint_count, chart.forming_candle.paint_count
    mid = (forming.high + forming.low) / 2
    updated = Bar(forming.start, forming.open, forming.high, forming.low, mid, forming.volume)
    assert not chart.apply_updates([updated])
    chart.viewport().repaint()
    assert chart.forming_candle.paint_count > forming_paints
    assert chart.candles.paint_count == history_paints  # drawn from the device cache


def test_a_completed_bar_joins_the_cached_history_and_the_view_follows(
    harness: Harness, pane: ChartPane
) -> None:
    chart = pane.chart
    renders = chart.candles.render_count
    completed = len(chart.series.history)
    edge = right_edge(pane)
    harness.qtbot.waitUntil(
        lambda: harness.step(1, seconds=20) or len(chart.series.history) > completed
    )
    assert len(chart.series.history) == completed + 1
    assert chart.candles.render_count == renders + 1
    assert len(chart.candles) == completed + 1
    assert right_edge(pane) == pytest.approx(edge + 1)
    forming = chart.series.forming
    assert forming is not None
    assert forming.start.timestamp() - chart.series.history.times[-1] == 300


# -- order and position lines --------------------------------------------------------------------
def test_a_working_limit_order_draws_a_line_until_cancelled(
    harness: Harness, pane: ChartPane
) -> None:
    order = rest_limit(harness, OrderSide.BUY)
    price = order.intent.limit_price
    assert price is not None
    harness.step()
    assert pane.chart.levels.levels()[order.id] == (float(price), f"BUY 100 LMT {price:,.2f}")
    sell = rest_limit(harness, OrderSide.SELL)
    harness.step()
    assert pane.chart.levels.levels()[sell.id][1].startswith("SELL 100 LMT ")
    assert pane.chart.levels.line(sell.id).pen.color() == pane.colors.sell
    assert pane.chart.levels.line(order.id).pen.color() == pane.colors.buy
    lo, hi = pane.chart.y_range()
    assert lo < float(price) < hi  # a line near the bars stays in sight
    harness.run(harness.app.orders.cancel(order.id))
    harness.until(lambda: harness.app.orders.get(order.id).status is S.CANCELLED)
    assert order.id not in pane.chart.levels.levels()
    assert sell.id in pane.chart.levels.levels()


def test_an_order_of_another_instrument_draws_no_line(harness: Harness, pane: ChartPane) -> None:
    order = rest_limit(harness, OrderSide.BUY, key="MSFT")
    harness.step()
    assert harness.app.orders.get(order.id).status.is_working
    assert pane.chart.levels.levels() == {}


def test_the_position_average_price_is_a_line(harness: Harness, pane: ChartPane) -> None:
    app = harness.app
    intent = OrderIntent(instrument(harness), OrderSide.BUY, Decimal(100), OrderType.MARKET)
    order = app.orders.stage(intent)
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.FILLED)
    harness.step()
    position = app.portfolio.position("AAPL")
    assert position is not None
    expected = f"AVG {formatting.price(position.avg_cost)} x 100"
    assert pane.chart.levels.levels()["position"] == (float(position.avg_cost), expected)


# -- overlays, readout, crosshair ------------------------------------------------------------------
def test_indicator_buttons_toggle_overlays_with_their_values(pane: ChartPane, qtbot: QtBot) -> None:
    overlay = pane.chart.overlays["sma"]
    assert not overlay.visible
    qtbot.mouseClick(pane.indicator_buttons["sma"], Qt.MouseButton.LeftButton)
    assert overlay.visible and pane.indicator_buttons["sma"].isChecked()
    history = pane.chart.series.history
    expected = sma(history.close, 20)
    np.testing.assert_allclose(overlay.values, expected)
    forming = pane.chart.series.forming
    assert forming is not None
    tail = (float(np.sum(history.close[-19:])) + forming.close) / 20
    assert overlay.forming_value == pytest.approx(tail)
    assert f"SMA 20 {formatting.price(tail)}" in pane.readout.text()
    qtbot.mouseClick(pane.indicator_buttons["sma"], Qt.MouseButton.LeftButton)
    assert not overlay.visible and "SMA 20" not in pane.readout.text()


def test_crosshair_readout_shows_the_bar_under_the_mouse(pane: ChartPane) -> None:
    chart = pane.chart
    index = chart.series.last_index - 7
    bar = chart.series.bar_at(index)
    assert bar is not None
    middle = (bar.high + bar.low) / 2
    chart.on_mouse_moved(chart.scene_pos_of(index + 0.2, middle))
    text = plain(pane.readout.text())
    p = formatting.price
    assert f"O {p(bar.open)} H {p(bar.high)} L {p(bar.low)} C {p(bar.close)}" in text
    assert f"V {formatting.volume(bar.volume)}" in text
    assert f"Cursor {p(chart.cursor_tag.value)}" in text
    assert chart.crosshair.visible and chart.crosshair.vertical.value() == index
    assert chart.crosshair.horizontal.value() == pytest.approx(middle, rel=1e-3)
    assert chart.cursor_tag.text == formatting.price(chart.cursor_tag.value)
    # off the plots: the readout returns to the newest bar
    chart.on_mouse_moved(QPointF(-50, -50))
    newest = chart.series.forming
    assert newest is not None and not chart.crosshair.visible
    assert f"C {formatting.price(newest.close)}" in plain(pane.readout.text())
    assert "Cursor" not in plain(pane.readout.text())


# -- follow mode --------------------------------------------------------------------------------
def test_scrolling_back_stops_following_and_end_returns(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    chart = pane.chart
    assert chart.follow and pane.follow_button.isChecked()
    chart.price_vb.setXRange(20, 80, padding=0)  # as a drag back in time would
    assert not chart.follow and not pane.follow_button.isChecked()
    harness.step(2)
    assert chart.x_range() == pytest.approx((20, 80))  # stays where the trader put it
    pane.activateWindow()
    pane.setFocus()
    qtbot.waitUntil(chart.hasFocus)
    qtbot.keyClick(chart, Qt.Key.Key_End)
    assert chart.follow and pane.follow_button.isChecked()
    lo, hi = chart.x_range()
    assert lo < chart.series.last_index < hi
    assert hi - lo == pytest.approx(60)  # the zoom is kept
    qtbot.keyClick(chart, Qt.Key.Key_Minus)  # zoom out around the newest bar
    assert chart.follow and chart.x_range()[1] == pytest.approx(hi)
    assert chart.x_range()[1] - chart.x_range()[0] == pytest.approx(75)
    qtbot.keyClick(chart, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)  # half a screen
    assert not chart.follow and chart.x_range()[1] == pytest.approx(hi - 37.5)
    qtbot.mouseClick(pane.follow_button, Qt.MouseButton.LeftButton)
    assert chart.follow and chart.x_range()[1] == pytest.approx(hi)


def test_zooming_with_the_newest_bar_in_view_keeps_following(pane: ChartPane) -> None:
    chart = pane.chart
    last = chart.series.last_index
    chart.price_vb.setXRange(last - 30, last + 3, padding=0)
    assert chart.follow
    lo, hi = chart.x_range()
    prices = chart.series.price_range(math.ceil(lo), math.floor(hi))
    assert prices is not None
    ylo, yhi = chart.y_range()
    assert ylo < prices[0] and prices[1] < yhi  # y fits the visible bars
    assert yhi - ylo < (prices[1] - prices[0]) * 1.5


# -- context menu -------------------------------------------------------------------------------
def test_context_menu_creates_a_price_alert_and_prefills_tickets_at_the_mouse_price(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    chart = pane.chart
    lo, hi = chart.y_range()
    wanted = (lo + hi) / 2
    position = chart.mapFromScene(chart.scene_pos_of(chart.series.last_index - 20, wanted))
    with qtbot.waitSignal(chart.context_requested) as clicked:
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.RightButton, pos=position)
    price = clicked.args[0]
    assert price == pytest.approx(wanted, abs=(hi - lo) / 100)
    menu = pane.context_menu(price)
    tick = round_to_tick(Decimal(repr(price)), Decimal("0.01"))
    actions = {action.objectName(): action for action in menu.actions()}
    alert = actions["chart_alert_action"]
    assert alert.text() == f"Alert at {tick:,.2f}"
    with qtbot.waitSignal(harness.session.price_alert_requested) as requested:
        alert.trigger()
    assert requested.args[0].key == "AAPL" and requested.args[1] == float(tick)
    with qtbot.waitSignal(harness.session.ticket_requested) as ticket:
        actions["chart_sell_limit_action"].trigger()
    request = ticket.args[0]
    assert isinstance(request, TicketRequest)
    assert (request.side, request.order_type, request.limit_price) == (
        OrderSide.SELL,
        OrderType.LIMIT,
        tick,
    )


# -- theme and window -----------------------------------------------------------------------------
def test_the_theme_switch_recolours_the_chart(harness: Harness, pane: ChartPane) -> None:
    renders = pane.chart.candles.render_count
    harness.session.set_palette(LIGHT)
    assert pane.chart.colors.up == LIGHT.up and pane.chart.colors.down == LIGHT.down
    assert pane.chart.backgroundBrush().color() == LIGHT.background
    assert pane.chart.candles.render_count == renders  # colours only: the paths stay
    image = pane.chart.grab().toImage()
    corner = image.pixelColor(5, 5)
    assert corner == LIGHT.background


def test_the_window_charts_the_first_watchlist_instrument(
    window: MainWindow, harness: Harness
) -> None:
    pane = window.pane("chart")
    assert isinstance(pane, ChartPane)
    wait_loaded(harness, pane)
    assert pane.instrument is not None and pane.instrument.key == "AAPL"
    assert len(pane.chart.series) > 0
    assert pane.readout.text().startswith("<b>AAPL</b>")


# -- fills marked from the analytics pane ------------------------------------------------------------
def test_fills_older_than_the_bars_are_marked_at_their_prices_and_the_chart_says_no_bars(
    harness: Harness, pane: ChartPane
) -> None:
    now = harness.app.clock.now()
    start = now - dt.timedelta(days=30)
    fills = (
        FillMark(start + dt.timedelta(minutes=1), Decimal("101.25"), 1, Decimal(100), Role.ENTRY),
        FillMark(start + dt.timedelta(minutes=9), Decimal("103.50"), -1, Decimal(100), Role.EXIT),
    )
    end = start + dt.timedelta(minutes=10)
    pane.show_marks(ChartMarks(instrument(harness), "AAPL LONG 100 (test)", start, end, fills))
    # A ten-minute trade is shown on 1 minute bars: a reload.
    wait_loaded(harness, pane, loads=2)
    assert pane.timeframe is Timeframe.M1 and pane.timeframe_buttons[Timeframe.M1].isChecked()

    marks = pane.chart.fill_marks
    assert [m.price for m in marks.marks] == [Decimal("101.25"), Decimal("103.50")]
    assert list(marks.scatter.data["y"]) == [101.25, 103.5]
    xs = list(marks.scatter.data["x"])
    # Before the first bar (x = 0), eight minutes = eight 1m bars apart, and in view.
    assert xs[1] < 0 and xs[1] - xs[0] == pytest.approx(8)
    lo, hi = pane.chart.x_range()
    ylo, yhi = pane.chart.y_range()
    assert all(lo <= x <= hi for x in xs) and ylo < 101.25 and yhi > 103.5
    assert not pane.chart.follow and not pane.follow_button.isChecked()
    assert not pane.marks_covered
    assert pane.marks_label.isVisible() and pane.marks_label.property("tone") == "warning"
    assert pane.marks_label.text().startswith("AAPL LONG 100 (test)")
    assert "No 1m bars are recorded for this period" in pane.marks_label.text()

    # Another instrument charted: the marks go.
    harness.session.set_active(instrument(harness, "MSFT"))
    assert pane.marks is None and not marks.shown and not pane.marks_label.isVisible()


def test_a_trade_older_than_the_history_is_drawn_over_the_bars_recorded_for_it(
    harness: Harness, pane: ChartPane
) -> None:
    now = harness.app.clock.now()
    ts = (now - dt.timedelta(days=30)).timestamp()
    start = dt.datetime.fromtimestamp(ts - ts % 300, dt.UTC)  # on a 5 minute boundary
    recorded = [
        Bar(start + dt.timedelta(minutes=i), 100 + i, 101.5 + i, 99.5 + i, 100.5 + i, 10.0)
        for i in range(12)
    ]
    harness.app.store.save_bars(60, [("AAPL", b) for b in recorded])
    assert harness.app.writer.flush(10.0)
    fills = (
        FillMark(start + dt.timedelta(minutes=1), Decimal("101.25"), 1, Decimal(100), Role.ENTRY),
        FillMark(start + dt.timedelta(minutes=9), Decimal("108.50"), -1, Decimal(100), Role.EXIT),
    )
    end = start + dt.timedelta(minutes=10)
    pane.show_marks(ChartMarks(instrument(harness), "AAPL LONG 100 (test)", start, end, fills))
    wait_loaded(harness, pane, loads=2)  # a ten-minute trade on 1 minute bars: a reload
    series = pane.chart.series
    # The recorded bars of the span (to the one holding the exit) come first, before the
    # simulator's history; the fills sit on them.
    assert [series.bar_at(i) for i in range(12)] == [*recorded[:11], series.bar_at(11)]
    assert series.bar_at(11) != recorded[11] and len(series) > 11
    assert list(pane.chart.fill_marks.xs) == pytest.approx([1.0 - 0.5, 9.0 - 0.5])
    assert pane.marks_covered and pane.marks_label.property("tone") == "muted"
    assert "No " not in pane.marks_label.text()

    # On 5 minute bars the same minutes are joined: 3 bars (xx:00, xx:05, xx:10).
    pane.clear_marks()
    hour = dt.timedelta(hours=2)
    pane.show_marks(ChartMarks(instrument(harness), "AAPL (2h)", start, start + hour, fills))
    wait_loaded(harness, pane, loads=3)
    assert pane.timeframe is Timeframe.M5
    five = pane.chart.series
    assert [five.bar_at(i) for i in range(3)] == [
        Bar(start, 100, 105.5, 99.5, 104.5, 50.0),
        Bar(start + dt.timedelta(minutes=5), 105, 110.5, 104.5, 109.5, 50.0),
        Bar(start + dt.timedelta(minutes=10), 110, 112.5, 109.5, 111.5, 20.0),
    ]


def test_marks_on_the_chart_as_it_is_read_the_bars_recorded_since(
    harness: Harness, pane: ChartPane
) -> None:
    start = (harness.app.clock.now() - dt.timedelta(days=30)).replace(second=0, microsecond=0)
    end = start + dt.timedelta(minutes=10)
    fills = (FillMark(start, Decimal("100.25"), 1, Decimal(100), Role.ENTRY),)
    pane.show_marks(ChartMarks(instrument(harness), "before", start, end, fills))
    wait_loaded(harness, pane, loads=2)
    assert not pane.marks_covered  # nothing recorded yet
    bars = [Bar(start + dt.timedelta(minutes=i), 100, 101, 99, 100, 1.0) for i in range(11)]
    harness.app.store.save_bars(60, [("AAPL", b) for b in bars])
    assert harness.app.writer.flush(10.0)
    # The same instrument and timeframe, loaded: drawn at once, then loaded again with them.
    pane.show_marks(ChartMarks(instrument(harness), "after", start, end, fills))
    wait_loaded(harness, pane, loads=3)
    assert pane.marks_covered and pane.chart.series.bar_at(0) == bars[0]


def test_marked_fills_sit_inside_their_bars_and_clear_from_the_context_menu(
    harness: Harness, pane: ChartPane
) -> None:
    series = pane.chart.series
    bar = series.bar_at(series.last_index - 3)
    assert bar is not None
    inside = bar.start + dt.timedelta(seconds=Timeframe.M5.seconds // 2)  # mid-bar
    fills = (FillMark(inside, Decimal(str(bar.close)), -1, Decimal(5), Role.FILL),)
    pane.show_marks(
        ChartMarks(
            instrument(harness),
            "AAPL SELL 5 MKT",
            bar.start - dt.timedelta(hours=2),  # two hours on 5m bars: 24 bars
            inside,
            fills,
        )
    )
    assert pane.timeframe is Timeframe.M5 and pane.loads == 1  # drawn at once, no reload
    assert list(pane.chart.fill_marks.xs) == pytest.approx([series.last_index - 3])
    assert pane.marks_covered and pane.marks_label.property("tone") == "muted"
    assert "No " not in pane.marks_label.text()

    menu = pane.context_menu(float(bar.close))
    clear = next(a for a in menu.actions() if a.objectName() == "chart_clear_marks_action")
    clear.trigger()
    assert pane.marks is None and not pane.chart.fill_marks.shown
    assert len(pane.chart.fill_marks.scatter.data) == 0
