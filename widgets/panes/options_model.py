"""The options chain's rows and columns: one row per strike, calls left, puts right.

Each :class:`ChainRow` holds a strike's call and put contracts and their latest quotes. The pane
replaces rows in a :class:`ChainModel` (a :class:`~widgets.table_model.RowModel`) as quotes
arrive, and the refresh clock publishes them in one ranged ``dataChanged``. In-the-money
shading and the at-the-money strike come from a shared :class:`ChainContext` (the underlying's
price), so a move of the underlying only needs :meth:`RowModel.mark_all_dirty`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QFont

from terminal.domain import Instrument, OptionQuote, OptionRight
from widgets import formatting
from widgets.table_model import CENTER, RIGHT, Column, RowModel
from widgets.theme import Palette


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One strike: its call and put (None when not listed) and their latest quotes."""

    strike: Decimal
    call: Instrument | None = None
    put: Instrument | None = None
    call_quote: OptionQuote | None = None
    put_quote: OptionQuote | None = None

    @property
    def key(self) -> str:
        return strike_key(self.strike)

    def contract(self, right: OptionRight) -> Instrument | None:
        return self.call if right is OptionRight.CALL else self.put

    def quote(self, right: OptionRight) -> OptionQuote | None:
        return self.call_quote if right is OptionRight.CALL else self.put_quote


def strike_key(strike: Decimal | float) -> str:
    """The row key of a strike (``230``, ``227.5``)."""
    value = Decimal(repr(strike)) if isinstance(strike, float) else strike
    return f"{value.normalize():f}"


@dataclass
class ChainContext:
    """What every cell's colour depends on: the theme and the underlying's price."""

    palette: Palette
    spot: float = math.nan
    atm: Decimal | None = None

    def itm(self, row: ChainRow, right: OptionRight) -> bool:
        """In the money: calls below the underlying's price, puts above it."""
        if math.isnan(self.spot):
            return False
        strike = float(row.strike)
        return strike < self.spot if right is OptionRight.CALL else strike > self.spot


@dataclass(frozen=True, slots=True)
class Field:
    """One quote field shown on both sides."""

    name: str
    title: str
    read: Callable[[OptionQuote], float]
    show: Callable[[float], str]
    sample: str


def _fixed(decimals: int) -> Callable[[float], str]:
    def show(value: float) -> str:
        text = f"{value:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"

    return show


def _whole(value: float) -> str:
    return f"{value:,.0f}"


FIELDS: tuple[Field, ...] = (
    Field("bid", "Bid", lambda q: q.bid, lambda v: formatting.price(v), "8,888.88"),
    Field("ask", "Ask", lambda q: q.ask, lambda v: formatting.price(v), "8,888.88"),
    Field("last", "Last", lambda q: q.last, lambda v: formatting.price(v), "888.88"),
    Field("iv", "IV", lambda q: q.iv, lambda v: f"{v * 100:.1f}%", "888.8%"),
    Field("delta", "Delta", lambda q: q.greeks.delta, _fixed(3), "-0.888"),
    Field("gamma", "Gamma", lambda q: q.greeks.gamma, _fixed(4), "0.8888"),
    Field("theta", "Theta", lambda q: q.greeks.theta, _fixed(3), "-0.888"),
    Field("vega", "Vega", lambda q: q.greeks.vega, _fixed(3), "0.888"),
    Field("volume", "Volume", lambda q: q.volume, _whole, "88,888"),
    Field("open_interest", "Open Int", lambda q: q.open_interest, _whole, "888,888"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


@dataclass(frozen=True, slots=True)
class ChainColumnRole:
    """What a column shows: a field of the call or the put, or the strike (right is None)."""

    right: OptionRight | None
    field: Field | None

    @property
    def is_bid(self) -> bool:
        return self.field is not None and self.field.name == "bid"

    @property
    def is_ask(self) -> bool:
        return self.field is not None and self.field.name == "ask"


#: Calls mirror the puts around the strike, keeping Bid left of Ask on both sides.
CALL_ORDER = (
    "open_interest",
    "volume",
    "vega",
    "theta",
    "gamma",
    "delta",
    "iv",
    "last",
    "bid",
    "ask",
)
PUT_ORDER = tuple(f.name for f in FIELDS)

COLUMN_ROLES: tuple[ChainColumnRole, ...] = (
    *(ChainColumnRole(OptionRight.CALL, FIELD_BY_NAME[n]) for n in CALL_ORDER),
    ChainColumnRole(None, None),
    *(ChainColumnRole(OptionRight.PUT, FIELD_BY_NAME[n]) for n in PUT_ORDER),
)
STRIKE_COLUMN = len(CALL_ORDER)

#: Fields hidden (on both sides) when the pane is too narrow for every column, first to last:
#: the Greeks and the volume stay longest (a chain's last trade is often stale, and the open
#: interest changes once a day).
OPTIONAL_FIELDS = ("last", "open_interest", "gamma", "vega", "theta", "volume")


def _value(quote: OptionQuote | None, field: Field) -> float:
    if quote is None:
        return math.nan
    value = field.read(quote)
    return math.nan if value is None else float(value)


def _field_column(
    context: ChainContext, right: OptionRight, field: Field, width: int
) -> Column[ChainRow]:
    def value(row: ChainRow) -> float:
        return _value(row.quote(right), field)

    def text(row: ChainRow) -> str:
        number = value(row)
        return "" if math.isnan(number) else field.show(number)

    def background(row: ChainRow) -> QColor | None:
        return context.palette.itm if context.itm(row, right) else None

    def foreground(row: ChainRow) -> QColor | None:
        if field.name == "bid":
            return _opaque(context.palette.bid)
        if field.name == "ask":
            return _opaque(context.palette.ask)
        return None

    def tooltip(row: ChainRow) -> str:
        contract = row.contract(right)
        if contract is None:
            return ""
        number = value(row)
        if field.name in ("bid", "ask") and not math.isnan(number) and number > 0:
            side = "SELL" if field.name == "bid" else "BUY"
            return f"Click: ticket to {side} {contract.key} at {formatting.price(number)}"
        return contract.key

    return Column(
        field.title,
        value,
        text,
        width,
        RIGHT,
        foreground if field.name in ("bid", "ask") else None,
        background,
        tooltip,
    )


def chain_columns(context: ChainContext, measure: Callable[[str], int]) -> list[Column[ChainRow]]:
    """The chain's columns; ``measure`` gives a text's width in pixels (fixed widths)."""
    columns: list[Column[ChainRow]] = []
    for role in COLUMN_ROLES:
        if role.field is None or role.right is None:
            columns.append(
                Column(
                    "Strike",
                    lambda r: r.strike,
                    lambda r: formatting.price(r.strike),
                    measure("8,888.88") + 22,
                    CENTER,
                    lambda r: context.palette.info if r.strike == context.atm else None,
                    lambda r: context.palette.grid,
                    lambda r: "at the money" if r.strike == context.atm else "",
                )
            )
            continue
        width = max(measure(role.field.sample), measure(role.field.title)) + 14
        columns.append(_field_column(context, role.right, role.field, width))
    return columns


class ChainModel(RowModel[ChainRow]):
    """The chain's rows (strikes ascending) with the strike column in bold."""

    def __init__(
        self,
        context: ChainContext,
        measure: Callable[[str], int],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(chain_columns(context, measure), lambda r: r.key, stamp=_stamp)
        if parent is not None:
            self.setParent(parent)
        self.context = context
        self._bold = QFont()
        self._bold.setBold(True)

    def role(self, column: int) -> ChainColumnRole:
        return COLUMN_ROLES[column]

    def cell_font(self, row: int, column: int) -> QFont | None:
        return self._bold if column == STRIKE_COLUMN else None

    def strikes(self) -> list[Decimal]:
        return [row.strike for row in self.rows()]


def _stamp(row: ChainRow) -> float:
    return max(q.stamp if q is not None else 0.0 for q in (row.call_quote, row.put_quote))


def centred_strikes(strikes: Sequence[float], spot: float, each_side: int) -> list[float]:
    """The listed strike nearest ``spot`` and ``each_side`` strikes below and above it.

    Near an end of the listing the window holds what is available (fewer rows).
    """
    ordered = sorted(strikes)
    if not ordered:
        return []
    centre = nearest_index(ordered, spot) if not math.isnan(spot) else len(ordered) // 2
    return ordered[max(0, centre - each_side) : centre + each_side + 1]


def nearest_index(ordered: Sequence[float], value: float) -> int:
    """Index of the element of sorted ``ordered`` nearest ``value``."""
    position = bisect.bisect_left(ordered, value)
    if position == 0:
        return 0
    if position == len(ordered):
        return len(ordered) - 1
    before, after = ordered[position - 1], ordered[position]
    return position if after - value < value - before else position - 1


def _opaque(color: QColor) -> QColor:
    result = QColor(color)
    result.setAlpha(255)
    return result
