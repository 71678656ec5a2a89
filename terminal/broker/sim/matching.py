"""The matching engine: our orders against the simulated books and trade prints.

Combo orders trade whole units against every leg's book at once, at a net price no worse than
their limit, and report one execution per leg and level under the combo order's id
(:mod:`terminal.broker.sim.combos`).

Market orders walk the book (partial fills across levels, slippage); limit orders take what is
marketable and rest, then fill when the book crosses them or when a print trades through them;
stops trigger on prints (on the quote for options, which print no trades); trailing stops
ratchet with the best print. Brackets hold their children until the parent fills; OCA groups
(and a bracket's take-profit/stop-loss) cancel the other members on the first fill.

The engine changes state at once and appends reports to :attr:`MatchingEngine.reports`; the
broker façade delivers them after the configured latency.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.sim.combos import leg_taker_side, plan_units
from terminal.broker.sim.orders import SimOrder, Venue
from terminal.domain import (
    Clock,
    Combo,
    Fill,
    Instrument,
    InvariantError,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.commission import CommissionModel
from terminal.domain.values import ZERO

S = OrderStatus
type Report = tuple[str, OrderStatusUpdate | Fill]
#: A print: price in ticks, size, aggressor side (+1 buyer).
type Print = tuple[int, float, int]


class MatchingEngine:
    """Hold the exchange's orders and match them.

    Args:
        venue: The books to trade against.
        commissions: The commission schedule charged on every fill.
        on_fill: Called with each fill as it happens (the account books it).
        clock: Time for reports and fills.
    """

    def __init__(
        self,
        venue: Venue,
        commissions: CommissionModel,
        on_fill: Callable[[Fill], None],
        clock: Clock,
    ) -> None:
        self.venue = venue
        self.commissions = commissions
        self.on_fill = on_fill
        self.clock = clock
        self.orders: dict[str, SimOrder] = {}
        self.by_client: dict[str, SimOrder] = {}
        self.working: dict[str, list[SimOrder]] = {}
        self.reports: list[Report] = []
        self._ids = itertools.count(1)
        self._exec_ids = itertools.count(1)
        # Ids carry a per-session tag: the order manager remembers execution ids across
        # restarts (to drop duplicates), so a new session must never reuse one.
        self._session = secrets.token_hex(4)

    # -- requests ---------------------------------------------------------------------------------
    def submit(self, order: Order, session: dt.date) -> SimOrder:
        """Register ``order`` as SUBMITTED; it trades once :meth:`activate` acknowledges it."""
        broker_id = f"S{self._session}-{next(self._ids)}"
        so = SimOrder(order, broker_id, session, quantity=order.intent.quantity)
        self.orders[so.broker_id] = so
        self.by_client[order.id] = so
        parent = self.by_client.get(order.parent_id or "")
        if parent is not None:
            parent.children.append(order.id)
            so.held = parent.status is not S.FILLED
        return so

    def reject(self, so: SimOrder, reason: str) -> None:
        """Refuse an order that failed the exchange's checks."""
        self._report("ack", so.update(S.REJECTED_BY_BROKER, self.clock.now(), reason))

    def activate(self, so: SimOrder, regular: bool) -> None:
        """Acknowledge a submitted order and let it trade (IOC/FOK decide at once)."""
        if so.status is not S.SUBMITTED:
            return
        parent = self.by_client.get(so.order.parent_id or "")
        if parent is not None and parent.status.is_terminal and parent.status is not S.FILLED:
            if parent.filled == 0:
                self._report("ack", so.update(S.CANCELLED, self.clock.now(), "parent order ended"))
                return
            so.held, so.quantity = False, parent.filled
        so.live = True
        self._report("ack", so.update(S.ACCEPTED, self.clock.now()))
        self.working.setdefault(so.key, []).append(so)
        if so.held:
            return
        tif = so.order.intent.tif
        fok = tif is TimeInForce.FOK and not so.order.intent.order_type.needs_stop
        if fok and self.venue.available(so.key, so.side, self._limit_ticks(so)) < so.remaining:
            self._end(so, S.CANCELLED, "FOK: not enough liquidity to fill it all at once")
            return
        self._match(so, None, regular)
        if tif in (TimeInForce.IOC, TimeInForce.FOK) and so.is_working:
            self._end(so, S.CANCELLED, f"{tif.value}: unfilled remainder cancelled")

    def cancel(self, order_id: str, reason: str = "cancelled by request") -> None:
        """Cancel a working order, or report that the cancel was refused."""
        so = self.by_client.get(order_id)
        if so is None:
            return
        if not so.is_working:
            refused = so.update(
                so.status, self.clock.now(), "order is no longer working", refused=True
            )
            self._report("ack", refused)
            return
        self._end(so, S.CANCELLED, reason)

    def modify(self, order: Order) -> None:
        """Replace a working order's prices and quantity (refused when no longer possible)."""
        so = self.by_client.get(order.id)
        if so is None:
            return
        if not so.is_working:
            self.refuse_modify(order.id, "modify refused: order is not working")
            return
        if order.intent.quantity < so.filled:
            self.refuse_modify(order.id, "modify refused: quantity below filled")
            return
        now = self.clock.now()
        so.order = order
        if not so.order.parent_id or not so.held:
            so.quantity = order.intent.quantity
        if order.intent.order_type.is_trailing and not so.triggered:
            so.trail_stop = None  # recomputed from the watermark with the new trail
        self._report("ack", so.update(so.status, now, "modified"))

    def refuse_modify(self, order_id: str, reason: str) -> None:
        """Refuse a modification: the order stays as it is, and the report says at what terms."""
        so = self.by_client.get(order_id)
        if so is not None:
            self._report("ack", so.refused_modify(self.clock.now(), reason))

    def cancel_all(self) -> None:
        """Cancel every working order (the kill switch)."""
        for so in list(self.orders.values()):
            if so.is_working:
                self._end(so, S.CANCELLED, "cancelled by cancel-all")

    def expire_day_orders(self, session: dt.date) -> None:
        """Expire every working DAY order placed in a session before ``session``."""
        for so in list(self.orders.values()):
            if so.is_working and so.order.intent.tif is TimeInForce.DAY and so.session != session:
                self._end(so, S.EXPIRED, "DAY order expired at the session close")

    # -- matching ---------------------------------------------------------------------------------
    def match_key(self, key: str, trade: Print | None, regular: bool) -> None:
        """Match every live order on ``key`` against the book and an optional print."""
        # Children released by a fill in this pass wait for the next print.
        for so in [so for so in self.working.get(key, ()) if not so.held]:
            if so.is_working:
                self._match(so, trade, regular)

    def _match(self, so: SimOrder, trade: Print | None, regular: bool) -> None:
        intent = so.order.intent
        if not regular and not intent.outside_rth:
            return
        if intent.combo is not None:
            self._match_combo(so, intent.combo)
            return
        if intent.order_type.is_trailing and not so.triggered:
            self._trail(so, trade)
        if (intent.order_type.needs_stop or intent.order_type.is_trailing) and not so.triggered:
            so.triggered = self._stop_hit(so, trade)
            if not so.triggered:
                return
        limit = self._limit_ticks(so)
        for ticks, size in self.venue.take(so.key, so.side, float(so.remaining), limit):
            self._fill(so, ticks, Decimal(int(size)))
        if trade is None or limit is None or not so.is_working:
            return
        price, size, aggressor = trade
        if aggressor == so.side:
            return
        through = price < limit if so.side > 0 else price > limit
        at = price == limit
        qty = Decimal(int(size if through else size // 2 if at else 0))
        qty = min(qty, so.remaining)
        if qty > 0:
            self._fill(so, limit, qty)

    def _limit_ticks(self, so: SimOrder) -> int | None:
        intent = so.order.intent
        kind = so.effective_type
        tick = so.order.instrument.tick_size
        if kind is OrderType.MARKET or kind is OrderType.STOP or kind is OrderType.TRAIL:
            return None
        if intent.order_type is OrderType.TRAIL_LIMIT:
            assert so.trail_stop is not None
            assert intent.limit_offset is not None
            limit = so.trail_stop + intent.limit_offset * so.side
            return int(limit / tick)
        assert intent.limit_price is not None
        return int(intent.limit_price / tick)

    def _reference(self, so: SimOrder, trade: Print | None) -> Decimal | None:
        tick = so.order.instrument.tick_size
        if trade is not None:
            return trade[0] * tick
        if so.order.instrument.is_option:
            bid, ask = self.venue.touch(so.key)
            return (ask if so.side > 0 else bid) * tick
        return None

    def _stop_hit(self, so: SimOrder, trade: Print | None) -> bool:
        stop = (
            so.trail_stop if so.order.intent.order_type.is_trailing else so.order.intent.stop_price
        )
        price = self._reference(so, trade)
        if stop is None or price is None:
            return False
        return price >= stop if so.side > 0 else price <= stop

    def _trail(self, so: SimOrder, trade: Print | None) -> None:
        intent, tick = so.order.intent, so.order.instrument.tick_size
        price = self._reference(so, trade)
        if price is None:
            if so.watermark is not None:
                return
            bid, ask = self.venue.touch(so.key)
            price = (bid + ask) // 2 * tick
        best = so.watermark
        if best is None or (price < best if so.side > 0 else price > best):
            so.watermark = best = price
        if intent.trail_amount is not None:
            stop = best + intent.trail_amount * so.side
        else:
            assert intent.trail_percent is not None
            stop = best * (1 + intent.trail_percent / 100 * so.side)
        rounding = ROUND_CEILING if so.side > 0 else ROUND_FLOOR
        stop = (stop / tick).to_integral_value(rounding) * tick
        if so.trail_stop is None and intent.stop_price is not None:
            so.trail_stop = intent.stop_price
        current = so.trail_stop
        if current is None or (stop < current if so.side > 0 else stop > current):
            so.trail_stop = stop

    def _match_combo(self, so: SimOrder, combo: Combo) -> None:
        """Trade whole combo units against the legs' books (see terminal.broker.sim.combos)."""
        side = so.order.intent.side
        units = plan_units(combo, side, self.venue, int(so.remaining), so.order.intent.limit_price)
        if units == 0:
            return
        now = self.clock.now()
        net = ZERO
        fills: list[Fill] = []
        for leg in combo.legs:
            inst, wanted = leg.instrument, units * leg.ratio
            taken = self.venue.take(inst.key, leg_taker_side(side, leg), wanted, None)
            if sum(size for _, size in taken) != wanted:  # the plan walked these very books
                raise InvariantError(f"{so.id}: {inst.key} gave {taken} for {wanted} planned")
            leg_side = side if leg.side is OrderSide.BUY else side.opposite
            for ticks, size in taken:
                price, quantity = inst.tick_size * ticks, Decimal(int(size))
                net += combo.leg_weight(leg) * price * quantity / leg.ratio
                fills.append(self._leg_fill(so, inst, leg_side, quantity, price, now))
        so.filled += units
        so.cost += net
        for fill in fills:
            self.on_fill(fill)
            self._report("fill", fill)
        done = so.remaining <= 0
        self._report("fill", so.update(S.FILLED if done else S.PARTIALLY_FILLED, now))
        if done:
            self._retire(so)

    def _leg_fill(
        self,
        so: SimOrder,
        instrument: Instrument,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        now: dt.datetime,
    ) -> Fill:
        """One leg's execution, under the combo order's ids; commission per contract and leg."""
        return Fill(
            exec_id=f"SIM-E{self._session}-{next(self._exec_ids)}",
            order_id=so.id,
            instrument=instrument,
            side=side,
            quantity=quantity,
            price=price,
            commission=self.commissions.estimate(instrument, quantity, price),
            time=now,
            broker_order_id=so.broker_id,
        )

    # -- outcomes ---------------------------------------------------------------------------------
    def _fill(self, so: SimOrder, ticks: int, quantity: Decimal) -> None:
        instrument = so.order.instrument
        price = instrument.tick_size * ticks
        now = self.clock.now()
        fill = Fill(
            exec_id=f"SIM-E{self._session}-{next(self._exec_ids)}",
            order_id=so.id,
            instrument=instrument,
            side=so.order.intent.side,
            quantity=quantity,
            price=price,
            commission=self.commissions.estimate(instrument, quantity, price),
            time=now,
            broker_order_id=so.broker_id,
        )
        so.filled += quantity
        so.cost += quantity * price
        self.on_fill(fill)
        self._report("fill", fill)
        done = so.remaining <= 0
        self._report("fill", so.update(S.FILLED if done else S.PARTIALLY_FILLED, now))
        self._cancel_oca(so)
        if done:
            self._retire(so)

    def _cancel_oca(self, so: SimOrder) -> None:
        group = so.oca_key
        if group is None:
            return
        for other in list(self.orders.values()):
            if other is not so and other.oca_key == group and other.status.is_working:
                self._end(other, S.CANCELLED, f"OCA group {group}: another order filled")

    def _end(self, so: SimOrder, status: OrderStatus, reason: str) -> None:
        self._report("ack", so.update(status, self.clock.now(), reason))
        self._retire(so)

    def _retire(self, so: SimOrder) -> None:
        orders = self.working.get(so.key)
        if orders is not None and so in orders:
            orders.remove(so)
            if not orders:
                del self.working[so.key]
        for child_id in so.children:
            child = self.by_client[child_id]
            if not child.held or not child.is_working:
                continue
            if so.filled > 0:
                child.held, child.quantity = False, so.filled
            else:
                self._end(child, S.CANCELLED, "parent order ended unfilled")

    def _report(self, kind: str, payload: OrderStatusUpdate | Fill) -> None:
        self.reports.append((kind, payload))
