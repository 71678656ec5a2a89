"""Builds an order manager around a FakeBroker and in-memory collaborators."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.broker.base import BrokerCapabilities
from terminal.domain import (
    Instrument,
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
)
from terminal.oms.kill_switch import KillSwitch
from terminal.oms.manager import OrderManager, counter_ids
from terminal.oms.ports import QuoteLookup
from terminal.risk.state import TradingStateMachine
from tests.helpers.fake_broker import FakeBroker
from tests.helpers.recorders import MemoryJournal, RecordingAudit, ScriptedRisk
from tests.helpers.waiting import until

AAPL = Instrument.stock("AAPL")


@dataclass
class Desk:
    broker: FakeBroker
    orders: OrderManager
    risk: ScriptedRisk
    state: TradingStateMachine
    journal: MemoryJournal
    audit: RecordingAudit
    clock: ManualClock
    kill: KillSwitch


async def make_desk(
    capabilities: BrokerCapabilities | None = None,
    quotes: QuoteLookup | None = None,
    **broker_kw: object,
) -> Desk:
    clock = ManualClock()
    broker = FakeBroker([AAPL], capabilities=capabilities, **broker_kw)  # type: ignore[arg-type]
    await broker.connect()
    risk = ScriptedRisk()
    state = TradingStateMachine(clock)
    journal = MemoryJournal()
    audit = RecordingAudit()
    orders = OrderManager(
        broker,
        risk,
        state,
        journal,
        audit,
        clock,
        actor="alice",
        ids=counter_ids(),
        quotes=quotes,
    )
    kill = KillSwitch(orders, state, audit, actor="alice")
    return Desk(broker, orders, risk, state, journal, audit, clock, kill)


def buy(qty: int = 100, price: str = "150.00", **kw: object) -> OrderIntent:
    return OrderIntent(
        AAPL, OrderSide.BUY, Decimal(qty), OrderType.LIMIT, limit_price=Decimal(price), **kw
    )  # type: ignore[arg-type]


def sell(
    qty: int = 100, price: str = "160.00", order_type: OrderType = OrderType.LIMIT
) -> OrderIntent:
    if order_type is OrderType.STOP:
        return OrderIntent(
            AAPL, OrderSide.SELL, Decimal(qty), order_type, stop_price=Decimal(price)
        )
    return OrderIntent(AAPL, OrderSide.SELL, Decimal(qty), order_type, limit_price=Decimal(price))


async def until_status(desk: Desk, order_id: str, *statuses: OrderStatus) -> Order:
    """Wait until the order reaches one of ``statuses`` (the book publishes every change)."""
    await until(
        desk.orders.order_updated,
        lambda: desk.orders.get(order_id).status in statuses,
        f"order {order_id} to be {'/'.join(s.value for s in statuses)}",
    )
    return desk.orders.get(order_id)
