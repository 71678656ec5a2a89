"""Order requests (place, modify, cancel, global cancel, open/completed orders, executions)
and the messages an order event produces.

Message order follows TWS: a fill sends execDetails, openOrder, orderStatus, then the
commissionReport; a cancel sends orderStatus Cancelled then error 202. Messages about an order go
to the session that placed it; when that client is not connected they are dropped (TWS does not
queue them) and the client finds the outcome through reqOpenOrders / reqCompletedOrders /
reqExecutions after it reconnects. ``Gateway.repeat_messages`` makes it send a kind of message
twice, as TWS does (see :data:`.faults.Repeat`).

A refused modification (``Gateway.refuse_next_modify``) answers error(orderId, code, text)
and, by default, the order's openOrder and orderStatus with the terms it kept; the order keeps
working (what TWS sends after a refused modify was not captured from a real TWS: the error is
documented, the openOrder that follows it is an assumption the adapter must not rely on).

Rejects (``Gateway.reject_next_order``) answer like TWS does for a risk reject: error 201 with
the order id, then openOrder and orderStatus with status ``Inactive``. (Captured in
erdewit/ib_insync#554: ``4,2,15,201,Order rejected...`` then ``5,15,...Inactive`` then
``3,15,Inactive``. ib_async marks the trade Cancelled on the error, then Inactive.)

A whatIf order is not placed: the answer is one openOrder with whatIf=1 carrying a margin
(25 % of the notional) and commission preview.

A combo (BAG) order's legs are resolved and checked first (:mod:`.combos`: error 200 or 321
for a malformed one). Its fill sends one execDetails per leg (the leg's contract, the BAG's
order id and permId), then the BAG's own execution (unless ``bag_executions`` is off), then
openOrder/orderStatus of the BAG (filled in units), then a commission report per leg (and one of
0 for the BAG's execution). Each leg is booked in the account as its own position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from . import account_flow, combos
from . import messages as msg
from . import order_messages as omsg
from .account import commission_for
from .history import TWS_TZ, TWS_TZ_NAME, parse_end
from .instruments import Instrument
from .messages import In, Out
from .order_messages import Execution
from .orders import BookOrder, OrderCancelled, OrderChanged, OrderError, OrderEvent, OrderFilled
from .requests import PlacedOrder, decode_executions, decode_place_order
from .wire import FieldReader

if TYPE_CHECKING:
    from .connection import Connection
    from .core import GatewayCore

NO_SECURITY = "No security definition has been found for the request"


def _place_order(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    placed = decode_place_order(fields, conn.client_id, dt.datetime.now(dt.UTC))
    core.placed.append(placed)
    legs: tuple[combos.BagLeg, ...] = ()
    if placed.contract.sec_type.upper() == "BAG":
        try:
            legs = combos.resolve_legs(core.universe, placed)
        except combos.InvalidCombo as exc:
            conn.send(msg.error(placed.order_id, exc.code, exc.text))
            return
        instrument = combos.bag_instrument(core.universe, legs)
    else:
        found = core.universe.match(placed.contract)
        if len(found) != 1:
            conn.send(msg.error(placed.order_id, 200, NO_SECURITY))
            return
        instrument = found[0]
    account = placed.account or core.primary_account
    if account not in core.accounts:
        conn.send(
            msg.error(
                placed.order_id,
                321,
                f"Error validating request.-'bN' : cause - Invalid account code {account}",
            )
        )
        return
    if placed.what_if and not legs:
        _what_if(core, conn, placed, instrument, account)
        return
    existing = core.book.get(conn.client_id, placed.order_id)
    is_new = existing is None
    refusal = core.faults.take_modify_refusal() if existing and existing.is_working else None
    if existing is not None and refusal is not None:
        # The modification is refused; the order keeps working at the terms it had.
        conn.send(msg.error(existing.order_id, refusal.code, refusal.text))
        if refusal.report_order:
            conn.send(_open_order(core, existing))
            conn.send(omsg.order_status(existing))
        return
    reject = core.faults.take_reject() if is_new else None
    if reject is not None:
        order = core.book.reject(placed, instrument, account, legs)
        conn.send(msg.error(order.order_id, reject.code, reject.text))
        conn.send(_open_order(core, order))
        conn.send(omsg.order_status(order))
        return
    try:
        events = core.book.place(placed, instrument, account, legs)
    except OrderError as exc:
        conn.send(msg.error(placed.order_id, exc.code, exc.text))
        return
    process(core, events)


def _what_if(
    core: GatewayCore, conn: Connection, placed: PlacedOrder, instrument: Instrument, name: str
) -> None:
    """Preview margin and commission; nothing is placed (as TWS answers a whatIf order)."""
    order = BookOrder(
        client_id=placed.client_id, order_id=placed.order_id, perm_id=0, instrument=instrument,
        action=placed.action, total_qty=placed.total_quantity, order_type=placed.order_type,
        lmt_price=placed.lmt_price, aux_price=placed.aux_price, tif=placed.tif or "DAY",
        oca_group="", oca_type=0, account=name, order_ref=placed.order_ref, transmit=True,
        parent_id=0, outside_rth=placed.outside_rth, trailing_percent=None,
        trail_stop_price=None, status="PreSubmitted",
    )  # fmt: skip
    values = core.accounts[name].values(core.market)
    quote = core.market.quote(instrument)
    price = placed.lmt_price or (quote.ask if placed.action == "BUY" else quote.bid)
    notional = placed.total_quantity * price * instrument.contract_multiplier
    commission = commission_for(instrument, placed.total_quantity)
    init, maint = float(values["InitMarginReq"]), float(values["MaintMarginReq"])
    equity = float(values["EquityWithLoanValue"])
    change = 0.25 * notional
    margins = (init, maint, equity, change, change, -commission,
               init + change, maint + change, equity - commission)  # fmt: skip
    conn.send(omsg.open_order(order, omsg.WhatIf(margins, commission)))


def _cancel_order(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    order_id = FieldReader(fields, start=2).integer()
    try:
        events = core.book.cancel(conn.client_id, order_id)
    except OrderError as exc:
        conn.send(msg.error(order_id, exc.code, exc.text))
        return
    process(core, events)


def _global_cancel(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    process(core, core.book.cancel_all())


def _open_orders(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    _send_open(core, conn, [o for o in core.book.all() if o.client_id == conn.client_id])


def _all_open_orders(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    _send_open(core, conn, core.book.all())


def _send_open(core: GatewayCore, conn: Connection, orders: Iterable[BookOrder]) -> None:
    working = [o for o in orders if o.is_working]
    # A repeat comes as TWS sends it: the order pushed again inside the answer, before its end.
    for _ in range(core.faults.times("open_orders")):
        for order in working:
            conn.send(_open_order(core, order))
            conn.send(omsg.order_status(order))
    conn.send([int(Out.OPEN_ORDER_END), 1])


def _completed_orders(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    for order in core.book.all():
        if order.is_done:
            for _ in range(core.faults.times("completed_orders")):
                ref = core.faults.order_ref("orders", order.order_ref)
                conn.send(omsg.completed_order(order, order_ref=ref))
    conn.send([int(Out.COMPLETED_ORDERS_END)])


def _executions(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    request = decode_executions(fields)
    since = parse_end(request.time, 0.0) if request.time else None
    side = {"BUY": "BOT", "SELL": "SLD"}.get(request.side.upper(), request.side.upper())
    for execution in core.executions:
        checks = (
            not request.client_id or execution.client_id == request.client_id,
            not request.account or execution.account == request.account,
            not request.symbol or execution.instrument.symbol == request.symbol.upper(),
            not request.sec_type or execution.instrument.sec_type == request.sec_type.upper(),
            not side or execution.side == side,
            since is None or execution.epoch >= since,
        )
        if all(checks):
            for _ in range(core.faults.times("executions")):
                conn.send(_exec_details(core, request.req_id, execution))
            for _ in range(core.faults.times("commissions")):
                _commission(core, conn, execution)
    conn.send(msg.end_with_req_id(Out.EXECUTION_DATA_END, request.req_id))


def process(core: GatewayCore, events: list[OrderEvent]) -> None:
    """Book fills and send every event to the order's owner (if connected)."""
    updates, fills, commissions = (
        core.faults.times(kind) for kind in ("order_updates", "fills", "commissions")
    )
    for event in events:
        order = event.order
        owner = core.client(order.client_id)
        if isinstance(event, OrderChanged):
            if owner:
                for _ in range(updates):
                    owner.send(_open_order(core, order))
                    owner.send(omsg.order_status(order))
        elif isinstance(event, OrderFilled):
            executions = _book_combo_fill(core, event) if order.legs else [_book_fill(core, event)]
            if owner:
                for execution in executions:
                    for _ in range(fills):
                        owner.send(_exec_details(core, -1, execution))
                for _ in range(updates):
                    owner.send(_open_order(core, order))
                    owner.send(omsg.order_status(order))
                for execution in executions:
                    for _ in range(commissions):
                        _commission(core, owner, execution)
            account = core.accounts[order.account]
            for leg in order.legs or ():
                account_flow.publish(core, account, leg.instrument)
            if not order.legs:
                account_flow.publish(core, account, order.instrument)
        elif isinstance(event, OrderCancelled) and owner:
            for _ in range(updates):
                owner.send(omsg.order_status(order))
            owner.send(msg.error(order.order_id, 202, "Order Canceled - reason:"))


def _open_order(core: GatewayCore, order: BookOrder) -> msg.Fields:
    return omsg.open_order(order, order_ref=core.faults.order_ref("orders", order.order_ref))


def _exec_details(core: GatewayCore, req_id: int, execution: Execution) -> msg.Fields:
    ref = core.faults.order_ref("executions", execution.order_ref)
    return omsg.exec_details(req_id, execution, order_ref=ref)


def _commission(core: GatewayCore, conn: Connection, execution: Execution) -> None:
    report = omsg.commission_report(execution)
    if core.faults.hold_commissions:
        core.faults.held_commissions.append((conn.client_id, report))
    else:
        conn.send(report)


def release_commissions(core: GatewayCore) -> None:
    """Send the held commission reports, in order, to their clients' sessions now."""
    held, core.faults.held_commissions = core.faults.held_commissions, []
    core.faults.hold_commissions = False
    for client_id, report in held:
        conn = core.client(client_id)
        if conn is not None:
            conn.send(report)


def _book_fill(core: GatewayCore, event: OrderFilled) -> Execution:
    order = event.order
    account = core.accounts[order.account]
    commission, realized = account.apply_fill(
        order.instrument, order.is_buy, event.quantity, event.price
    )
    execution = _execution(core, order, order.instrument, order.is_buy, event.quantity,
                           event.price, (order.filled, order.avg_fill_price),
                           (commission, realized))  # fmt: skip
    core.executions.append(execution)
    return execution


def _book_combo_fill(core: GatewayCore, event: OrderFilled) -> list[Execution]:
    """One execution per leg (booked as the leg's position), then the BAG's own (not booked)."""
    order = event.order
    account = core.accounts[order.account]
    executions: list[Execution] = []
    for leg, price in zip(order.legs, event.leg_prices, strict=True):
        buys = combos.leg_buys(leg, order.is_buy)
        shares = event.quantity * leg.ratio
        charged = account.apply_fill(leg.instrument, buys, shares, price)
        cumulative = (order.filled * leg.ratio, price)
        executions.append(
            _execution(core, order, leg.instrument, buys, shares, price, cumulative, charged)
        )
    if core.options.bag_executions:
        bag = (order.filled, order.avg_fill_price)
        executions.append(
            _execution(core, order, order.instrument, order.is_buy, event.quantity,
                       event.price, bag, (0.0, None))
        )  # fmt: skip
    core.executions.extend(executions)
    return executions


def _execution(
    core: GatewayCore,
    order: BookOrder,
    instrument: Instrument,
    buys: bool,
    shares: float,
    price: float,
    cumulative: tuple[float, float],
    charged: tuple[float, float | None],
) -> Execution:
    now = core.clock()
    return Execution(
        exec_id=core.next_exec_id(order.perm_id),
        time=dt.datetime.fromtimestamp(now, TWS_TZ).strftime("%Y%m%d %H:%M:%S ") + TWS_TZ_NAME,
        epoch=now,
        account=order.account,
        instrument=instrument,
        side="BOT" if buys else "SLD",
        shares=shares,
        price=price,
        perm_id=order.perm_id,
        client_id=order.client_id,
        order_id=order.order_id,
        cum_qty=cumulative[0],
        avg_price=cumulative[1],
        order_ref=order.order_ref,
        commission=charged[0],
        realized_pnl=charged[1],
    )


HANDLERS: dict[int, Callable[[GatewayCore, Connection, list[str]], None]] = {
    In.PLACE_ORDER: _place_order,
    In.CANCEL_ORDER: _cancel_order,
    In.REQ_GLOBAL_CANCEL: _global_cancel,
    In.REQ_OPEN_ORDERS: _open_orders,
    In.REQ_ALL_OPEN_ORDERS: _all_open_orders,
    In.REQ_COMPLETED_ORDERS: _completed_orders,
    In.REQ_EXECUTIONS: _executions,
}
