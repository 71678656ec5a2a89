"""Capture the simulated exchange's account as a paper account, and continue from one.

What is kept (see :class:`~terminal.broker.paper.PaperAccount`): cash, every position with its
realized P&L, the orders working at the exchange (GTC, and DAY orders of the current trading
day: a DAY order from an earlier day expired at that day's close), and every stock's mid, last
and previous close. Orders not yet acknowledged are not kept (the session that sent them ended
before the exchange took them); reconciliation closes them on our side.
"""

from __future__ import annotations

import datetime as dt

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.paper import PaperAccount, PaperOrder, PaperPrice
from terminal.broker.sim.account import SimAccount
from terminal.broker.sim.exchange import SimExchange
from terminal.broker.sim.matching import MatchingEngine
from terminal.broker.sim.orders import SimOrder
from terminal.domain import OrderStatus, TimeInForce


def _kept(so: SimOrder, day: dt.date) -> bool:
    if not (so.live and so.is_working):
        return False
    return so.order.intent.tif is TimeInForce.GTC or so.session == day


def capture(ex: SimExchange, now: dt.datetime) -> PaperAccount:
    """Return the exchange's account as it is now (immutable; safe to hand to another thread)."""
    market = ex.market
    mids, lasts, closes = market.mid.tolist(), market.last.tolist(), market.prev_close.tolist()
    prices = tuple(
        PaperPrice(symbol, mids[i], lasts[i], closes[i]) for i, symbol in enumerate(market.symbols)
    )
    orders = tuple(
        PaperOrder(
            order=so.order,
            broker_id=so.broker_id,
            session=so.session,
            status=so.status,
            quantity=so.quantity,
            filled=so.filled,
            cost=so.cost,
            live=so.live,
            held=so.held,
            triggered=so.triggered,
            trail_stop=so.trail_stop,
            watermark=so.watermark,
            children=tuple(so.children),
        )
        for so in ex.engine.orders.values()
        if _kept(so, ex.day)
    )
    account = ex.account
    return PaperAccount(
        account_id=account.account_id,
        seed=ex.seed,
        trading_day=ex.day,
        cash=account.cash,
        starting_cash=account.starting_cash,
        positions=tuple(account.positions.values()),
        orders=orders,
        prices=prices,
        saved_at=now,
    )


def saved_prices(account: PaperAccount) -> dict[str, tuple[float, float, float]]:
    """Return the saved market as :class:`SimExchange` takes it."""
    return {p.symbol: (p.mid, p.last, p.prev_close) for p in account.prices}


def restore(ex: SimExchange, account: PaperAccount) -> list[str]:
    """Put ``account``'s cash, positions and working orders into a new exchange.

    Returns:
        What could not be restored, one sentence each (an instrument no longer listed, such as
        an expired option; a symbol gone from the universe).
    """
    problems = [
        f"{symbol} is no longer listed: its saved price is dropped" for symbol in ex.unlisted
    ]
    book = ex.account
    book.cash = account.cash
    book.starting_cash = account.starting_cash
    for position in account.positions:
        if ex.known(position.instrument):
            book.positions[position.key] = position
        elif not position.is_flat:
            problems.append(
                f"position {position.quantity} {position.key} dropped: no longer listed "
                "(an expired option?)"
            )
    engine = ex.engine
    for saved in account.orders:
        if saved.order.intent.tif is not TimeInForce.GTC and saved.session != ex.day:
            continue  # a DAY order of an earlier day: it expired at that day's close
        if not ex.tradable(saved.order):
            problems.append(
                f"order {saved.order.id} on {saved.order.key} dropped: no longer listed"
            )
            continue
        so = SimOrder(
            saved.order,
            saved.broker_id,
            saved.session,
            status=saved.status,
            quantity=saved.quantity,
            filled=saved.filled,
            cost=saved.cost,
            live=saved.live,
            held=saved.held,
            triggered=saved.triggered,
            trail_stop=saved.trail_stop,
            watermark=saved.watermark,
            children=list(saved.children),
        )
        engine.orders[so.broker_id] = so
        engine.by_client[so.id] = so
        if so.live and so.is_working:
            engine.working.setdefault(so.key, []).append(so)
    for so in engine.orders.values():  # a parent only releases children that came back
        so.children = [child for child in so.children if child in engine.by_client]
    return problems


def reset(ex: SimExchange, now: dt.datetime) -> list[OrderStatusUpdate]:
    """Give ``ex`` a new account at its starting cash and a new, empty order book.

    Returns:
        A CANCELLED report for each order that was working.
    """
    reason = "simulated account reset"
    cancelled = [
        so.update(OrderStatus.CANCELLED, now, reason)
        for so in ex.engine.orders.values()
        if so.is_working
    ]
    old = ex.account
    ex.account = SimAccount(old.account_id, old.starting_cash, old.margin_rate)
    ex.engine = MatchingEngine(ex.venue, ex.config.commissions, ex.book_fill, ex.clock)
    ex.invalidate()
    return cancelled
