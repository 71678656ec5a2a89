"""The Positions tab's rows and columns: quantity, cost, mark and the position's P&L figures.

A :class:`PositionRow` holds a position, its figures from the core
(:meth:`Portfolio.position_pnl`, defined in :mod:`terminal.portfolio.day_ledger`) and their texts,
formatted once when the row is built: a repaint reads strings, it formats nothing. The tab
rebuilds a row only when its figures changed (:func:`position_row` and ``==`` on
:class:`PositionPnl`), so a tick storm costs a comparison per held position per refresh.

A figure the core does not know shows "n/a" with the reason in its tooltip, never 0. A row that
strategies hold part of shows only what is outside them (see :mod:`blotter_strategies`); its
day, realized and since-entry figures, which belong to the whole position, show "n/a" there.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtGui import QColor

from terminal.domain import Position
from terminal.portfolio import PositionPnl
from widgets import formatting as fmt
from widgets.panes.blotter_columns import PaletteSource, price_text
from widgets.table_model import LEFT, Column

NA = "n/a"
_SPLIT = "part of this position is held by a strategy: its P&L is on the strategy line"


@dataclass(frozen=True, slots=True, eq=False)
class PositionRow:
    """One line of the Positions tab, its texts formatted when it was built."""

    position: Position
    pnl: PositionPnl | None
    mark: Decimal | None
    split: bool
    last_text: str
    change_text: str
    value: Decimal
    value_text: str
    unrealized: Decimal | None
    unrealized_text: str
    day_text: str
    day_tip: str
    realized_text: str
    realized_tip: str
    entry_text: str
    entry_tip: str

    @property
    def key(self) -> str:
        return self.position.key

    @property
    def day(self) -> Decimal | None:
        return None if self.pnl is None or self.split else self.pnl.day

    @property
    def realized(self) -> Decimal | None:
        return None if self.pnl is None or self.split else self.pnl.realized

    @property
    def since_entry(self) -> Decimal | None:
        return None if self.pnl is None or self.split else self.pnl.since_entry

    @property
    def change_percent(self) -> float | None:
        return None if self.pnl is None else self.pnl.change_percent

    def shows(self, position: Position, pnl: PositionPnl | None, mark: Decimal | None) -> bool:
        """Whether this row already shows ``position`` with these figures (no rebuild)."""
        return self.position == position and self.pnl == pnl and self.mark == mark


def _money_or_na(value: Decimal | None) -> str:
    return NA if value is None else fmt.signed(value)


def position_row(
    position: Position, pnl: PositionPnl | None, mark: Decimal | None, *, split: bool = False
) -> PositionRow:
    """Build the row of ``position`` (the part outside strategies when ``split``).

    Args:
        position: What the row shows (flat: closed today).
        pnl: The whole position's figures from the portfolio.
        mark: The portfolio's own mark (None: valued at cost, as the portfolio does).
        split: Strategies hold the rest of the position.
    """
    flat = position.is_flat
    shown_mark = None if flat else mark
    value = position.market_value(position.avg_cost if shown_mark is None else shown_mark)
    if flat:
        unrealized: Decimal | None = Decimal(0)
    else:
        unrealized = None if shown_mark is None else position.unrealized_pnl(shown_mark)
    change = None if pnl is None else pnl.change_percent
    if split or pnl is None:
        day_text = realized_text = entry_text = NA
        day_tip = realized_tip = entry_tip = _SPLIT if split else "not traded"
    else:
        day_text = _money_or_na(pnl.day)
        day_tip = _day_tip(pnl)
        realized_text = _money_or_na(pnl.realized)
        realized_tip = (
            f"realized today, net of commissions ({fmt.money(position.commissions)} in all)"
            if pnl.realized is not None
            else "not known: this session started with the position and earlier fills of "
            "today closed part of it at an average cost the terminal does not know"
        )
        if pnl.since_entry is None:
            entry_text, entry_tip = "", "no position"
        elif pnl.entry_complete:
            entry_text = fmt.signed(pnl.since_entry)
            entry_tip = "unrealized + realized since the position was opened"
        else:
            entry_text = fmt.signed(pnl.since_entry) + " *"
            entry_tip = (
                "* carried in from the broker: unrealized + realized since this terminal "
                "first saw the position (partial closes before that are not known)"
            )
    return PositionRow(
        position=position,
        pnl=pnl,
        mark=mark,
        split=split,
        last_text=price_text(position.instrument, shown_mark),
        change_text="" if change is None else fmt.percent(change),
        value=value,
        value_text=fmt.money(value),
        unrealized=unrealized,
        unrealized_text=_unrealized_text(unrealized, flat),
        day_text=day_text,
        day_tip=day_tip,
        realized_text=realized_text,
        realized_tip=realized_tip,
        entry_text=entry_text,
        entry_tip=entry_tip,
    )


def _unrealized_text(unrealized: Decimal | None, flat: bool) -> str:
    if flat:
        return ""  # closed: nothing open to mark
    return NA if unrealized is None else fmt.signed(unrealized)


def _day_tip(pnl: PositionPnl) -> str:
    if pnl.day is None:
        return f"not known: {pnl.why_unknown}"
    if pnl.day_source == "broker":
        return "the broker's own day P&L for this position"
    if pnl.overnight == 0:
        return "today's trades marked from their fill prices, net of commissions"
    close = fmt.price(pnl.prior_close, 2)
    return (
        f"{fmt.quantity(pnl.overnight)} held overnight marked from the previous close "
        f"{close}, plus today's trades from their fill prices, net of commissions"
    )


def _signed_colour(palette: PaletteSource, value: Decimal | float | None) -> QColor | None:
    if value is None or value == 0:
        return None
    return palette().up if value > 0 else palette().down


def position_columns(palette: PaletteSource) -> list[Column[PositionRow]]:
    """Symbol, Qty, Avg cost, Last, % Chg, Market value, Day P&L, Unrealized P&L, Realized
    today, Since entry."""

    def quantity_colour(r: PositionRow) -> QColor | None:
        if r.position.is_flat:
            return palette().muted
        return palette().up if r.position.quantity > 0 else palette().down

    def muted_if_na(text: str, value: Decimal | None) -> QColor | None:
        return palette().muted if text == NA else _signed_colour(palette, value)

    return [
        Column("Symbol", lambda r: r.key, width=150, align=LEFT),
        Column(
            "Qty",
            lambda r: r.position.quantity,
            lambda r: fmt.quantity(r.position.quantity),
            width=64,
            foreground=quantity_colour,
        ),
        Column(
            "Avg cost",
            lambda r: None if r.position.is_flat else r.position.avg_cost,
            lambda r: (
                "" if r.position.is_flat else price_text(r.position.instrument, r.position.avg_cost)
            ),
            width=80,
        ),
        Column("Last", lambda r: r.mark, lambda r: r.last_text, width=80),
        Column(
            "% Chg",
            lambda r: r.change_percent,
            lambda r: r.change_text,
            width=64,
            foreground=lambda r: _signed_colour(palette, r.change_percent),
            tooltip=lambda r: "the instrument's move today: last / previous close − 1",
        ),
        Column("Market value", lambda r: r.value, lambda r: r.value_text, width=104),
        Column(
            "Day P&L",
            lambda r: r.day,
            lambda r: r.day_text,
            width=96,
            foreground=lambda r: muted_if_na(r.day_text, r.day),
            tooltip=lambda r: r.day_tip,
        ),
        Column(
            "Unrealized P&L",
            lambda r: r.unrealized,
            lambda r: r.unrealized_text,
            width=104,
            foreground=lambda r: muted_if_na(r.unrealized_text, r.unrealized),
            tooltip=lambda r: (
                "against the average cost"
                if r.unrealized is not None
                else "not known: no mark yet (valued at cost)"
            ),
        ),
        Column(
            "Realized today",
            lambda r: r.realized,
            lambda r: r.realized_text,
            width=100,
            foreground=lambda r: muted_if_na(r.realized_text, r.realized),
            tooltip=lambda r: r.realized_tip,
        ),
        Column(
            "Since entry",
            lambda r: r.since_entry,
            lambda r: r.entry_text,
            width=100,
            foreground=lambda r: muted_if_na(r.entry_text, r.since_entry),
            tooltip=lambda r: r.entry_tip,
        ),
    ]
