"""The columns of the blotter's tables: working orders, fills and account values (positions:
:mod:`blotter_position_columns`).

Colours are read from the session's palette when a cell is painted, so a theme switch only needs
the rows marked dirty. Prices show as many decimals as the instrument's tick needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor

from terminal.app import TradingApp
from terminal.domain import Fill, Instrument, Order, OrderSide, OrderStatus
from widgets import formatting as fmt
from widgets.table_model import CENTER, LEFT, Column
from widgets.theme import Palette

type PaletteSource = Callable[[], Palette]

S = OrderStatus


def price_decimals(instrument: Instrument) -> int:
    """Return how many decimals a price of ``instrument`` needs (at least two)."""
    exponent = instrument.tick_size.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def price_text(instrument: Instrument, value: Decimal | None) -> str:
    return fmt.price(value, price_decimals(instrument))


def status_text(status: OrderStatus) -> str:
    """``partially_filled`` -> ``partially filled``."""
    return status.value.replace("_", " ")


def start_of_day(app: TradingApp) -> dt.datetime:
    """Return midnight of the current trading date in the market's time zone (as UTC)."""
    zone = ZoneInfo(app.settings.risk.market_timezone)
    local = app.clock.now().astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), zone).astimezone(dt.UTC)


def _side_colour(palette: PaletteSource, side: OrderSide) -> QColor:
    return palette().up if side is OrderSide.BUY else palette().down


def _signed_colour(palette: PaletteSource, value: Decimal | None) -> QColor | None:
    if value is None or value == 0:
        return None
    return palette().up if value > 0 else palette().down


# -- working orders ---------------------------------------------------------------------------
def _order_status_colour(palette: PaletteSource, order: Order) -> QColor | None:
    status = order.status
    if status in (S.CANCEL_REQUESTED, S.PARTIALLY_FILLED):
        return palette().warning
    if status in (S.REJECTED_BY_BROKER, S.REJECTED_BY_TRADER):
        return palette().down
    if status.is_terminal:
        return palette().muted
    return None


def order_columns(palette: PaletteSource) -> list[Column[Order]]:
    """Time, Id, Side, Qty, Filled, Symbol, Type, Limit, Stop, TIF, Status."""
    return [
        Column(
            "Time",
            lambda o: o.created_at.timestamp(),
            lambda o: fmt.clock_time(o.created_at),
            width=64,
            align=CENTER,
        ),
        Column(
            "Id",
            lambda o: o.id,
            width=150,
            align=LEFT,
            tooltip=lambda o: f"broker id {o.broker_order_id or '—'}",
        ),
        Column(
            "Side",
            lambda o: o.intent.side.value,
            width=40,
            align=CENTER,
            foreground=lambda o: _side_colour(palette, o.intent.side),
        ),
        Column(
            "Qty", lambda o: o.intent.quantity, lambda o: fmt.quantity(o.intent.quantity), width=60
        ),
        Column(
            "Filled", lambda o: o.filled_quantity, lambda o: fmt.quantity(o.filled_quantity), 56
        ),
        Column("Symbol", lambda o: o.key, width=72, align=LEFT),
        Column("Type", lambda o: o.intent.order_type.value, width=58, align=CENTER),
        Column(
            "Limit",
            lambda o: o.intent.limit_price,
            lambda o: price_text(o.instrument, o.intent.limit_price),
            width=70,
        ),
        Column(
            "Stop",
            lambda o: o.intent.stop_price,
            lambda o: price_text(o.instrument, o.intent.stop_price),
            width=70,
        ),
        Column("TIF", lambda o: o.intent.tif.value, width=40, align=CENTER),
        Column(
            "Status",
            lambda o: status_text(o.status),
            width=110,
            align=LEFT,
            foreground=lambda o: _order_status_colour(palette, o),
            tooltip=lambda o: o.reason or status_text(o.status),
        ),
    ]


# -- fills ------------------------------------------------------------------------------------
def fill_columns(palette: PaletteSource) -> list[Column[Fill]]:
    """Time, Order, Side, Qty, Symbol, Price, Commission, Exec id."""
    return [
        Column("Time", lambda f: f.time.timestamp(), lambda f: fmt.clock_time(f.time), 64, CENTER),
        Column(
            "Order",
            lambda f: f.order_id or f.broker_order_id or "",
            width=150,
            align=LEFT,
            tooltip=lambda f: "" if f.order_id else "placed outside this terminal",
        ),
        Column(
            "Side",
            lambda f: f.side.value,
            width=40,
            align=CENTER,
            foreground=lambda f: _side_colour(palette, f.side),
        ),
        Column("Qty", lambda f: f.quantity, lambda f: fmt.quantity(f.quantity), 70),
        Column("Symbol", lambda f: f.key, width=80, align=LEFT),
        Column("Price", lambda f: f.price, lambda f: price_text(f.instrument, f.price), 84),
        Column("Commission", lambda f: f.commission, lambda f: fmt.money(f.commission), width=100),
        Column("Exec id", lambda f: f.exec_id, width=120, align=LEFT),
    ]


# -- account ----------------------------------------------------------------------------------
class ValueKind(StrEnum):
    """How an account value is shown."""

    TEXT = "text"
    MONEY = "money"
    SIGNED = "signed"


@dataclass(frozen=True, slots=True)
class AccountValue:
    """One line of the Account tab."""

    key: str
    label: str
    value: Decimal | str | None
    kind: ValueKind = ValueKind.MONEY
    source: str = "portfolio"

    @property
    def text(self) -> str:
        value = self.value
        if value is None or isinstance(value, str):
            return value or ""
        if self.kind is ValueKind.SIGNED:
            return fmt.signed(value)
        return fmt.money(value)


def account_columns(palette: PaletteSource) -> list[Column[AccountValue]]:
    """Item, Value, Source."""

    def colour(row: AccountValue) -> QColor | None:
        if row.kind is ValueKind.SIGNED and isinstance(row.value, Decimal):
            return _signed_colour(palette, row.value)
        return None

    return [
        Column("Item", lambda r: r.label, width=230, align=LEFT),
        Column(
            "Value",
            lambda r: r.value if isinstance(r.value, Decimal) else r.text,
            lambda r: r.text,
            width=140,
            foreground=colour,
        ),
        Column(
            "Source", lambda r: r.source, width=90, align=LEFT, foreground=lambda r: palette().muted
        ),
    ]
