"""The exchange's view of one order, and the liquidity interface the matching engine trades on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from terminal.broker.base import BrokerTerms, OrderStatusUpdate
from terminal.domain import Order, OrderRole, OrderStatus, OrderType
from terminal.domain.values import ZERO


class Venue(Protocol):
    """Where orders meet liquidity: the simulated book of each instrument."""

    def touch(self, key: str) -> tuple[int, int]:
        """Return the best bid and ask of ``key`` in ticks."""
        ...

    def available(self, key: str, side: int, limit_ticks: int | None) -> float:
        """Return what a taker on ``side`` (+1 buy) could get at ``limit_ticks`` or better."""
        ...

    def take(
        self, key: str, side: int, quantity: float, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        """Take liquidity; return ``(price_ticks, size)`` per level taken."""
        ...

    def levels(self, key: str, side: int) -> list[tuple[int, float]]:
        """Return what a taker on ``side`` sees, best first, without taking it (combos plan
        their units on it)."""
        ...


@dataclass(slots=True)
class SimOrder:
    """An order as the exchange holds it.

    Attributes:
        order: The latest snapshot we were sent (a modify replaces it).
        broker_id: The exchange's id.
        session: The trading session it was placed in (DAY orders expire when it ends).
        status: Broker-side status.
        quantity: Quantity to fill; a bracket child takes its parent's filled quantity.
        filled: Cumulative filled quantity.
        cost: Sum of price × quantity over fills (for the average price).
        live: Acknowledged by the exchange and able to trade.
        held: A bracket child waiting for its parent to fill.
        triggered: A stop (or trailing stop) whose trigger fired.
        trail_stop: Current stop of a trailing order, in price.
        watermark: Best price seen since a trailing order went live.
    """

    order: Order
    broker_id: str
    session: dt.date
    status: OrderStatus = OrderStatus.SUBMITTED
    quantity: Decimal = ZERO
    filled: Decimal = ZERO
    cost: Decimal = ZERO
    live: bool = False
    held: bool = False
    triggered: bool = False
    trail_stop: Decimal | None = None
    watermark: Decimal | None = None
    children: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.order.id

    @property
    def key(self) -> str:
        return self.order.key

    @property
    def side(self) -> int:
        return self.order.intent.side.sign

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    @property
    def avg_price(self) -> Decimal | None:
        return self.cost / self.filled if self.filled else None

    @property
    def is_working(self) -> bool:
        return self.status.is_working

    @property
    def oca_key(self) -> str | None:
        """The one-cancels-other group: explicit, or implied by bracket take-profit/stop-loss."""
        order = self.order
        if order.oca_group:
            return order.oca_group
        if order.parent_id and order.role in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS):
            return f"bracket:{order.parent_id}"
        return None

    @property
    def effective_type(self) -> OrderType:
        """MKT or LMT once a stop has triggered; the order's own type otherwise."""
        kind = self.order.intent.order_type
        if self.triggered:
            if kind in (OrderType.STOP, OrderType.TRAIL):
                return OrderType.MARKET
            return OrderType.LIMIT
        return kind

    def update(
        self, status: OrderStatus, now: dt.datetime, reason: str = "", *, refused: bool = False
    ) -> OrderStatusUpdate:
        """Move to ``status`` and return the report for it."""
        self.status = status
        return OrderStatusUpdate(
            order_id=self.id,
            broker_order_id=self.broker_id,
            status=status,
            filled=self.filled,
            remaining=self.remaining,
            avg_fill_price=self.avg_price,
            reason=reason,
            time=now,
            cancel_rejected=refused,
        )

    def refused_modify(self, now: dt.datetime, reason: str) -> OrderStatusUpdate:
        """The report of a refused modification: the status as it is, the terms it holds."""
        intent = self.order.intent
        return OrderStatusUpdate(
            order_id=self.id,
            broker_order_id=self.broker_id,
            status=self.status,
            filled=self.filled,
            remaining=self.remaining,
            avg_fill_price=self.avg_price,
            reason=reason,
            time=now,
            modify_rejected=True,
            terms=BrokerTerms(intent.quantity, intent.limit_price, intent.stop_price),
        )

    def snapshot(self, now: dt.datetime | None = None) -> OrderStatusUpdate:
        """Return the current state as a report (open-orders reconciliation)."""
        return OrderStatusUpdate(
            order_id=self.id,
            broker_order_id=self.broker_id,
            status=self.status,
            filled=self.filled,
            remaining=self.remaining,
            avg_fill_price=self.avg_price,
            time=now,
        )
