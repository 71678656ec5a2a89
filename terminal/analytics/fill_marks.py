"""The fills to mark on a chart for one trade or one order: when, at what price, which side.

Pure and Qt-free; the analytics pane hands the result to the chart pane. A trade runs from flat
to flat in one instrument (:mod:`.trades`), so its fills are that instrument's between its entry
and its exit, of the orders that made it; a fill that flipped the position belongs to both the
trade it closed and the one it opened, as it does in the round trips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from terminal.analytics.records import FillRecord, OrderRecord
from terminal.analytics.trades import Trade


class Role(StrEnum):
    """What a fill did to the trade marked (an order's fills alone are just fills)."""

    ENTRY = "entry"
    EXIT = "exit"
    FILL = "fill"


class FillMark(NamedTuple):
    """One fill to draw. ``sign`` is +1 for a buy, -1 for a sell."""

    time: dt.datetime
    price: Decimal
    sign: int
    quantity: Decimal
    role: Role

    @property
    def side(self) -> str:
        return "BUY" if self.sign > 0 else "SELL"


def trade_marks(trade: Trade, fills: Iterable[FillRecord]) -> tuple[FillMark, ...]:
    """The fills of ``trade`` among ``fills`` (any order), oldest first: a fill in its direction
    is an entry, against it an exit."""
    ids = set(trade.order_ids)
    end = trade.exit_time
    mine = [
        f
        for f in fills
        if f.instrument == trade.instrument
        and f.quantity > 0
        and trade.entry_time <= f.time
        and (end is None or f.time <= end)
        and (f.order_id is None or f.order_id in ids)
    ]
    mine.sort(key=lambda f: (f.time, f.exec_id))
    return tuple(
        FillMark(
            f.time,
            f.price,
            f.sign,
            f.quantity,
            Role.ENTRY if f.sign == trade.direction else Role.EXIT,
        )
        for f in mine
    )


def order_marks(order: OrderRecord) -> tuple[FillMark, ...]:
    """The fills of ``order``, oldest first."""
    fills = sorted((f for f in order.fills if f.quantity > 0), key=lambda f: (f.time, f.exec_id))
    return tuple(FillMark(f.time, f.price, f.sign, f.quantity, Role.FILL) for f in fills)
