"""What the analytics read: plain, immutable records of orders and fills.

The analytics never touch the order book or the broker: they read what the database kept
(``orders``, ``fills`` and the audit trail) into these records, or a caller (a test, the
benchmark, a future pane) builds them directly. Prices, quantities and money are ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple


class FillRecord(NamedTuple):
    """One execution. ``sign`` is +1 for a buy and -1 for a sell.

    Immutable values, as NamedTuples rather than frozen dataclasses: a long history has
    hundreds of thousands of them, and a frozen dataclass takes twice as long to construct.
    """

    exec_id: str
    order_id: str | None
    instrument: str
    sign: int
    quantity: Decimal
    price: Decimal
    commission: Decimal
    time: dt.datetime
    multiplier: Decimal = Decimal(1)
    #: One execution of a combo position in combo units: the net of its order's leg fills,
    #: built by :func:`terminal.analytics.combo_trades.with_combo_units`, never read from the
    #: database (the broker fills legs).
    combo: bool = False


class ComboLegRecord(NamedTuple):
    """One leg of a combo order: the leg's instrument key, its whole ratio per combo unit and
    its side (+1 buy, -1 sell) in the **bought** combo (``orders.combo``, docs/combos.md)."""

    instrument: str
    ratio: int
    sign: int


class OrderRecord(NamedTuple):
    """One order as the database tells it, with the times of its steps.

    ``arrival_price`` (the mid when the order was staged) and ``approval_price`` (the mid when
    it was approved) are ``None`` when the audit trail does not hold them; every metric that
    needs one is then ``None`` too, never a guess.
    """

    order_id: str
    instrument: str
    sign: int
    quantity: Decimal
    order_type: str
    source: str
    status: str
    staged_at: dt.datetime
    tick_size: Decimal = Decimal("0.01")
    multiplier: Decimal = Decimal(1)
    approved_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    arrival_price: Decimal | None = None
    approval_price: Decimal | None = None
    fills: tuple[FillRecord, ...] = ()
    #: A combo order: its fills are its legs', so per-order execution quality is not measured;
    #: its trades are grouped in combo units by its ``legs`` (docs/analytics.md).
    combo: bool = False
    legs: tuple[ComboLegRecord, ...] = ()

    @property
    def side(self) -> str:
        return "BUY" if self.sign > 0 else "SELL"
