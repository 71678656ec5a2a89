"""One copy of each order, execution and position in the answers ib_async collects.

TWS sends some messages more than once: an order whose status changes while a reqOpenOrders
answer is going out is pushed again inside it, a position pushed to the open positions
subscription lands inside a reqPositions answer, and TWS documents duplicate orderStatus and
execDetails messages. ib_async keeps its own state keyed (trades by order, fills by execId,
positions by account and conId) but returns a request's answer as the list of every message
that arrived while it was in flight, copies included. These functions key those lists the same
way before anything reaches the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ib_async import Fill, Position, Trade


def order_key(trade: Trade) -> tuple[int, int] | int:
    """IB's identity of an order: its permId (unique at IB, across clients) once assigned,
    else the client id and order id it was placed with."""
    order = trade.order
    return order.permId or (order.clientId, order.orderId)


def unique_trades(trades: Iterable[Trade]) -> list[Trade]:
    """Each order once, where it first appeared (a repeat is the same order, later news)."""
    seen: dict[tuple[int, int] | int, Trade] = {}
    for trade in trades:
        seen.setdefault(order_key(trade), trade)
    return list(seen.values())


def unique_fills(fills: Iterable[Fill]) -> list[Fill]:
    """Each execution once (IB's execId names one execution), where it first appeared."""
    seen: dict[str, Fill] = {}
    for fill in fills:
        seen.setdefault(fill.execution.execId, fill)
    return list(seen.values())


def latest_positions(positions: Sequence[Position]) -> list[Position]:
    """One position per account and contract: the last message about it, which is the newest
    (a position that changed while the answer was going out comes again with its new size)."""
    latest: dict[tuple[str, int], Position] = {}
    for position in positions:
        latest[(position.account, position.contract.conId)] = position
    return list(latest.values())
