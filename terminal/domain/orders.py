"""Order intents (what the trader asked for) and orders (an intent plus its lifecycle).

Both are immutable. The order book (:mod:`terminal.oms.book`) is the only holder of orders: it
replaces them with ``dataclasses.replace`` and publishes each new snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from terminal.domain.errors import InvalidOrder
from terminal.domain.instruments import Instrument
from terminal.domain.lifecycle import OrderStatus, check_transition
from terminal.domain.values import ZERO, to_decimal, to_quantity
from terminal.domain.verdicts import Verdict

if TYPE_CHECKING:  # combos import OrderSide from here
    from terminal.domain.combo_fills import LegFilled
    from terminal.domain.combos import Combo


class OrderSide(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        return 1 if self is OrderSide.BUY else -1

    @property
    def opposite(self) -> OrderSide:
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


class OrderType(StrEnum):
    MARKET = "MKT"
    LIMIT = "LMT"
    STOP = "STP"
    STOP_LIMIT = "STP LMT"
    TRAIL = "TRAIL"
    TRAIL_LIMIT = "TRAIL LIMIT"

    @property
    def needs_limit(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.STOP_LIMIT)

    @property
    def needs_stop(self) -> bool:
        return self in (OrderType.STOP, OrderType.STOP_LIMIT)

    @property
    def is_trailing(self) -> bool:
        return self in (OrderType.TRAIL, OrderType.TRAIL_LIMIT)


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


#: What a combo order may be: a net limit or a market order, for the day or until cancelled.
COMBO_ORDER_TYPES = frozenset({OrderType.LIMIT, OrderType.MARKET})
COMBO_TIFS = frozenset({TimeInForce.DAY, TimeInForce.GTC})


class OrderRole(StrEnum):
    """Where an order sits in a group."""

    SINGLE = "single"
    PARENT = "parent"
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    OCO_MEMBER = "oco_member"


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """What the trader asked for, validated on construction.

    Prices are checked against the instrument's tick; trailing orders take exactly one of
    ``trail_amount`` / ``trail_percent``; TRAIL LIMIT also takes ``limit_offset``.

    A combo order (build it with :meth:`for_combo`) carries its legs in ``combo`` and the
    combo's instrument (asset class BAG) in ``instrument``; it is LMT at a net price in the
    combo's convention (a credit is negative) or MKT, DAY or GTC, for whole combo units.
    """

    instrument: Instrument
    side: OrderSide
    quantity: Decimal
    order_type: OrderType = OrderType.LIMIT
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_amount: Decimal | None = None
    trail_percent: Decimal | None = None
    limit_offset: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    outside_rth: bool = False
    source: str = "ticket"
    combo: Combo | None = None

    @classmethod
    def for_combo(
        cls, combo: Combo, side: OrderSide, quantity: Decimal | int | str, **fields: Any
    ) -> OrderIntent:
        """An order for ``quantity`` units of ``combo`` (LMT at a net price, or MKT)."""
        return cls(combo.instrument, side, Decimal(quantity), combo=combo, **fields)

    def __post_init__(self) -> None:
        inst = self.instrument
        object.__setattr__(self, "side", OrderSide(self.side))
        object.__setattr__(self, "order_type", OrderType(self.order_type))
        object.__setattr__(self, "tif", TimeInForce(self.tif))
        object.__setattr__(self, "quantity", to_quantity(self.quantity))
        if self.combo is not None or inst.is_combo:
            self._check_combo()
            return
        t = self.order_type
        if t.needs_limit:
            if self.limit_price is None:
                raise InvalidOrder(f"{t.value} order needs a limit price")
            object.__setattr__(self, "limit_price", inst.check_price(self.limit_price))
        elif self.limit_price is not None:
            raise InvalidOrder(f"{t.value} order takes no limit price")
        if t.needs_stop:
            if self.stop_price is None:
                raise InvalidOrder(f"{t.value} order needs a stop price")
            object.__setattr__(self, "stop_price", inst.check_price(self.stop_price))
        elif self.stop_price is not None and not t.is_trailing:
            raise InvalidOrder(f"{t.value} order takes no stop price")
        if t.is_trailing:
            self._check_trailing()
        elif self.trail_amount is not None or self.trail_percent is not None:
            raise InvalidOrder(f"{t.value} order takes no trailing amount")
        if self.stop_price is not None and t.is_trailing:
            # Initial stop for a trailing order (optional), still on tick.
            object.__setattr__(self, "stop_price", inst.check_price(self.stop_price))
        if self.tif in (TimeInForce.IOC, TimeInForce.FOK) and t.is_trailing:
            raise InvalidOrder(f"{self.tif.value} is not valid for trailing orders")

    def _check_combo(self) -> None:
        combo, t = self.combo, self.order_type
        if combo is None:
            raise InvalidOrder(f"{self.instrument.key}: a combo order needs its legs")
        if self.instrument.key != combo.key or not self.instrument.is_combo:
            raise InvalidOrder(
                f"a combo order's instrument must be the combo's own ({combo.key}), "
                f"not {self.instrument.key}"
            )
        if t not in COMBO_ORDER_TYPES:
            raise InvalidOrder(f"a combo order is LMT (net price) or MKT, not {t.value}")
        if self.tif not in COMBO_TIFS:
            raise InvalidOrder(f"a combo order is DAY or GTC, not {self.tif.value}")
        extras = (self.stop_price, self.trail_amount, self.trail_percent, self.limit_offset)
        if any(value is not None for value in extras):
            raise InvalidOrder("a combo order takes no stop or trailing prices")
        if t is OrderType.LIMIT:
            if self.limit_price is None:
                raise InvalidOrder("a combo LMT order needs a net limit price")
            object.__setattr__(self, "limit_price", combo.check_price(self.limit_price))
        elif self.limit_price is not None:
            raise InvalidOrder("a combo MKT order takes no limit price")

    def _check_trailing(self) -> None:
        amount, percent = self.trail_amount, self.trail_percent
        if (amount is None) == (percent is None):
            raise InvalidOrder(
                "a trailing order needs exactly one of trail amount or trail percent"
            )
        if amount is not None:
            value = to_decimal(amount, "trail amount")
            if value <= 0:
                raise InvalidOrder("trail amount must be positive")
            object.__setattr__(self, "trail_amount", self.instrument.check_price(value))
        if percent is not None:
            value = to_decimal(percent, "trail percent")
            if not ZERO < value < 100:
                raise InvalidOrder("trail percent must be between 0 and 100")
            object.__setattr__(self, "trail_percent", value)
        if self.order_type is OrderType.TRAIL_LIMIT:
            if self.limit_offset is None:
                raise InvalidOrder("TRAIL LIMIT order needs a limit offset")
            offset = to_decimal(self.limit_offset, "limit offset")
            if offset < 0 or offset % self.instrument.tick_size != 0:
                raise InvalidOrder("limit offset must be non-negative and on the tick size")
            object.__setattr__(self, "limit_offset", offset)

    @property
    def reference_price(self) -> Decimal | None:
        """The price that best describes the order's value (limit, else stop), if any."""
        return self.limit_price if self.limit_price is not None else self.stop_price

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity * self.side.sign


@dataclass(frozen=True, slots=True)
class Order:
    """An intent together with its lifecycle state. Immutable snapshot.

    ``id`` is the client order id, assigned at staging and sent to the broker (IB ``orderRef``)
    so that reconciliation can match broker orders to ours.
    """

    id: str
    intent: OrderIntent
    status: OrderStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    verdict: Verdict | None = None
    role: OrderRole = OrderRole.SINGLE
    group_id: str | None = None
    parent_id: str | None = None
    oca_group: str | None = None
    broker_order_id: str | None = None
    filled_quantity: Decimal = ZERO
    avg_fill_price: Decimal | None = None
    reason: str = ""
    approved_by: str | None = None
    override_reason: str | None = None
    #: A combo order's fills per leg (``filled_quantity`` counts complete combo units).
    legs_filled: tuple[LegFilled, ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def instrument(self) -> Instrument:
        return self.intent.instrument

    @property
    def key(self) -> str:
        return self.intent.instrument.key

    @property
    def remaining(self) -> Decimal:
        return self.intent.quantity - self.filled_quantity

    def with_status(self, status: OrderStatus, at: dt.datetime, **changes: object) -> Order:
        """Return a copy in ``status``, checked against the table (same status: update fields)."""
        if status is not self.status:
            check_transition(self.status, status)
        return replace(self, status=status, updated_at=at, **changes)  # type: ignore[arg-type]
