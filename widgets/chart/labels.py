"""Texts the chart shows: order and position level labels and the OHLC readout."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtGui import QColor

from terminal.domain import Bar, Instrument, Order, OrderStatus, Position, Timeframe
from terminal.domain.values import round_to_tick
from widgets import formatting


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal line on the price plot: a working order or the position's average price.

    Here, not beside the lines (:mod:`.overlays`): the ladder and its keys label orders the
    same way without importing pyqtgraph, which the window shows without.
    """

    key: str
    price: float
    text: str
    kind: str  # "buy", "sell" or "average"
    #: The order price dragging the line changes ("limit_price", "stop_price"); None: fixed.
    field: str | None = None


def price_decimals(instrument: Instrument) -> int:
    """Decimals to show for ``instrument``'s prices: its tick's, and at least two."""
    exponent = instrument.tick_size.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def price_on_tick(instrument: Instrument, price: float) -> Decimal:
    """Return ``price`` (e.g. under the mouse) rounded to the nearest tick of ``instrument``."""
    return round_to_tick(Decimal(repr(price)), instrument.tick_size)


def order_level(order: Order, decimals: int) -> Level | None:
    """The line for a working order: at its stop for stop orders, else at its limit."""
    intent = order.intent
    at = intent.stop_price if intent.order_type.needs_stop else intent.limit_price
    if at is None:
        at = intent.stop_price  # a trailing order's current stop, when known
    if at is None:
        return None
    text = (
        f"{intent.side.value} {formatting.quantity(order.remaining)} "
        f"{intent.order_type.value} {formatting.price(at, decimals)}"
    )
    if intent.order_type.needs_stop and intent.limit_price is not None:
        text += f" / {formatting.price(intent.limit_price, decimals)}"
    kind = "buy" if intent.side.sign > 0 else "sell"
    return Level(order.id, float(at), text, kind, draggable_field(order))


def draggable_field(order: Order) -> str | None:
    """The price dragging ``order``'s line modifies, or None when it cannot be dragged.

    Only a working order can be modified, and not once its cancel is requested (the order
    manager refuses that); a trailing order's stop follows the market and is not the trader's.
    """
    status = order.status
    if not status.is_working or status is OrderStatus.CANCEL_REQUESTED:
        return None
    order_type = order.intent.order_type
    if order_type.is_trailing:
        return None
    return "stop_price" if order_type.needs_stop else "limit_price"


def position_level(position: Position | None, decimals: int) -> Level | None:
    """The line at the position's average price, ``AVG 149.80 x 100`` (None when flat)."""
    if position is None or position.is_flat:
        return None
    text = (
        f"AVG {formatting.price(position.avg_cost, decimals)} x "
        f"{formatting.quantity(position.quantity)}"
    )
    return Level("position", float(position.avg_cost), text, "average")


def levels_for(
    key: str, orders: Iterable[Order], position: Position | None, decimals: int
) -> list[Level]:
    """Every level line of instrument ``key``: its working orders and its position."""
    levels = [order_level(order, decimals) for order in orders if order.key == key]
    levels.append(position_level(position, decimals))
    return [level for level in levels if level is not None]


def bar_time(bar: Bar, timeframe: Timeframe) -> str:
    """``Tue Jan 6 10:35`` in local time; a daily bar shows its date only."""
    if timeframe is Timeframe.D1:
        midday = bar.start.astimezone(dt.UTC) + dt.timedelta(hours=12)
        return f"{midday:%a %b} {midday.day} {midday:%Y}"
    local = bar.start.astimezone()
    return f"{local:%a %b} {local.day} {local:%H:%M}"


def _span(text: str, color: QColor | None = None) -> str:
    if color is None:
        return text
    return f'<span style="color:{color.name()}">{text}</span>'


def readout_html(
    title: str,
    bar: Bar | None,
    timeframe: Timeframe,
    decimals: int,
    *,
    previous_close: float = math.nan,
    cursor_price: float = math.nan,
    overlays: Iterable[tuple[str, float, QColor]] = (),
    up: QColor | None = None,
    down: QColor | None = None,
    muted: QColor | None = None,
) -> str:
    """The readout line: instrument and timeframe, the bar's time, OHLC, change, volume,
    the visible indicators' values at that bar and the price under the cursor."""
    parts = [f"<b>{title}</b> {_span(timeframe.value, muted)}"]
    if bar is None:
        parts.append(_span("no data", muted))
        return "&nbsp;&nbsp;".join(parts)

    def p(value: float) -> str:
        return formatting.price(value, decimals)

    color = up if bar.close >= bar.open else down
    parts.append(_span(bar_time(bar, timeframe), muted))
    parts.append(
        f"{_span('O', muted)} {p(bar.open)} {_span('H', muted)} {p(bar.high)} "
        f"{_span('L', muted)} {p(bar.low)} {_span('C', muted)} {_span(p(bar.close), color)}"
    )
    base = previous_close if math.isfinite(previous_close) else bar.open
    if base > 0:
        change = bar.close - base
        parts.append(
            _span(
                f"{formatting.signed(change, decimals)} "
                f"({formatting.percent(change / base * 100)})",
                up if change >= 0 else down,
            )
        )
    parts.append(f"{_span('V', muted)} {formatting.volume(bar.volume)}")
    for label, value, overlay_color in overlays:
        if math.isfinite(value):
            parts.append(_span(f"{label} {p(value)}", overlay_color))
    if math.isfinite(cursor_price):
        parts.append(f"{_span('Cursor', muted)} {p(cursor_price)}")
    return "&nbsp;&nbsp;".join(parts)
