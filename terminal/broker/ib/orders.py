"""Orders at IB: placement, brackets and OCO, modify, cancel, and the status reports that come
back (executions: :mod:`terminal.broker.ib.executions`).

Our client order id travels in IB's ``orderRef`` and comes back on open orders and executions,
so reports find their order even after a restart; when TWS leaves it out, IB's order id and
permId do (:mod:`terminal.broker.ib.attribution`). The broker order id is IB's ``orderId``
(unique per client id), which is also what cancels and modifies use.

A rejection arrives as an error (e.g. 201) on the order id; ib_async marks the order cancelled
first. The router turns the pair into one REJECTED_BY_BROKER report carrying IB's reason.

A modification is a placeOrder under the same order id. While one is on its way (until an
openOrder carries the terms sent), an error on the order id that refuses it (see
:func:`~terminal.broker.ib.errors.refuses_modify`) does not end the order: TWS keeps it
working at the terms it held. The router reports it as a refused modification carrying those
terms (the last openOrder's, which ib_async keeps on the Trade), and undoes ib_async's own
"Cancelled" marking of the Trade. An openOrder that later reports other terms for it is
reported the same way, so the core follows what IB holds.

Every message here goes out in the order lane (:mod:`terminal.broker.ib.lanes`): ahead of any
queued data request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from ib_async import IB, Trade
from ib_async import Order as IBOrder

from terminal.broker.base import BrokerError, BrokerEvents, BrokerTerms, OrderStatusUpdate
from terminal.broker.ib.attribution import OrderIdentities
from terminal.broker.ib.contracts import ContractBook
from terminal.broker.ib.errors import ErrorKind, classify, describe, refuses_modify
from terminal.broker.ib.lanes import Lanes, Queued
from terminal.broker.ib.mapping import ib_order_for, status_update
from terminal.broker.ib.mapping_orders import held_terms
from terminal.broker.ib.repeats import unique_trades
from terminal.domain import Order, OrderStatus

log = logging.getLogger(__name__)
S = OrderStatus


class OrderRouter:
    def __init__(
        self,
        ib: IB,
        book: ContractBook,
        events: BrokerEvents,
        lanes: Lanes,
        identities: OrderIdentities,
        *,
        account: Callable[[], str],
    ) -> None:
        self.ib = ib
        self.book = book
        self.events = events
        self.lanes = lanes
        self.ids = identities
        self._account = account
        self._rejected: set[int] = set()
        #: (order id, error code) of the errors that ended an order, so a repeat of one is not
        #: reported (and audited) a second time.
        self._ended: set[tuple[int, int]] = set()
        #: IB order id -> the terms of the modification sent and not yet confirmed by IB.
        self._modifying: dict[int, BrokerTerms | None] = {}
        #: IB order id -> the terms reported held after IB refused a modification (and the
        #: reason), so that an openOrder reporting other terms corrects them.
        self._refused: dict[int, tuple[BrokerTerms | None, str]] = {}
        ib.orderStatusEvent += self.on_order_status
        ib.openOrderEvent += self.on_open_order

    # -- requests ---------------------------------------------------------------------------------
    # Each message waits in the order lane while the throttle window is full, so the ib_async
    # call is made when it leaves: the IB order id is taken up front (it is the broker order id
    # the core keeps), and a modify or cancel finds its order's Trade when it is sent (after the
    # placement, which went before it in the lane).
    def place(self, order: Order, *, more_follow: bool = False) -> str:
        """Send ``order``. A bracket's parent and all but its last child are sent with
        ``transmit`` off so IB activates the bracket as a whole when the last child arrives."""
        contract = self.book.order_contract(order.instrument, order.intent.combo)
        ib_order = ib_order_for(order, account=self._account())
        self._warn_non_guaranteed(order, ib_order)
        if order.parent_id is not None:
            parent = self.ids.ib_ids.get(order.parent_id)
            if parent is None:
                raise BrokerError(f"{order.id}: its parent {order.parent_id} was not sent to IB")
            ib_order.parentId = parent
        ib_order.transmit = not more_follow
        ib_id = ib_order.orderId = self.ib.client.getReqId()
        self.ids.placing(order.id, ib_id, ib_order.parentId)
        self.lanes.order(
            lambda: self.ib.placeOrder(contract, ib_order), f"place {order.id}", key=ib_id
        )
        return str(ib_id)

    def _warn_non_guaranteed(self, order: Order, ib_order: IBOrder) -> None:
        """Tell the trader when IB will not guarantee a combo (it may fill legs separately)."""
        if order.intent.combo is not None and ib_order.smartComboRoutingParams:
            text = (
                f"{order.id}: IB does not guarantee {order.intent.combo.description} "
                "(not a US stock/option combo): sent NonGuaranteed, its legs may fill separately"
            )
            log.warning(text)
            self.events.error_reported.emit(0, text)

    def modify(self, order: Order) -> None:
        ib_id = self._ib_id(order)
        trade = self._trade_of(ib_id)
        if trade is not None and trade.isDone():
            raise BrokerError(f"{order.id} is already {trade.orderStatus.status} at IB")
        contract = self.book.order_contract(order.instrument, order.intent.combo)
        ib_order = ib_order_for(order, account=self._account())
        ib_order.orderId = ib_id
        ib_order.parentId = trade.order.parentId if trade else self.ids.placed[ib_id][1]
        ib_order.transmit = True

        def send() -> None:
            sent = self._trade_of(ib_id)
            if sent is not None and sent.isDone():  # it ended while the modify waited
                self.events.error_reported.emit(
                    0, f"{order.id} not modified: it is already {sent.orderStatus.status} at IB"
                )
                return
            self._modifying[ib_id] = held_terms(ib_order)
            self._refused.pop(ib_id, None)
            self.ib.placeOrder(sent.contract if sent else contract, ib_order)

        self.lanes.order(send, f"modify {order.id}")

    def cancel(self, order: Order) -> None:
        ib_id = self._ib_id(order)

        def send() -> None:
            trade = self._trade_of(ib_id)
            self.ib.cancelOrder(trade.order if trade is not None else IBOrder(orderId=ib_id))

        self.lanes.order(send, f"cancel {order.id}")

    def cancel_all(self) -> None:
        """IB's global cancel: every open order of the account, from any client or TWS. It
        goes first; placements still waiting in the order lane are withdrawn (sent after it,
        they would start working) and reported cancelled."""
        _, withdrawn = self.lanes.kill(self.ib.reqGlobalCancel)
        for item in withdrawn:
            self._withdrawn(item, "kill switch: withdrawn before it reached IB", S.CANCELLED)

    def not_sent(self, items: Sequence[Queued], why: str) -> None:
        """Order messages dropped with the socket: a placement never reached IB (rejected
        here, with the reason); a modify or cancel did not either (the order stands as it was
        at IB, which reconciliation reads back)."""
        for item in items:
            if not self._withdrawn(item, f"not sent to IB: {why}", S.REJECTED_BY_BROKER):
                self.events.error_reported.emit(0, f"{item.what} not sent to IB: {why}")

    def _withdrawn(self, item: Queued, reason: str, status: OrderStatus) -> bool:
        """Report a placement that never left as ``status``; False for another message."""
        if not isinstance(item.key, int) or item.key not in self.ids.placed:
            return False
        order_id = self.ids.placed[item.key][0]
        log.warning("IB order %s (%s) %s", item.key, order_id, reason)
        self._emit(
            OrderStatusUpdate(
                order_id, str(item.key), status, reason=reason, time=dt.datetime.now(dt.UTC)
            )
        )
        return True

    def _ib_id(self, order: Order) -> int:
        """IB's order id for one of our orders (placed by this session or found at IB)."""
        ib_id = self.ids.ib_ids.get(order.id)
        if ib_id is not None:
            return ib_id
        client_id = self.ib.client.clientId
        for trade in self.ib.trades():
            if trade.order.orderRef == order.id or (
                order.broker_order_id == str(trade.order.orderId)
                and trade.order.clientId == client_id
            ):
                return int(trade.order.orderId)
        raise BrokerError(f"IB does not know order {order.id} (broker id {order.broker_order_id})")

    def _trade_of(self, ib_id: int) -> Trade | None:
        """The Trade ib_async keeps for our order ``ib_id`` (None until its placement left)."""
        client_id = self.ib.client.clientId
        same = [t for t in self.ib.trades() if t.order.orderId == ib_id]
        ours = [t for t in same if t.order.clientId == client_id]
        found = ours or same
        return found[0] if found else None

    # -- reports ----------------------------------------------------------------------------------
    def on_order_status(self, trade: Trade) -> None:
        order_id = trade.order.orderId
        if order_id in self._rejected:
            return  # the rejection was reported with IB's reason; later echoes add nothing
        last = trade.log[-1] if trade.log else None
        if last is not None and last.errorCode and trade.isDone():
            return  # an error ended the order: on_error reports it with IB's text
        self._emit(self._update(trade))

    def _update(self, trade: Trade, reason: str = "") -> OrderStatusUpdate | None:
        status, order = trade.orderStatus, trade.order
        ids = {"client_id": order.clientId, "order_id": order.orderId, "perm_id": order.permId}
        broker_id = self.ids.broker_id(**ids)
        if broker_id is None:
            return None  # another client's order IB gave no permId: nothing the core can match
        return status_update(
            self.ids.ours(order_ref=order.orderRef, **ids),
            broker_id,
            status.status,
            status.filled,
            status.remaining,
            status.avgFillPrice,
            reason=reason,
            time=dt.datetime.now(dt.UTC),
        )

    def on_open_order(self, trade: Trade) -> None:
        """IB's terms for an order: they confirm a modification on its way, or, after IB
        refused one, correct the terms reported held when they differ."""
        ib_id = trade.order.orderId
        terms = held_terms(trade.order)
        if ib_id in self._modifying and terms == self._modifying[ib_id]:
            del self._modifying[ib_id]  # IB holds what was sent: the modification is made
            return
        refused = self._refused.get(ib_id)
        if refused is not None and terms is not None and terms != refused[0]:
            self._refused[ib_id] = (terms, refused[1])
            self._report_refused_modify(trade, refused[1], terms)

    def _modify_refused(self, trade: Trade, code: int, reason: str) -> None:
        """IB refused the modification on its way: the order stands at the terms IB held."""
        ib_id = trade.order.orderId
        del self._modifying[ib_id]
        if trade.isDone() and trade.log and trade.log[-1].errorCode == code:
            # WORKAROUND(ib_async 2.1 wrapper.error, "modification to *existing* order just has
            # an update error, but the order is STILL LIVE"): it marks the Trade Cancelled on
            # any error; put back the status it had when the modification left.
            before = next((e.status for e in reversed(trade.log) if e.message == "Modify"), None)
            if before is not None and before not in ("Cancelled", "ApiCancelled", "Inactive"):
                trade.orderStatus.status = before
        terms = held_terms(trade.order)
        self._refused[ib_id] = (terms, reason)
        log.warning("IB refused the modification of order %s (%s): %s", ib_id, code, reason)
        self._report_refused_modify(trade, reason, terms)

    def _report_refused_modify(self, trade: Trade, reason: str, terms: BrokerTerms | None) -> None:
        update = self._update(trade, reason)
        if update is not None:
            self._emit(replace(update, modify_rejected=True, terms=terms))

    def on_error(self, req_id: int, code: int, text: str) -> bool:
        """An error about one of our orders; return True when it was one."""
        if req_id < 0:
            return False
        trade = next((t for t in self.ib.trades() if t.order.orderId == req_id), None)
        if trade is None:
            return False
        if (req_id, code) in self._ended:
            log.info("IB repeated error %s for order %s, already reported: %s", code, req_id, text)
            return True
        kind = classify(code)
        reason = describe(code, text)
        if req_id in self._modifying and refuses_modify(code):
            self._modify_refused(trade, code, reason)
            return True
        order = trade.order
        order_ref = self.ids.ours(
            order_ref=order.orderRef,
            client_id=order.clientId,
            order_id=order.orderId,
            perm_id=order.permId,
        )
        if kind is ErrorKind.CANCEL_REJECTED:
            self._emit(
                OrderStatusUpdate(
                    order_ref,
                    str(req_id),
                    OrderStatus.CANCEL_REQUESTED,
                    reason=reason,
                    cancel_rejected=True,
                )
            )
        elif not trade.isDone():  # a warning on a live order (price rounded, held...)
            self.events.error_reported.emit(code, f"order {order_ref or req_id}: {reason}")
        elif kind is ErrorKind.ORDER_CANCELLED or trade.filled() > 0:
            # Cancelled, or ended by IB after part of it filled: a cancel with IB's reason.
            self._ended.add((req_id, code))
            self._emit(self._update(trade, reason))
        else:
            self._ended.add((req_id, code))
            self._rejected.add(req_id)
            self._emit(
                OrderStatusUpdate(
                    order_ref,
                    str(req_id),
                    OrderStatus.REJECTED_BY_BROKER,
                    reason=reason,
                    time=dt.datetime.now(dt.UTC),
                )
            )
        return True

    def _emit(self, update: OrderStatusUpdate | None) -> None:
        if update is not None:
            self.events.order_status_received.emit(update)

    # -- state for reconciliation -----------------------------------------------------------------
    async def open_orders(self) -> Sequence[OrderStatusUpdate]:
        """Our working orders at IB, each once (TWS may push an order again inside the answer,
        when its status changes or when its last push was still on the way)."""
        trades = unique_trades(
            await self.lanes.order_request(self.ib.reqOpenOrdersAsync, "open orders")
        )
        updates = [self._update(t) for t in trades if not t.isDone()]
        return [u for u in updates if u is not None]
