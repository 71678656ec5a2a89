"""The order book: lifecycle, matching against the gateway's quotes, brackets and OCA groups.

Pure state: every operation returns the events the server turns into messages, in the order a
client should see them. Orders are keyed ``(clientId, orderId)`` as in TWS. Statuses follow TWS:
``PreSubmitted`` for stops (until triggered) and for bracket children (until the parent fills),
``Submitted`` for working orders, also while partially filled, then ``Filled`` / ``Cancelled`` /
``Inactive`` (rejected).

Semantics worth knowing:
* transmit=0 orders are held here, with no reply (TWS keeps them untransmitted too); an order with
  transmit=1 whose parent chain reaches them transmits the whole group, parent first.
* Bracket children are one-cancels-all among themselves, as at IB: when one fills, its siblings
  are cancelled. Cancelling a parent cancels its children.
* OCA groups (same client): ocaType 1 (and 0) cancels the other members on a fill; types 2 and 3
  reduce their quantity by the filled amount.
* Fill prices: MKT at the ask (buy) or bid (sell); a LMT that is marketable on arrival fills at the
  ask/bid, a resting LMT at its limit once the market reaches it. STP, STP LMT and TRAIL trigger
  on the last price.
* A combo (BAG, MKT or LMT) fills all or nothing against its legs' quotes, every leg at the
  market, whenever that net is no worse than its limit (:mod:`.combos`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .combos import BagLeg, leg_prices, net_price
from .instruments import Instrument
from .market import Market, round_tick
from .requests import PlacedOrder

WORKING = frozenset({"PreSubmitted", "Submitted"})
DONE = frozenset({"Filled", "Cancelled", "Inactive"})
HELD = "Held"
"""Internal status of a transmit=0 order (never sent: TWS sends nothing for it either)."""
SUPPORTED_TYPES = frozenset({"MKT", "LMT", "STP", "STP LMT", "TRAIL", "TRAIL LIMIT"})
STOP_TYPES = frozenset({"STP", "STP LMT", "TRAIL", "TRAIL LIMIT"})
#: A triggered TRAIL LIMIT fills like a market order here (its limit offset is not modelled).
TRAILING_TYPES = frozenset({"TRAIL", "TRAIL LIMIT"})
COMBO_TYPES = frozenset({"MKT", "LMT"})


class OrderError(Exception):
    """A request TWS refuses with an error message (code and text as TWS sends them)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclass(slots=True)
class BookOrder:
    """One order's full state (mutated only by :class:`OrderBook`; snapshots are copies)."""

    client_id: int
    order_id: int
    perm_id: int
    instrument: Instrument
    action: str
    total_qty: float
    order_type: str
    lmt_price: float | None
    aux_price: float | None
    tif: str
    oca_group: str
    oca_type: int
    account: str
    order_ref: str
    transmit: bool
    parent_id: int
    outside_rth: bool
    trailing_percent: float | None
    trail_stop_price: float | None
    status: str = HELD
    filled: float = 0.0
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    awaiting_parent: bool = False
    triggered: bool = False
    resting: bool = False
    partially_filled_once: bool = False
    completed_status: str = ""
    completed_time: str = ""
    #: A BAG's legs and its smart-combo routing tags (empty for any other order).
    legs: tuple[BagLeg, ...] = ()
    combo_params: tuple[tuple[str, str], ...] = ()

    @property
    def remaining(self) -> float:
        """Quantity still to fill."""
        return max(self.total_qty - self.filled, 0.0)

    @property
    def is_working(self) -> bool:
        """Live at the (simulated) exchange: PreSubmitted or Submitted."""
        return self.status in WORKING

    @property
    def is_done(self) -> bool:
        """Filled, cancelled or rejected."""
        return self.status in DONE

    @property
    def is_buy(self) -> bool:
        """True for a BUY."""
        return self.action == "BUY"


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """Status or terms changed: send openOrder then orderStatus to the owner."""

    order: BookOrder


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """An execution: the server books it, then sends execDetails, status and commission."""

    order: BookOrder
    quantity: float
    price: float
    #: A BAG's fill: each leg's price (``price`` is their net, ``quantity`` the units).
    leg_prices: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    """Cancelled (by the client, a global cancel, OCA or a cancelled parent)."""

    order: BookOrder


OrderEvent = OrderChanged | OrderFilled | OrderCancelled


class OrderBook:
    """All orders of all clients, matched against :class:`Market` quotes."""

    def __init__(
        self,
        market: Market,
        clock: Callable[[], float],
        *,
        partial_fills: bool = False,
        first_perm_id: int = 1_800_000_001,
    ) -> None:
        self._market = market
        self._clock = clock
        self.partial_fills = partial_fills
        self._orders: dict[tuple[int, int], BookOrder] = {}
        self._next_perm_id = first_perm_id

    # -- queries -----------------------------------------------------------------------------

    def get(self, client_id: int, order_id: int) -> BookOrder | None:
        """The order a client knows by ``order_id``, if any."""
        return self._orders.get((client_id, order_id))

    def all(self) -> list[BookOrder]:
        """Every order, oldest first."""
        return list(self._orders.values())

    def find(self, order_id: int, client_id: int | None = None) -> BookOrder:
        """One order by id (any client when ``client_id`` is None and the id is unique)."""
        found = [
            o
            for (c, i), o in self._orders.items()
            if i == order_id and (client_id is None or c == client_id)
        ]
        if len(found) != 1:
            raise KeyError(f"order {order_id} (client {client_id}): {len(found)} matches")
        return found[0]

    def max_order_id(self) -> int:
        """The highest order id seen from any client (0 when none)."""
        return max((i for _, i in self._orders), default=0)

    # -- commands ----------------------------------------------------------------------------

    def place(
        self,
        request: PlacedOrder,
        instrument: Instrument,
        account: str,
        legs: tuple[BagLeg, ...] = (),
    ) -> list[OrderEvent]:
        """A new order, or a modification when ``(clientId, orderId)`` exists; a BAG with its
        resolved ``legs``."""
        existing = self.get(request.client_id, request.order_id)
        if existing is not None:
            return self._modify(existing, request)
        self._validate(request, instrument, bool(legs))
        if request.parent_id:
            parent = self.get(request.client_id, request.parent_id)
            if parent is None or parent.is_done:
                raise OrderError(135, f"Can't find order with id ={request.parent_id}")
        order = self._new_order(request, instrument, account, legs)
        if not request.transmit:
            return []
        return self._transmit_group(order)

    def reject(
        self,
        request: PlacedOrder,
        instrument: Instrument,
        account: str,
        legs: tuple[BagLeg, ...] = (),
    ) -> BookOrder:
        """Record a placeOrder that TWS rejected: the order exists, status Inactive."""
        order = self._new_order(request, instrument, account, legs)
        order.status = "Inactive"
        order.completed_status = "Rejected"
        order.completed_time = self._stamp()
        return order

    def _new_order(
        self,
        request: PlacedOrder,
        instrument: Instrument,
        account: str,
        legs: tuple[BagLeg, ...] = (),
    ) -> BookOrder:
        order = BookOrder(
            client_id=request.client_id,
            order_id=request.order_id,
            perm_id=self._next_perm_id,
            instrument=instrument,
            action=request.action,
            total_qty=request.total_quantity,
            order_type=request.order_type,
            lmt_price=request.lmt_price,
            aux_price=request.aux_price,
            tif=request.tif or "DAY",
            oca_group=request.oca_group,
            oca_type=request.oca_type,
            account=request.account or account,
            order_ref=request.order_ref,
            transmit=request.transmit,
            parent_id=request.parent_id,
            outside_rth=request.outside_rth,
            trailing_percent=request.trailing_percent,
            trail_stop_price=request.trail_stop_price,
            legs=legs,
            combo_params=request.combo_params,
        )
        self._next_perm_id += 1
        self._orders[(order.client_id, order.order_id)] = order
        return order

    def cancel(self, client_id: int, order_id: int) -> list[OrderEvent]:
        """cancelOrder from a client; raises OrderError like TWS for unknown or done orders."""
        order = self.get(client_id, order_id)
        if order is None:
            raise OrderError(10147, f"OrderId {order_id} that needs to be cancelled is not found.")
        if order.is_done:
            raise OrderError(
                10148,
                f"OrderId {order_id} that needs to be cancelled cannot be cancelled, "
                f"state: {order.status}.",
            )
        return self._cancel(order, "Cancelled by Trader")

    def cancel_all(self) -> list[OrderEvent]:
        """reqGlobalCancel: every working order of every client."""
        events: list[OrderEvent] = []
        for order in self.all():
            if order.is_working:
                events += self._cancel(order, "Cancelled by Trader")
        return events

    def on_prices(self, instruments: set[int]) -> list[OrderEvent]:
        """Re-match the working orders on instruments whose price changed (conIds)."""
        events: list[OrderEvent] = []
        for order in self.all():
            con_ids = {order.instrument.con_id, *(leg.instrument.con_id for leg in order.legs)}
            if order.is_working and con_ids & instruments:
                events += self._evaluate(order)
        return events

    def fill(
        self, order: BookOrder, quantity: float | None, price: float | None
    ) -> list[OrderEvent]:
        """Fill an order by hand (a test's control), at the market price unless given."""
        if order.is_done or order.status == HELD:
            raise OrderError(0, f"order {order.order_id} is {order.status}: cannot fill")
        qty = order.remaining if quantity is None else min(quantity, order.remaining)
        if order.legs:
            prices = leg_prices(self._market, order.legs, order.is_buy)
            if prices is None:
                raise OrderError(0, f"combo {order.order_id}: a leg has no price to fill at")
            order.awaiting_parent = False
            return self._fill(order, qty, net_price(order.legs, prices), prices)
        if price is None:
            quote = self._market.quote(order.instrument)
            price = quote.ask if order.is_buy else quote.bid
        order.awaiting_parent = False
        return self._fill(order, qty, price)

    # -- internals ---------------------------------------------------------------------------

    def _validate(self, request: PlacedOrder, instrument: Instrument, combo: bool = False) -> None:
        if request.order_type not in (COMBO_TYPES if combo else SUPPORTED_TYPES):
            raise OrderError(
                387,
                f"Unsupported order type {request.order_type} for this exchange and security type.",
            )
        if request.total_quantity <= 0:
            raise OrderError(434, "The order size cannot be zero.")
        if request.action not in {"BUY", "SELL"}:
            raise OrderError(
                321, f"Error validating request.-'cA' : cause - Invalid action: {request.action}"
            )
        needs_limit = request.order_type in {"LMT", "STP LMT"}
        needs_stop = request.order_type in {"STP", "STP LMT"}
        if needs_limit and request.lmt_price is None:
            raise OrderError(
                321, "Error validating request.-'bO' : cause - Limit price is required"
            )
        if needs_stop and request.aux_price is None:
            raise OrderError(321, "Error validating request.-'bO' : cause - Stop price is required")
        if (
            request.order_type in TRAILING_TYPES
            and request.aux_price is None
            and (request.trailing_percent is None)
        ):
            raise OrderError(
                321, "Error validating request.-'bO' : cause - Trailing amount is required"
            )
        for price in (
            request.lmt_price if needs_limit else None,
            request.aux_price if needs_stop else None,
        ):
            if price is not None and abs(round_tick(price, instrument.min_tick) - price) > 1e-9:
                raise OrderError(
                    110,
                    "The price does not conform to the minimum price variation for this contract.",
                )

    def _modify(self, order: BookOrder, request: PlacedOrder) -> list[OrderEvent]:
        if order.is_done:
            raise OrderError(103, "Duplicate order id")
        self._validate(request, order.instrument, bool(order.legs))
        order.total_qty = request.total_quantity
        order.lmt_price = request.lmt_price
        order.aux_price = request.aux_price
        order.tif = request.tif or order.tif
        order.order_ref = request.order_ref
        order.outside_rth = request.outside_rth
        order.trailing_percent = request.trailing_percent
        if request.trail_stop_price is not None:
            order.trail_stop_price = request.trail_stop_price
        order.oca_group = request.oca_group
        order.oca_type = request.oca_type
        order.resting = False
        if order.status == HELD:
            order.transmit = request.transmit
            return self._transmit_group(order) if request.transmit else []
        if order.total_qty <= order.filled:  # cut down to what has already filled
            order.status = "Filled"
            order.completed_status = f"Filled Size: {order.filled:g}"
            order.completed_time = self._stamp()
            return [OrderChanged(self._snapshot(order))]
        events: list[OrderEvent] = [OrderChanged(self._snapshot(order))]
        if not order.awaiting_parent:
            events += self._evaluate(order)
        return events

    def _transmit_group(self, order: BookOrder) -> list[OrderEvent]:
        root = order
        while root.parent_id:
            parent = self.get(root.client_id, root.parent_id)
            if parent is None:
                break
            root = parent
        group = [root, *self._descendants(root)]
        events: list[OrderEvent] = []
        activated: list[BookOrder] = []
        for member in group:
            if member.status != HELD:
                continue
            parent = self.get(member.client_id, member.parent_id) if member.parent_id else None
            member.transmit = True
            member.awaiting_parent = parent is not None and parent.status != "Filled"
            member.status = self._resting_status(member)
            events.append(OrderChanged(self._snapshot(member)))
            activated.append(member)
        for member in activated:
            if member.is_working and not member.awaiting_parent:
                events += self._evaluate(member)
        return events

    def _descendants(self, order: BookOrder) -> Iterator[BookOrder]:
        for child in self.all():
            if child.client_id == order.client_id and child.parent_id == order.order_id:
                yield child
                yield from self._descendants(child)

    def _resting_status(self, order: BookOrder) -> str:
        if order.awaiting_parent:
            return "PreSubmitted"
        if order.order_type in STOP_TYPES and not order.triggered:
            return "PreSubmitted"
        return "Submitted"

    def _evaluate(self, order: BookOrder) -> list[OrderEvent]:
        if not order.is_working or order.awaiting_parent or order.remaining <= 0:
            return []
        if order.legs:
            return self._evaluate_combo(order)
        quote = self._market.quote(order.instrument)
        events: list[OrderEvent] = []
        if order.order_type in STOP_TYPES and not order.triggered:
            if not self._stop_triggered(order, quote.last):
                return events
            order.triggered = True
            order.status = "Submitted"
            events.append(OrderChanged(self._snapshot(order)))
        limit = order.lmt_price if order.order_type in {"LMT", "STP LMT"} else None
        market_price = quote.ask if order.is_buy else quote.bid
        if market_price <= 0:
            return events
        if limit is not None:
            marketable = market_price <= limit if order.is_buy else market_price >= limit
            if not marketable:
                order.resting = True
                return events
            price = limit if order.resting else market_price
        else:
            price = market_price
        qty = order.remaining
        if self.partial_fills and not order.partially_filled_once and qty >= 2:
            order.partially_filled_once = True
            qty = float(int(qty // 2))
        return events + self._fill(order, qty, price)

    def _evaluate_combo(self, order: BookOrder) -> list[OrderEvent]:
        """All legs or nothing, in whole units, at the legs' market prices when their net is
        no worse than the limit (at most the limit buying, at least the limit selling)."""
        prices = leg_prices(self._market, order.legs, order.is_buy)
        if prices is None:
            return []
        net = net_price(order.legs, prices)
        if order.order_type == "LMT" and order.lmt_price is not None:
            limit = order.lmt_price
            if (net > limit + 1e-9) if order.is_buy else (net < limit - 1e-9):
                order.resting = True
                return []
        qty = order.remaining
        if self.partial_fills and not order.partially_filled_once and qty >= 2:
            order.partially_filled_once = True
            qty = float(int(qty // 2))
        return self._fill(order, qty, net, prices)

    def _stop_triggered(self, order: BookOrder, last: float) -> bool:
        if order.order_type in TRAILING_TYPES:
            if order.aux_price is not None:
                offset = order.aux_price
            else:
                offset = last * (order.trailing_percent or 0.0) / 100.0
            tick = order.instrument.min_tick
            if order.is_buy:
                candidate = round_tick(last + offset, tick)
                stop = order.trail_stop_price
                order.trail_stop_price = candidate if stop is None else min(stop, candidate)
                return last >= order.trail_stop_price
            candidate = round_tick(last - offset, tick)
            stop = order.trail_stop_price
            order.trail_stop_price = candidate if stop is None else max(stop, candidate)
            return last <= order.trail_stop_price
        stop_price = order.aux_price or 0.0
        return last >= stop_price if order.is_buy else last <= stop_price

    def _fill(
        self, order: BookOrder, qty: float, price: float, prices: tuple[float, ...] = ()
    ) -> list[OrderEvent]:
        total_value = order.avg_fill_price * order.filled + price * qty
        order.filled += qty
        order.avg_fill_price = total_value / order.filled
        order.last_fill_price = price
        done = order.remaining <= 1e-9
        order.status = "Filled" if done else "Submitted"
        if done:
            order.completed_status = (
                f"Filled Size: {order.filled:g} Price: {order.avg_fill_price:g}"
            )
            order.completed_time = self._stamp()
        events: list[OrderEvent] = [OrderFilled(self._snapshot(order), qty, price, prices)]
        events += self._after_fill(order, qty, done)
        return events

    def _after_fill(self, order: BookOrder, qty: float, done: bool) -> list[OrderEvent]:
        events: list[OrderEvent] = []
        if order.oca_group:
            for other in self.all():
                if (
                    other is order
                    or other.client_id != order.client_id
                    or other.oca_group != order.oca_group
                    or other.is_done
                ):
                    continue
                if order.oca_type in {2, 3}:
                    other.total_qty = max(other.total_qty - qty, other.filled)
                    if other.remaining <= 0:
                        events += self._cancel(other, "Cancelled (OCA)")
                    else:
                        events.append(OrderChanged(self._snapshot(other)))
                else:
                    events += self._cancel(other, "Cancelled (OCA)")
        if not done:
            return events
        if order.parent_id:
            for sibling in self.all():
                if (
                    sibling is not order
                    and sibling.client_id == order.client_id
                    and sibling.parent_id == order.parent_id
                    and not sibling.is_done
                ):
                    events += self._cancel(sibling, "Cancelled (OCA)")
        children = [
            c
            for c in self.all()
            if c.client_id == order.client_id and c.parent_id == order.order_id and c.is_working
        ]
        for child in children:
            child.awaiting_parent = False
            child.status = self._resting_status(child)
            events.append(OrderChanged(self._snapshot(child)))
        for child in children:
            events += self._evaluate(child)
        return events

    def _cancel(self, order: BookOrder, reason: str) -> list[OrderEvent]:
        if order.is_done:
            return []
        order.status = "Cancelled"
        order.completed_status = reason
        order.completed_time = self._stamp()
        events: list[OrderEvent] = [OrderCancelled(self._snapshot(order))]
        for child in self.all():
            if child.client_id == order.client_id and child.parent_id == order.order_id:
                events += self._cancel(child, reason)
        return events

    def _snapshot(self, order: BookOrder) -> BookOrder:
        return replace(order)

    def _stamp(self) -> str:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC).strftime("%Y%m%d-%H:%M:%S")
