"""Helpers shared by the simulator tests (no tests here)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.sim import SimBroker, SimConfig
from terminal.broker.sim.matching import MatchingEngine
from terminal.domain import (
    Fill,
    Instrument,
    ManualClock,
    Order,
    OrderIntent,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.commission import CommissionModel

_ids = itertools.count(1)
AAPL = Instrument.stock("AAPL")


def make_order(
    instrument: Instrument,
    side: OrderSide | str,
    quantity: int | str,
    order_type: OrderType = OrderType.LIMIT,
    *,
    order_id: str | None = None,
    role: OrderRole = OrderRole.SINGLE,
    parent_id: str | None = None,
    oca_group: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
    clock: ManualClock | None = None,
    **prices: object,
) -> Order:
    """Build an approved order."""
    intent = OrderIntent(
        instrument,
        OrderSide(side),
        Decimal(quantity),
        order_type,
        tif=tif,
        **prices,  # type: ignore[arg-type]
    )
    now = (clock or ManualClock()).now()
    return Order(
        order_id or f"c{next(_ids)}",
        intent,
        OrderStatus.APPROVED,
        now,
        now,
        role=role,
        parent_id=parent_id,
        oca_group=oca_group,
    )


class BookVenue:
    """A hand-built book: explicit levels (price in ticks, size) per side."""

    def __init__(self, bids: list[tuple[int, float]], asks: list[tuple[int, float]]) -> None:
        self.bids = [list(level) for level in bids]
        self.asks = [list(level) for level in asks]

    def touch(self, key: str) -> tuple[int, int]:
        return int(self.bids[0][0]), int(self.asks[0][0])

    def _levels(self, side: int, limit: int | None) -> list[list[float]]:
        book = self.asks if side > 0 else self.bids
        if limit is None:
            return [lv for lv in book if lv[1] > 0]
        ok = (lambda p: p <= limit) if side > 0 else (lambda p: p >= limit)
        return [lv for lv in book if ok(lv[0]) and lv[1] > 0]

    def available(self, key: str, side: int, limit_ticks: int | None) -> float:
        return sum(lv[1] for lv in self._levels(side, limit_ticks))

    def levels(self, key: str, side: int) -> list[tuple[int, float]]:
        return [(int(lv[0]), lv[1]) for lv in self._levels(side, None)]

    def take(
        self, key: str, side: int, quantity: float, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        taken = []
        for lv in self._levels(side, limit_ticks):
            if quantity <= 0:
                break
            size = min(lv[1], quantity)
            lv[1] -= size
            quantity -= size
            taken.append((int(lv[0]), size))
        return taken


class EngineHarness:
    """A matching engine on a hand-built book, recording fills and reports."""

    def __init__(self, venue: BookVenue) -> None:
        self.clock = ManualClock()
        self.fills: list[Fill] = []
        self.engine = MatchingEngine(venue, CommissionModel(), self.fills.append, self.clock)
        self.venue = venue

    def place(self, order: Order) -> None:
        so = self.engine.submit(order, self.clock.now().date())
        self.engine.activate(so, regular=True)

    def updates(self, order_id: str) -> list[OrderStatusUpdate]:
        return [
            p
            for _, p in self.engine.reports
            if isinstance(p, OrderStatusUpdate) and p.order_id == order_id
        ]

    def status(self, order_id: str) -> OrderStatus:
        return self.engine.by_client[order_id].status


def make_broker(seed: int = 7, **config: object) -> tuple[SimBroker, ManualClock]:
    """Build a connected-ready broker on a manual clock with a quick, busy market."""
    clock = ManualClock()
    defaults: dict[str, object] = {"quote_fraction": 1.0, "trade_probability": 0.8}
    defaults.update(config)
    return SimBroker(clock, SimConfig(**defaults), seed=seed), clock  # type: ignore[arg-type]


def run(broker: SimBroker, clock: ManualClock, seconds: float, dt: float = 0.1) -> None:
    """Advance virtual time by ``seconds`` in steps of ``dt``."""
    for _ in range(round(seconds / dt)):
        clock.advance(dt)
        broker.step(dt)
