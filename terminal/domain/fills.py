"""Executions (fills) as reported by a broker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.instruments import Instrument
from terminal.domain.orders import OrderSide


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution. ``exec_id`` is unique per broker and makes fills idempotent.

    ``order_id`` is our client order id when the fill belongs to one of our orders, else ``None``
    (an order placed elsewhere, e.g. in TWS).
    """

    exec_id: str
    order_id: str | None
    instrument: Instrument
    side: OrderSide
    quantity: Decimal
    price: Decimal
    commission: Decimal
    time: dt.datetime
    broker_order_id: str | None = None

    @property
    def key(self) -> str:
        return self.instrument.key

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity * self.side.sign

    @property
    def notional(self) -> Decimal:
        return self.quantity * self.price * self.instrument.multiplier

    @property
    def cash_flow(self) -> Decimal:
        """Cash change caused by this fill, commission included (buy: negative)."""
        return -self.signed_quantity * self.price * self.instrument.multiplier - self.commission
