"""The columns of the analytics pane's tables: closed trades and the period's orders.

Costs are signed as in docs/analytics.md: a positive slippage or delay cost is money lost, so it
is painted in the "down" colour; P&L the other way round. A figure the data cannot give (no mid
recorded at staging, no fill) is an empty cell, never a zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor

from terminal.analytics.execution import OrderExecution
from terminal.analytics.trades import Trade
from widgets import formatting as fmt
from widgets.table_model import CENTER, LEFT, Column
from widgets.theme import Palette

type PaletteSource = Callable[[], Palette]


class TradeRow(NamedTuple):
    """A closed trade and its place in exit order (trades have no id of their own)."""

    key: str
    trade: Trade


def trade_rows(trades: tuple[Trade, ...]) -> list[TradeRow]:
    return [TradeRow(str(i), t) for i, t in enumerate(trades)]


def _when(zone: ZoneInfo, at: dt.datetime | None) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    return fmt.age(seconds)


def _pnl_colour(palette: PaletteSource, value: Decimal | None) -> QColor | None:
    if value is None or value == 0:
        return None
    return palette().up if value > 0 else palette().down


def _cost_colour(palette: PaletteSource, value: Decimal | None) -> QColor | None:
    """A cost: positive lost money (down colour), negative gained it."""
    return _pnl_colour(palette, -value if value is not None else None)


def _number(value: Decimal | None, places: int = 2) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def _price(value: Decimal | None) -> str:
    """A price with at least two decimals and as many as it was recorded with (a mid can be
    half a tick), thousands separated."""
    if value is None:
        return ""
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{value:,.{places}f}"


def trade_columns(palette: PaletteSource, timezone: str) -> list[Column[TradeRow]]:
    zone = ZoneInfo(timezone)
    return [
        Column(
            "Exit", lambda r: r.trade.exit_time, lambda r: _when(zone, r.trade.exit_time), 140, LEFT
        ),
        Column("Instrument", lambda r: r.trade.instrument, width=110, align=LEFT),
        Column("Side", lambda r: r.trade.side, width=60, align=CENTER),
        Column("Qty", lambda r: r.trade.quantity, lambda r: fmt.quantity(r.trade.quantity), 70),
        Column("Entry", lambda r: r.trade.entry_price, lambda r: _price(r.trade.entry_price), 90),
        Column(
            "Exit price", lambda r: r.trade.exit_price, lambda r: _price(r.trade.exit_price), 90
        ),
        Column(
            "Held",
            lambda r: r.trade.holding_seconds,
            lambda r: _duration(r.trade.holding_seconds),
            70,
        ),
        Column("Gross", lambda r: r.trade.gross_pnl, lambda r: _number(r.trade.gross_pnl), 90),
        Column("Comm.", lambda r: r.trade.commission, lambda r: _number(r.trade.commission), 70),
        Column(
            "Net P&L",
            lambda r: r.trade.net_pnl,
            lambda r: _number(r.trade.net_pnl),
            90,
            foreground=lambda r: _pnl_colour(palette, r.trade.net_pnl),
        ),
        # Empty without price bars over the holding period (docs/analytics.md).
        Column("MAE", lambda r: r.trade.mae, lambda r: _number(r.trade.mae), 80),
        Column("MFE", lambda r: r.trade.mfe, lambda r: _number(r.trade.mfe), 80),
    ]


def order_columns(palette: PaletteSource, timezone: str) -> list[Column[OrderExecution]]:
    zone = ZoneInfo(timezone)
    no_mid = "No mid was recorded at staging / approval: the cost is unknown"

    def money_of(e: OrderExecution, which: str) -> Decimal | None:
        slip = e.vs_arrival if which == "arrival" else e.vs_approval
        return slip.money if slip is not None else None

    def ticks_of(e: OrderExecution) -> Decimal | None:
        return e.vs_arrival.ticks if e.vs_arrival is not None else None

    return [
        Column(
            "Staged",
            lambda e: e.order.staged_at,
            lambda e: _when(zone, e.order.staged_at),
            140,
            LEFT,
        ),
        Column("Instrument", lambda e: e.order.instrument, width=110, align=LEFT),
        Column("Side", lambda e: e.order.side, width=50, align=CENTER),
        Column("Type", lambda e: e.order.order_type, width=50, align=CENTER),
        Column(
            "Filled", lambda e: e.filled_quantity, lambda e: fmt.quantity(e.filled_quantity), 60
        ),
        Column("Avg fill", lambda e: e.avg_fill_price, lambda e: _price(e.avg_fill_price), 85),
        Column(
            "Arrival",
            lambda e: e.order.arrival_price,
            lambda e: _price(e.order.arrival_price),
            85,
            tooltip=lambda e: "" if e.order.arrival_price is not None else no_mid,
        ),
        Column(
            "Approval",
            lambda e: e.approval_latency,
            lambda e: _duration(e.approval_latency),
            70,
        ),
        Column(
            "Delay cost",
            lambda e: e.approval_delay_cost,
            lambda e: _number(e.approval_delay_cost),
            85,
            foreground=lambda e: _cost_colour(palette, e.approval_delay_cost),
            tooltip=lambda e: (
                "What the market moved against the order between staging and approval"
                if e.approval_delay_cost is not None
                else no_mid
            ),
        ),
        Column(
            "Slip vs arrival",
            lambda e: money_of(e, "arrival"),
            lambda e: _number(money_of(e, "arrival")),
            100,
            foreground=lambda e: _cost_colour(palette, money_of(e, "arrival")),
        ),
        Column(
            "Slip ticks",
            ticks_of,
            lambda e: _number(ticks_of(e), 1),
            70,
            foreground=lambda e: _cost_colour(palette, ticks_of(e)),
        ),
        Column(
            "Slip vs approval",
            lambda e: money_of(e, "approval"),
            lambda e: _number(money_of(e, "approval")),
            105,
            foreground=lambda e: _cost_colour(palette, money_of(e, "approval")),
        ),
        Column(
            "Fill rate",
            lambda e: e.fill_rate,
            lambda e: f"{e.fill_rate * 100:.0f}%",
            65,
        ),
        Column("Ack", lambda e: e.ack_latency, lambda e: _duration(e.ack_latency), 60),
        Column("Comm.", lambda e: e.commission, lambda e: _number(e.commission), 65),
        Column("Source", lambda e: e.order.source, width=70, align=LEFT),
    ]
