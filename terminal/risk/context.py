"""What the risk engine reads: market quotes, the portfolio, and the per-check context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from terminal.domain.instruments import Instrument
from terminal.domain.lifecycle import OrderStatus
from terminal.domain.market import Quote
from terminal.domain.orders import Order, OrderSide
from terminal.domain.positions import Position
from terminal.domain.values import ZERO
from terminal.domain.verdicts import VerdictLevel
from terminal.risk.history import StagingHistory
from terminal.risk.state import TradingState
from terminal.settings import RiskLimits

if TYPE_CHECKING:  # terminal.risk.combos reads QuoteLookup from here
    from terminal.risk.combos import ComboFigures
    from terminal.risk.greeks import GreeksCheck


class QuoteLookup(Protocol):
    """The last-quote cache (market data service)."""

    def last_quote(self, key: str) -> Quote | None:
        """Return the latest quote for an instrument key, or ``None`` when there is none."""
        ...


class PortfolioView(Protocol):
    """Read-only view of positions and account values (portfolio service)."""

    def position(self, key: str) -> Position | None:
        """Return the position in an instrument, or ``None`` when there is none."""
        ...

    def positions(self) -> Iterable[Position]:
        """Return every position (flat ones may be included)."""
        ...

    def equity(self) -> Decimal:
        """Return the account equity (net liquidation value)."""
        ...

    def gross_exposure(self) -> Decimal:
        """Return the sum of absolute market values of all positions."""
        ...

    def day_pnl(self) -> Decimal:
        """Return today's P&L, realized plus unrealized (a loss is negative)."""
        ...

    @property
    def day_pnl_established(self) -> bool:
        """Whether today's P&L rests on a real start of day (the daily-loss limit acts only
        then; else it is provisional)."""
        ...

    def mark(self, key: str) -> Decimal | None:
        """Return the price used to value a position in ``key``, or ``None`` when unknown."""
        ...


_AWAITING_APPROVAL = frozenset({OrderStatus.STAGED, OrderStatus.PENDING_APPROVAL})


def counted_orders(orders: Iterable[Order]) -> list[Order]:
    """Return the open orders that count toward limits on open and working orders.

    An order waiting in the approval queue with a BLOCK verdict can never be approved as it
    stands, so it is no order a limit must make room for: counting it let absurd input (a
    10,000,000-share order) use up the open-orders limit. Neither do the bracket children that
    wait with such a parent. Once an order is approved (its verdict was checked again), it
    counts until it is done.
    """
    candidates = [o for o in orders if o.status.is_open]
    blocked = {
        o.id
        for o in candidates
        if o.status in _AWAITING_APPROVAL
        and o.verdict is not None
        and o.verdict.level is VerdictLevel.BLOCK
    }
    return [
        o
        for o in candidates
        if o.id not in blocked and not (o.parent_id in blocked and o.status in _AWAITING_APPROVAL)
    ]


def working_quantity(
    orders: Sequence[Order],
    instrument: Instrument,
    side: OrderSide,
    *,
    apart_from: str | None = None,
) -> Decimal:
    """Return how much the counted open orders on ``side`` of ``instrument`` can still add.

    Each order adds its remaining quantity (a combo order with a leg in ``instrument`` traded
    on ``side``: its remaining units × the leg's ratio), except:

    - orders of one OCA group cancel each other, so at most one of them fills: the group adds
      its largest member once (bracket take-profit and stop, one-cancels-other siblings);
    - a bracket child works only on what its parent bought or sold, so while the parent is
      still open it adds no more than the parent's filled quantity;
    - members of the OCA group ``apart_from`` (the group of the order being checked) are left
      out: the caller weighs them against that order, see :func:`oca_largest`.

    Orders that do not count toward working limits (see :func:`counted_orders`) add nothing.
    """
    # One pass, cheapest test first: the pre-trade check runs this on every staged order. It
    # is counted_orders inlined: a BLOCK order awaiting approval is skipped, and the children
    # waiting with it are capped at its fill, which is none.
    key = instrument.key
    singles: list[Decimal] = []
    groups: dict[str, Decimal] = {}
    parent_fills: dict[str, Decimal] | None = None  # built at the first bracket child
    for order in orders:
        intent = order.intent
        status = order.status
        combo = intent.combo
        per_unit = 1
        if combo is not None:
            # A combo order trades its legs: it adds ratio × units to a leg on the leg's side.
            leg = combo.leg(key) if status.is_open else None
            if leg is None or intent.side.sign * leg.sign != side.sign:
                continue
            per_unit = leg.ratio
        elif (
            intent.side is not side
            or not status.is_open
            or (intent.instrument is not instrument and intent.instrument.key != key)
        ):
            continue
        verdict = order.verdict
        if (
            status in _AWAITING_APPROVAL
            and verdict is not None
            and verdict.level is VerdictLevel.BLOCK
        ):
            continue
        filled = order.filled_quantity
        quantity = intent.quantity - filled if filled else intent.quantity
        if order.parent_id is not None:
            if parent_fills is None:
                parent_fills = {o.id: o.filled_quantity for o in orders if o.status.is_open}
            parent_filled = parent_fills.get(order.parent_id)
            if parent_filled is not None:
                quantity = min(quantity, parent_filled)
        if per_unit != 1:
            quantity *= per_unit
        oca = order.oca_group
        if oca is None:
            singles.append(quantity)
        elif oca != apart_from:
            groups[oca] = max(groups.get(oca, ZERO), quantity)
    return sum(singles, ZERO) + sum(groups.values(), ZERO)


def oca_largest(
    orders: Iterable[Order], key: str, side: OrderSide, oca_group: str | None
) -> Decimal:
    """Return the largest remaining quantity on ``side`` of ``key`` in ``oca_group`` (0 if none)."""
    if oca_group is None:
        return ZERO
    return max(
        (
            o.remaining
            for o in counted_orders(orders)
            if o.oca_group == oca_group and o.key == key and o.intent.side is side
        ),
        default=ZERO,
    )


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything the rules need for one check, gathered once so no rule looks it up twice.

    Attributes:
        limits: The limits in force.
        now: The clock time of the check (UTC).
        market_tz: The market's time zone (for regular hours).
        quote: The instrument's last quote, if any.
        portfolio: Positions and account values.
        state: The trading state and the reason it was set.
        state_reason: Why the trading state was set.
        open_orders: Orders not yet terminal, excluding the one being checked.
        history: Recently staged intents (rate and duplicate rules).
        position: The current signed position in the instrument.
        price: The estimated execution price, or ``None`` when nothing tells it.
        price_source: Where ``price`` came from ("limit", "ask", "last", ...).
        recheck: The intent was staged already and is checked again (at approval or after a
            modification): the staging-rate and duplicate rules judged it when it was staged.
        oca_group: The OCA group the order belongs to, if any: its siblings in
            ``open_orders`` cancel it when they fill, so they never add to it.
        combo: A combo order's net market and risk (None for every other order); its
            ``quote`` is None (the legs are quoted, the combo is not) and ``price`` is the net
            price, which may be negative (a credit).
        greeks: The Greeks of the order's underlying before the order and of the order (None
            when the order has no one underlying).
    """

    limits: RiskLimits
    now: dt.datetime
    market_tz: ZoneInfo
    quote: Quote | None
    portfolio: PortfolioView
    state: TradingState
    state_reason: str
    open_orders: Sequence[Order]
    history: StagingHistory
    position: Decimal
    price: Decimal | None
    price_source: str
    recheck: bool = False
    oca_group: str | None = None
    combo: ComboFigures | None = None
    greeks: GreeksCheck | None = None
