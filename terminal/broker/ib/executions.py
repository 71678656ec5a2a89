"""Executions at IB: one Fill per execution, attributed to its order, with its commission.

IB reports an execution (``execDetails``) and its commission (``commissionReport``) separately;
the core wants one :class:`Fill` with the commission, so a fill is published when its commission
arrives, or without it after ``commission_wait`` seconds (logged). A report that comes later
still is not lost: it is published as ``commission_corrected(exec_id, commission)``, as is a
commission that reconciliation reads back different from the one published. A fill is never
published twice: everything in the core counts a fill once per execution id, so a correction
is its own event, which says exactly what changed.

Executions find their order by orderRef, or by IB order id and permId when TWS leaves the ref
out (:mod:`terminal.broker.ib.attribution`).

A combo (BAG) order fills leg by leg: each leg's execution carries the leg's contract and the
BAG's order id, so it becomes a fill of the leg under the combo order (the order manager counts
whole combo units). TWS may also send an execution of the BAG itself, with the net price and the
combo units: it repeats what the legs already said, so it is logged and never published (it
would book a position in a contract nobody holds and count the units twice), nor its commission
report, nor in what reconciliation reads back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal

from ib_async import IB, CommissionReport, Trade
from ib_async import Fill as IBFill

from terminal.broker.base import BrokerEvents
from terminal.broker.ib.attribution import OrderIdentities
from terminal.broker.ib.contracts import ContractBook
from terminal.broker.ib.lanes import Lanes
from terminal.broker.ib.mapping import fill_from_ib, is_bag_execution
from terminal.broker.ib.repeats import unique_fills
from terminal.domain import Fill

log = logging.getLogger(__name__)


class ExecutionReports:
    def __init__(
        self,
        ib: IB,
        book: ContractBook,
        events: BrokerEvents,
        lanes: Lanes,
        identities: OrderIdentities,
        *,
        commission_wait: float,
    ) -> None:
        self.ib = ib
        self.book = book
        self.events = events
        self.lanes = lanes
        self.identities = identities
        self.commission_wait = commission_wait
        #: Exec id -> the commission the core was given for it.
        self._published: dict[str, Decimal] = {}
        self._waiting: dict[str, asyncio.TimerHandle] = {}
        ib.execDetailsEvent += self.on_exec_details
        ib.commissionReportEvent += self.on_commission

    @property
    def waiting(self) -> frozenset[str]:
        """Executions seen but not yet published (their commission report has not come)."""
        return frozenset(self._waiting)

    # -- live reports -----------------------------------------------------------------------------
    def on_exec_details(self, trade: Trade, fill: IBFill) -> None:
        exec_id = fill.execution.execId
        if exec_id in self._published or exec_id in self._waiting:
            return
        if is_bag_execution(fill.contract):
            execution = fill.execution
            log.info(
                "IB execution %s of combo order %s (%s @ %s net): its legs are the fills",
                exec_id,
                execution.orderId,
                execution.shares,
                execution.price,
            )
            return
        loop = asyncio.get_running_loop()
        self._waiting[exec_id] = loop.call_later(
            self.commission_wait, self._publish_without_commission, fill
        )

    def on_commission(self, trade: Trade, fill: IBFill, report: CommissionReport) -> None:
        if is_bag_execution(fill.contract):
            return  # the legs' reports carry the commission
        if fill.execution.execId in self._published:
            self._correct(self.to_fill(fill))
        else:
            self._publish(fill)

    def _publish_without_commission(self, fill: IBFill) -> None:
        log.warning(
            "no commission report for execution %s after %.0f s; recorded without commission "
            "until it comes",
            fill.execution.execId,
            self.commission_wait,
        )
        self._publish(fill)

    def _publish(self, fill: IBFill) -> None:
        exec_id = fill.execution.execId
        timer = self._waiting.pop(exec_id, None)
        if timer is not None:
            timer.cancel()
        if exec_id in self._published:
            return
        published = self.to_fill(fill)
        self._published[exec_id] = published.commission
        self.events.fill_received.emit(published)

    def _correct(self, fill: Fill) -> None:
        """IB's commission for a published fill differs from what the core was given: say so
        (a repeat of the same report changes nothing)."""
        before = self._published.get(fill.exec_id)
        if before is None or before == fill.commission:
            return
        self._published[fill.exec_id] = fill.commission
        log.info(
            "commission of execution %s corrected: %s -> %s", fill.exec_id, before, fill.commission
        )
        self.events.commission_corrected.emit(fill.exec_id, fill.commission)

    def to_fill(self, fill: IBFill) -> Fill:
        """The domain fill, attributed to our order where the adapter can tell."""
        execution = fill.execution
        ids = {
            "client_id": execution.clientId,
            "order_id": execution.orderId,
            "perm_id": execution.permId,
        }
        order_ref = execution.orderRef
        if not order_ref:  # TWS left it out of the execution: its order may carry it
            trade = self._trade_of(execution.permId)
            order_ref = trade.order.orderRef if trade is not None else ""
        attributed = (
            self.identities.ours(order_ref=order_ref, **ids),
            self.identities.broker_id(**ids),
        )
        return fill_from_ib(fill, self.book.instrument_for(fill.contract), attributed=attributed)

    def _trade_of(self, perm_id: int) -> Trade | None:
        if not perm_id:
            return None
        return next((t for t in self.ib.trades() if t.order.permId == perm_id), None)

    # -- state for reconciliation -----------------------------------------------------------------
    async def executions(self, since: dt.datetime | None) -> Sequence[Fill]:
        """Today's executions at IB (what reconciliation compares), commissions included.

        ib_async answers a request with fresh objects; the commission reports update the ones
        it keeps, so those are read, after waiting (up to ``commission_wait``) for reports
        still on their way. An execution IB sends twice is one fill. A published fill whose
        commission reads back different is corrected.
        """
        answered = [
            f
            for f in unique_fills(
                await self.lanes.order_request(self.ib.reqExecutionsAsync, "executions")
            )
            if not is_bag_execution(f.contract)
        ]
        exec_ids = [f.execution.execId for f in answered]
        await self._commissions_for(exec_ids)
        kept = {f.execution.execId: f for f in self.ib.fills()}
        result = [self.to_fill(kept.get(f.execution.execId, f)) for f in answered]
        for fill in result:
            if fill.exec_id in self._published and fill.commission:
                self._correct(fill)
        return [f for f in result if since is None or f.time >= since]

    async def _commissions_for(self, exec_ids: Sequence[str]) -> None:
        def missing() -> set[str]:
            kept = {f.execution.execId: f for f in self.ib.fills()}
            return {e for e in exec_ids if e not in kept or kept[e].commissionReport.execId != e}

        waiting = missing()
        if not waiting:
            return
        done = asyncio.get_running_loop().create_future()

        def arrived(*_: object) -> None:
            if not done.done() and not missing():
                done.set_result(None)

        self.ib.updateEvent += arrived  # after every packet: reports of older fills emit nothing
        try:
            await asyncio.wait_for(done, self.commission_wait)
        except TimeoutError:
            log.warning("no commission report for executions %s", sorted(missing()))
        finally:
            self.ib.updateEvent -= arrived

    def close(self) -> None:
        for timer in self._waiting.values():
            timer.cancel()
        self._waiting.clear()
