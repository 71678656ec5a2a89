"""Trading from the chart: stage limits and stops with a right click (a stop only on its side of
the market), drag a working order's line to modify it, draw horizontal and trend lines kept per
instrument, and create a price alert from a line. Real core, simulated exchange, real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.alerts.rule_kinds import PriceCrossRule
from terminal.domain import (
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    Timeframe,
)
from terminal.domain.values import round_to_tick
from widgets.chart.drawings import Drawing, HorizontalLine, TrendLine, from_json, to_json
from widgets.chart.labels import draggable_field, order_level
from widgets.panes.chart import ChartPane
from widgets.panes.chart_drawings import Tool, drawings_name, load_drawings
from widgets.panes.chart_orders import modify_dropped_order
from widgets.session import TicketRequest

from .conftest import Harness, build_harness, delete_qt_objects

S = OrderStatus


def instrument(harness: Harness, key: str = "AAPL") -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == key)


def show_chart(harness: Harness, qtbot: QtBot) -> ChartPane:
    chart = ChartPane(harness.session)
    qtbot.addWidget(chart)
    chart.resize(1000, 560)
    chart.show()
    qtbot.waitExposed(chart)
    harness.session.set_active(instrument(harness))
    qtbot.waitUntil(lambda: chart.loads >= 1 and not chart.loading, timeout=10_000)
    return chart


@pytest.fixture
def pane(harness: Harness, qtbot: QtBot) -> Iterator[ChartPane]:
    """A chart pane on screen showing AAPL."""
    yield show_chart(harness, qtbot)


@pytest.fixture(autouse=True)
def every_mouse_move() -> Iterator[None]:
    """pyqtgraph drops mouse moves closer together than 1/100 s: a test's moves come faster."""
    before = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    yield
    pg.setConfigOption("mouseRateLimit", before)


def quote(harness: Harness) -> Quote:
    q = harness.app.market.last_quote("AAPL")
    assert q is not None and q.bid > 0 and q.ask > q.bid
    return q


def tick(value: float | Decimal) -> Decimal:
    return round_to_tick(Decimal(repr(float(value))), Decimal("0.01"))


def menu_actions(pane: ChartPane, price: float) -> dict[str, object]:
    return {a.objectName(): a for a in pane.context_menu(price).actions() if a.objectName()}


# -- 1. right-click staging ---------------------------------------------------------------------
def test_above_the_ask_only_a_buy_stop_is_offered_and_the_buy_limit_says_marketable(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    q = quote(harness)
    above = tick(q.ask + 0.50)
    actions = menu_actions(pane, float(above))
    buy_stop, sell_stop = actions["chart_buy_stop_action"], actions["chart_sell_stop_action"]
    assert buy_stop.isEnabled() and buy_stop.text() == f"Buy stop at {above:,.2f}…"
    assert not sell_stop.isEnabled()
    assert sell_stop.text() == (
        f"Sell stop at {above:,.2f} — must be below the bid {tick(q.bid):,.2f}"
        " (it would trigger at once)"
    )
    buy_limit = actions["chart_buy_limit_action"]
    assert buy_limit.isEnabled()
    assert buy_limit.text() == f"Buy limit at {above:,.2f}… — marketable (ask {tick(q.ask):,.2f})"
    assert actions["chart_sell_limit_action"].text() == f"Sell limit at {above:,.2f}…"
    with qtbot.waitSignal(harness.session.ticket_requested) as ticket:
        buy_stop.trigger()
    request = ticket.args[0]
    assert isinstance(request, TicketRequest)
    assert (request.side, request.order_type, request.stop_price, request.limit_price) == (
        OrderSide.BUY,
        OrderType.STOP,
        above,
        None,
    )


def test_below_the_bid_only_a_sell_stop_is_offered_and_the_sell_limit_says_marketable(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    q = quote(harness)
    below = tick(q.bid - 0.50)
    actions = menu_actions(pane, float(below))
    assert not actions["chart_buy_stop_action"].isEnabled()
    assert "must be above the ask" in actions["chart_buy_stop_action"].text()
    assert actions["chart_sell_stop_action"].isEnabled()
    assert "marketable" in actions["chart_sell_limit_action"].text()
    assert "marketable" not in actions["chart_buy_limit_action"].text()
    with qtbot.waitSignal(harness.session.ticket_requested) as ticket:
        actions["chart_sell_stop_action"].trigger()
    assert (ticket.args[0].side, ticket.args[0].stop_price) == (OrderSide.SELL, below)


def test_inside_the_spread_no_stop_is_offered(harness: Harness, pane: ChartPane) -> None:
    q = quote(harness)
    actions = menu_actions(pane, q.bid)  # at the bid: a sell stop would trigger at once
    assert not actions["chart_buy_stop_action"].isEnabled()
    assert not actions["chart_sell_stop_action"].isEnabled()


# -- 2. drag an order line to modify ------------------------------------------------------------
def rest_limit(harness: Harness, side: OrderSide = OrderSide.BUY, away: str = "0.01") -> Order:
    """An approved limit order ``away`` (fraction) outside the market, resting."""
    app = harness.app
    inst = instrument(harness)
    q = quote(harness)
    raw = Decimal(str(q.bid)) * (1 - Decimal(away))
    if side is OrderSide.SELL:
        raw = Decimal(str(q.ask)) * (1 + Decimal(away))
    price = round_to_tick(raw, inst.tick_size)
    order = app.orders.stage(OrderIntent(inst, side, Decimal(100), OrderType.LIMIT, price))
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.ACCEPTED)
    return app.orders.get(order.id)


def viewport_pos(pane: ChartPane, price: float) -> QPoint:
    """The viewport pixel at ``price``, a third of the way into the plot."""
    chart = pane.chart
    lo, hi = chart.x_range()
    scene = chart.scene_pos_of(lo + (hi - lo) / 3, price)
    return chart.mapFromScene(scene)


def mouse(pane: ChartPane, kind: QEvent.Type, pos: QPoint, held: bool) -> None:
    """Send a mouse event to the chart's viewport; QTest's moves carry no held buttons."""
    viewport = pane.chart.viewport()
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind is QEvent.Type.MouseMove else left
    buttons = left if held else Qt.MouseButton.NoButton
    point = QPointF(pos)
    event = QMouseEvent(
        kind, point, viewport.mapToGlobal(point), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)


def press_and_move(pane: ChartPane, start: QPoint, end: QPoint) -> None:
    """Hover, press the left button at ``start`` and move to ``end`` in steps (still held)."""
    mouse(pane, QEvent.Type.MouseMove, start, held=False)
    mouse(pane, QEvent.Type.MouseButtonPress, start, held=True)
    steps = 6
    for i in range(1, steps + 1):
        mouse(pane, QEvent.Type.MouseMove, start + (end - start) * (i / steps), held=True)


def release(pane: ChartPane, pos: QPoint) -> None:
    mouse(pane, QEvent.Type.MouseButtonRelease, pos, held=False)


def test_dragging_an_order_line_modifies_the_order_at_the_snapped_price(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    order = rest_limit(harness)
    harness.step()
    line = pane.chart.levels.line(order.id)
    assert line is not None and line.movable
    old = order.intent.limit_price
    assert old is not None
    start = viewport_pos(pane, float(old))
    end = start + QPoint(0, -40)  # up: a higher buy limit
    press_and_move(pane, start, end)
    assert line.dragging
    dragged = Decimal(repr(float(line.value())))
    assert dragged % Decimal("0.01") == 0  # on the tick while it moves
    assert dragged > old
    chart = pane.chart
    moved = chart.price_at(chart.mapToScene(end)) - chart.price_at(chart.mapToScene(start))
    assert float(dragged - old) == pytest.approx(moved, abs=0.01)
    assert line.label.toPlainText().endswith(f"→ {dragged:,.2f}")
    with qtbot.waitSignal(pane.chart.level_dropped) as dropped:
        release(pane, end)
    assert dropped.args == [order.id, float(dragged)]
    # Back at the order's price until the order manager says it changed.
    assert pane.chart.levels.line(order.id) is line and line.value() == float(old)
    harness.until(lambda: harness.app.orders.get(order.id).intent.limit_price == dragged)
    modified = harness.app.orders.get(order.id)
    assert modified.status.is_working
    harness.until(lambda: pane.chart.levels.levels()[order.id][0] == float(dragged))
    assert pane.chart.levels.levels()[order.id][1] == f"BUY 100 LMT {dragged:,.2f}"


def test_a_stop_dragged_through_the_market_is_refused_as_on_the_ladder(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    app, inst = harness.app, instrument(harness)
    q = quote(harness)
    stop = round_to_tick(Decimal(str(q.bid)) * Decimal("0.99"), inst.tick_size)
    order = app.orders.stage(
        OrderIntent(inst, OrderSide.SELL, Decimal(100), OrderType.STOP, stop_price=stop)
    )
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.ACCEPTED)
    harness.step()
    line = pane.chart.levels.line(order.id)
    assert line is not None and line.movable
    recorded: list[tuple[str, str]] = []
    app.audit.recorded.connect(lambda r: recorded.append((r.action, r.subject)))
    above = float(round_to_tick(Decimal(str(quote(harness).ask)) * Decimal("1.01"), inst.tick_size))
    start, end = viewport_pos(pane, float(stop)), viewport_pos(pane, above)
    press_and_move(pane, start, end)
    assert float(line.value()) > quote(harness).ask  # a sell stop above the market
    with qtbot.waitSignal(harness.session.message) as message:
        release(pane, end)
    assert message.args[0].startswith(f"chart modify {order.id}: a SELL stop at ")
    assert "would trigger at once" in message.args[0]
    assert "a SELL stop goes below the bid" in message.args[0]
    harness.commit()
    assert ("modify_refused", order.id) in recorded
    harness.step(2)
    assert harness.broker.exchange.engine.by_client[order.id].order.intent.stop_price == stop
    assert app.orders.get(order.id).intent.stop_price == stop
    # Lower, under the bid, the same stop moves (the rule refuses only the wrong side).
    lower = float(stop) - 0.05
    assert modify_dropped_order(harness.session, inst, order.id, lower, 2) is not None
    harness.until(lambda: app.orders.get(order.id).intent.stop_price == tick(lower))


def test_a_drag_the_broker_refuses_puts_the_line_back_where_the_broker_holds_the_order(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    order = rest_limit(harness)
    harness.step()
    line = pane.chart.levels.line(order.id)
    assert line is not None
    old = order.intent.limit_price
    assert old is not None
    harness.broker.refuse_next_modify("modify refused: price band")
    start = viewport_pos(pane, float(old))
    press_and_move(pane, start, start + QPoint(0, -40))
    assert Decimal(repr(float(line.value()))) > old
    with qtbot.waitSignal(pane.chart.level_dropped):
        release(pane, start + QPoint(0, -40))
    harness.until(lambda: harness.app.orders.get(order.id).reason == "modify refused: price band")
    assert harness.broker.exchange.engine.by_client[order.id].order.intent.limit_price == old
    refused = harness.app.orders.get(order.id)
    assert refused.intent.limit_price == old and refused.status.is_working
    harness.until(lambda: pane.chart.levels.levels()[order.id][0] == float(old))
    assert pane.chart.levels.levels()[order.id][1] == f"BUY 100 LMT {old:,.2f}"
    assert any(
        "Modify refused by broker" in a.message and "price band" in a.message
        for a in harness.app.alerts.active()
    )


def test_escape_while_dragging_puts_the_line_back_and_modifies_nothing(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    order = rest_limit(harness)
    harness.step()
    line = pane.chart.levels.line(order.id)
    assert line is not None
    old = order.intent.limit_price
    assert old is not None
    start = viewport_pos(pane, float(old))
    end = start + QPoint(0, 50)
    press_and_move(pane, start, end)
    assert line.dragging and line.value() < float(old)
    pane.chart.setFocus()
    qtbot.keyClick(pane.chart, Qt.Key.Key_Escape)
    assert not line.dragging and line.value() == float(old)
    assert line.label.toPlainText() == f"BUY 100 LMT {old:,.2f}"
    dropped: list[object] = []
    pane.chart.level_dropped.connect(lambda *args: dropped.append(args))
    release(pane, end)
    harness.step(2)
    assert dropped == []
    assert harness.app.orders.get(order.id).intent.limit_price == old
    assert line.value() == float(old)


def test_an_order_whose_cancel_is_requested_cannot_be_dragged(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    order = rest_limit(harness)
    harness.step()
    assert pane.chart.levels.line(order.id).movable
    cancelling = replace(order, status=S.CANCEL_REQUESTED)
    assert draggable_field(cancelling) is None
    level = order_level(cancelling, 2)
    assert level is not None and level.field is None
    pane.chart.set_levels([level])
    line = pane.chart.levels.line(order.id)
    assert line is not None and not line.movable
    old = order.intent.limit_price
    assert old is not None
    start = viewport_pos(pane, float(old))
    press_and_move(pane, start, start + QPoint(0, -40))
    assert not line.dragging and line.value() == float(old)
    release(pane, start)


def test_a_drop_on_an_order_cancelled_meanwhile_is_refused_and_shown(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    order = rest_limit(harness)
    assert draggable_field(replace(order, status=S.FILLED)) is None
    harness.run(harness.app.orders.cancel(order.id))
    harness.until(lambda: harness.app.orders.get(order.id).status is S.CANCELLED)
    with qtbot.waitSignal(harness.session.message) as message:
        task = modify_dropped_order(
            harness.session,
            instrument(harness),
            order.id,
            float(order.intent.limit_price or 0) + 1,
            2,
        )
    assert task is None
    assert message.args[0] == (
        f"chart modify {order.id}: the order is {S.CANCELLED.value} and cannot be modified"
    )
    assert harness.app.orders.get(order.id).intent.limit_price == order.intent.limit_price


# -- 3. drawing tools -----------------------------------------------------------------------------
def plot_point(pane: ChartPane, x: float, price: float) -> QPoint:
    chart = pane.chart
    return chart.mapFromScene(chart.scene_pos_of(x, price))


def click(qtbot: QtBot, pane: ChartPane, pos: QPoint) -> None:
    viewport = pane.chart.viewport()
    qtbot.mouseMove(viewport, pos)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)


def mid_price(pane: ChartPane, fraction: float = 0.5) -> float:
    lo, hi = pane.chart.y_range()
    return lo + (hi - lo) * fraction


def saved_drawings(harness: Harness) -> list[Drawing]:
    harness.commit()
    name = drawings_name(harness.app.actor, "AAPL")
    drawings, problems = load_drawings(harness.app.store, name)
    assert problems == []
    return drawings


def draw_hline(qtbot: QtBot, pane: ChartPane, price: float) -> HorizontalLine:
    qtbot.mouseClick(pane.drawings.buttons[Tool.HLINE], Qt.MouseButton.LeftButton)
    assert pane.drawings.tool is Tool.HLINE
    lo, hi = pane.chart.x_range()
    click(qtbot, pane, plot_point(pane, lo + (hi - lo) * 0.6, price))
    drawn = [d for d in pane.chart.drawings.drawings() if isinstance(d, HorizontalLine)]
    assert drawn, "no horizontal line was drawn"
    return drawn[-1]


def draw_trend(qtbot: QtBot, pane: ChartPane, first: int, second: int) -> TrendLine:
    series = pane.chart.series
    qtbot.mouseClick(pane.drawings.buttons[Tool.TREND], Qt.MouseButton.LeftButton)
    low = series.bar_at(first)
    high = series.bar_at(second)
    assert low is not None and high is not None
    before = pane.chart.drawings.drawings()
    click(qtbot, pane, plot_point(pane, first, low.low))
    assert pane.chart.drawings.drawings() == before  # one click draws nothing yet
    end = plot_point(pane, second, high.high)
    qtbot.mouseMove(pane.chart.viewport(), end)
    preview = pane.drawings.preview
    assert preview.isVisible()  # a dashed line from the first point to the mouse
    assert list(preview.getData()[1]) == pytest.approx([float(tick(low.low)), high.high], abs=0.05)
    click(qtbot, pane, end)
    assert not preview.isVisible()
    trends = [d for d in pane.chart.drawings.drawings() if d not in before]
    assert len(trends) == 1 and isinstance(trends[0], TrendLine)
    return trends[0]


def test_a_horizontal_line_is_drawn_on_the_tick_selected_and_deleted(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    wanted = mid_price(pane, 0.37)
    line = draw_hline(qtbot, pane, wanted)
    assert Decimal(repr(line.price)) % Decimal("0.01") == 0
    assert line.price == pytest.approx(wanted, abs=price_step(pane) + 0.01)
    assert pane.drawings.tool is Tool.NONE  # used once, put down
    assert not pane.drawings.buttons[Tool.HLINE].isChecked()
    assert saved_drawings(harness) == [line]
    # A click on the line selects it; Delete removes it, and the removal is saved.
    lo, hi = pane.chart.x_range()
    click(qtbot, pane, plot_point(pane, lo + (hi - lo) * 0.3, line.price))
    assert pane.chart.drawings.selected == line.id
    item = pane.chart.drawings.item(line.id)
    assert item is not None and item.pen.color() == pane.colors.selected
    pane.chart.setFocus()
    qtbot.keyClick(pane.chart, Qt.Key.Key_Delete)
    assert pane.chart.drawings.drawings() == []
    assert saved_drawings(harness) == []


def test_delete_without_a_selection_removes_nothing(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    line = draw_hline(qtbot, pane, mid_price(pane, 0.6))
    lo, hi = pane.chart.x_range()
    click(qtbot, pane, plot_point(pane, lo + (hi - lo) * 0.3, mid_price(pane, 0.1)))  # empty
    assert pane.chart.drawings.selected is None
    pane.chart.setFocus()
    qtbot.keyClick(pane.chart, Qt.Key.Key_Delete)
    assert pane.chart.drawings.drawings() == [line]


def price_step(pane: ChartPane) -> float:
    """The price of one pixel on the price plot."""
    lo, hi = pane.chart.y_range()
    return (hi - lo) / float(pane.chart.price_vb.height())


def test_a_trend_line_takes_two_clicks_and_stays_on_its_bars_across_timeframes(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    series = pane.chart.series
    first, second = series.last_index - 40, series.last_index - 10
    trend = draw_trend(qtbot, pane, first, second)
    t1 = series.bar_at(first).start.timestamp()  # type: ignore[union-attr]
    seconds = series.timeframe.seconds
    assert t1 <= trend.t1 < t1 + seconds
    t2 = series.bar_at(second).start.timestamp()  # type: ignore[union-attr]
    assert t2 <= trend.t2 < t2 + seconds
    curve = pane.chart.drawings.item(trend.id)
    xs, ys = curve.getData()  # type: ignore[union-attr]
    assert list(ys) == [trend.p1, trend.p2]
    assert xs[0] == pytest.approx(first, abs=0.6) and xs[1] == pytest.approx(second, abs=0.6)
    assert saved_drawings(harness) == [trend]
    # On 1-minute bars the same moments are five times as many bars apart.
    pane.set_timeframe(Timeframe.M1)
    qtbot.waitUntil(lambda: pane.loads >= 2 and not pane.loading, timeout=10_000)
    xs, _ = curve.getData()  # type: ignore[union-attr]
    expected = pane.chart.series.positions_of(np.array([trend.t1, trend.t2]))
    assert list(xs) == pytest.approx(list(expected))
    assert xs[1] - xs[0] == pytest.approx(5 * (second - first), abs=5)


def test_escape_puts_the_trend_tool_down_after_one_click(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    series = pane.chart.series
    qtbot.mouseClick(pane.drawings.buttons[Tool.TREND], Qt.MouseButton.LeftButton)
    click(qtbot, pane, plot_point(pane, series.last_index - 30, mid_price(pane)))
    pane.chart.setFocus()
    qtbot.keyClick(pane.chart, Qt.Key.Key_Escape)
    assert pane.drawings.tool is Tool.NONE
    click(qtbot, pane, plot_point(pane, series.last_index - 5, mid_price(pane, 0.8)))
    assert pane.chart.drawings.drawings() == []


def test_drawings_are_per_instrument_and_survive_a_restart(
    qtbot: QtBot, qloop: object, qapp: object, tmp_path: Path
) -> None:
    db = tmp_path / "terminal.db"
    first = build_harness(qtbot, db)
    first.start()
    pane = show_chart(first, qtbot)
    series = pane.chart.series
    line = draw_hline(qtbot, pane, mid_price(pane, 0.42))
    trend = draw_trend(qtbot, pane, series.last_index - 30, series.last_index - 3)
    first.session.set_active(instrument(first, "MSFT"))
    assert pane.chart.drawings.drawings() == []  # MSFT has none
    first.session.set_active(instrument(first, "AAPL"))
    assert pane.chart.drawings.drawings() == [line, trend]
    first.commit()
    pane.close()
    first.session.detach()
    first.run(first.app.stop())
    delete_qt_objects(first.session)

    second = build_harness(qtbot, db)
    second.start()
    try:
        again = show_chart(second, qtbot)
        qtbot.waitUntil(lambda: len(again.chart.drawings.drawings()) == 2)
        assert again.chart.drawings.drawings() == [line, trend]
        assert again.chart.drawings.item(trend.id).getData()[0].size == 2  # type: ignore[union-attr]
    finally:
        second.session.detach()
        second.run(second.app.stop())
        delete_qt_objects(second.session)


def test_a_saved_row_that_cannot_be_read_is_reported_not_guessed(
    harness: Harness, qtbot: QtBot
) -> None:
    name = drawings_name(harness.app.actor, "AAPL")
    harness.app.store.save_layout(name, b'{"version": 99, "drawings": []}')
    harness.commit()
    pane = show_chart(harness, qtbot)
    qtbot.waitUntil(
        lambda: any("Chart drawings of AAPL" in a.message for a in harness.app.alerts.active())
    )
    assert pane.chart.drawings.drawings() == []


# -- 4. a price alert from a line -----------------------------------------------------------------
def right_click_price(qtbot: QtBot, pane: ChartPane, price: float) -> float:
    """Right-click the plot at ``price``; return the price the chart reports for the click."""
    lo, hi = pane.chart.x_range()
    pos = plot_point(pane, lo + (hi - lo) * 0.4, price)
    with qtbot.waitSignal(pane.chart.context_requested) as clicked:
        qtbot.mouseClick(pane.chart.viewport(), Qt.MouseButton.RightButton, pos=pos)
    value = clicked.args[0]
    assert isinstance(value, float)
    return value


@pytest.mark.parametrize("direction", ["above", "below"])
def test_right_click_on_a_horizontal_line_arms_an_alert_when_the_price_crosses_it(
    harness: Harness, pane: ChartPane, qtbot: QtBot, direction: str
) -> None:
    last = quote(harness).last
    lo, hi = pane.chart.y_range()
    wanted = last + (hi - last) * 0.8 if direction == "above" else lo + (last - lo) * 0.2
    line = draw_hline(qtbot, pane, wanted)
    assert (line.price > last) == (direction == "above")
    price = right_click_price(qtbot, pane, line.price + price_step(pane) * 2)  # 2 px off
    actions = menu_actions(pane, price)
    alert = actions["chart_line_alert_action"]
    assert alert.text() == f"Alert when price crosses {line.price:,.2f}"
    with qtbot.waitSignal(harness.session.message) as message:
        alert.trigger()
    rules = harness.app.alert_rules.rules()
    assert len(rules) == 1
    rule = rules[0]
    assert isinstance(rule, PriceCrossRule)
    assert (rule.key, rule.level, rule.direction.value, rule.armed) == (
        "AAPL",
        line.price,
        direction,
        True,
    )
    assert message.args[0] == f"Price alert set: AAPL crosses {direction} {line.price:,.2f}"
    # Saved with the rules (the core saves them on every change).
    harness.commit()
    saved = harness.app.store.load_settings()
    assert any(r.get("level") == line.price for r in saved["alert_rules"])


def test_away_from_a_line_the_menu_has_no_line_entries_and_delete_line_removes_it(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    line = draw_hline(qtbot, pane, mid_price(pane, 0.5))
    far = right_click_price(qtbot, pane, line.price + price_step(pane) * 40)
    assert "chart_line_alert_action" not in menu_actions(pane, far)
    near = right_click_price(qtbot, pane, line.price)
    menu_actions(pane, near)["chart_line_delete_action"].trigger()
    assert pane.chart.drawings.drawings() == []
    assert saved_drawings(harness) == []
    assert harness.app.alert_rules.rules() == []


def test_a_saved_entry_that_cannot_be_read_is_skipped_and_named() -> None:
    good = HorizontalLine("a1", 150.25)
    data = to_json([good]).replace(
        b"]}", b', {"kind": "trend", "id": "b2", "points": [[1, "x"], [2, 3]]}]}'
    )
    drawings, problems = from_json(data)
    assert drawings == [good]
    assert len(problems) == 1 and "'x' is not a number" in problems[0]
    with pytest.raises(ValueError, match="version 2"):
        from_json(b'{"version": 2, "drawings": []}')
