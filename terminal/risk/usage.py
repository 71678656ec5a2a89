"""Live limit utilisation: how close the account is to each limit, for the risk panel."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from terminal.domain.instruments import Instrument
from terminal.domain.orders import Order, OrderSide
from terminal.domain.values import ZERO
from terminal.risk.context import PortfolioView, counted_orders, working_quantity
from terminal.risk.greeks import underlying_of
from terminal.risk.pricing import fmt_qty
from terminal.settings import RiskLimits

_HUNDRED = Decimal(100)


class UsageLevel(StrEnum):
    """How close a limit is: fine, near (alert fraction reached) or reached."""

    OK = "ok"
    WARN = "warn"
    BREACH = "breach"

    @property
    def rank(self) -> int:
        """Return 0, 1 or 2 so that levels can be compared."""
        return _RANK[self]


_RANK = {UsageLevel.OK: 0, UsageLevel.WARN: 1, UsageLevel.BREACH: 2}


@dataclass(frozen=True, slots=True)
class LimitUsage:
    """One limit's utilisation.

    Attributes:
        name: Stable identifier (``"gross_exposure"``, ``"daily_loss"``, ``"open_orders"``,
            ``"position"``, ``"concentration"``, ``"orders_per_second"``).
        label: What the trader reads, naming the instrument where there is one.
        used: The current value, in the limit's unit (money, orders, units, percent).
        limit: The limit in the same unit.
        fraction: ``used / limit`` (infinite when a zero limit is used at all).
        level: OK, WARN at the alert fraction, BREACH at or beyond the limit.
    """

    name: str
    label: str
    used: Decimal
    limit: Decimal
    fraction: float
    level: UsageLevel


def make_usage(name: str, label: str, used: Decimal, limit: Decimal, alert: Decimal) -> LimitUsage:
    """Build a :class:`LimitUsage`, deciding its level from ``alert`` (the warning fraction)."""
    # A zero limit means "none allowed": any use is infinitely over it.
    unlimited_use = math.inf if used > 0 else 0.0
    fraction = float(used / limit) if limit > 0 else unlimited_use
    if used > 0 and used >= limit:
        level = UsageLevel.BREACH
    elif limit > 0 and used >= limit * alert:
        level = UsageLevel.WARN
    else:
        level = UsageLevel.OK
    return LimitUsage(name, label, used, limit, fraction, level)


def projected_position(
    portfolio: PortfolioView, orders: Sequence[Order], instrument: Instrument
) -> tuple[Decimal, Decimal]:
    """Return the size of the position in ``instrument`` now and the largest size the counted
    working orders could take it to (all buys filling, or all sells)."""
    position = portfolio.position(instrument.key)
    quantity = position.quantity if position is not None else ZERO
    buys = working_quantity(orders, instrument, OrderSide.BUY)
    sells = working_quantity(orders, instrument, OrderSide.SELL)
    return abs(quantity), max(abs(quantity + buys), abs(quantity - sells))


def limit_usages(
    limits: RiskLimits,
    portfolio: PortfolioView,
    open_orders: Sequence[Order],
    orders_last_second: int,
    delta_dollars: Mapping[str, Decimal] | None = None,
) -> list[LimitUsage]:
    """Return the utilisation of every live limit, in the order the risk panel shows them.

    ``delta_dollars`` holds, by underlying symbol, the delta-dollar figure of each underlying
    with an option held: concentration counts that underlying as one (as the pre-trade rule
    does), not its stock and options one by one.
    """
    by_underlying = delta_dollars or {}
    alert = limits.utilisation_alert_fraction
    # A provisional baseline measures nothing yet: no loss is counted against the limit.
    day_loss = max(-portfolio.day_pnl(), ZERO) if portfolio.day_pnl_established else ZERO
    counted = counted_orders(open_orders)
    open_count = len(counted)
    equity = portfolio.equity()

    biggest_key, biggest_qty, with_orders = "", ZERO, False
    top_key, top_share = "", ZERO
    if equity > 0:
        for underlying, value in by_underlying.items():
            share = value / equity * _HUNDRED
            if share > top_share:
                top_key, top_share = underlying, share
    for position in portfolio.positions():
        size = abs(position.quantity)
        if size == 0 or underlying_of(position.instrument) in by_underlying:
            continue
        mark = portfolio.mark(position.key)
        if mark is not None and equity > 0:
            share = abs(position.market_value(mark)) / equity * _HUNDRED
            if share > top_share:
                top_key, top_share = position.key, share
    # The position limit counts working orders on the same side (the max_position rule): show
    # the largest position they could make, so the panel warns before the next order is blocked.
    instruments = {o.key: o.instrument for o in counted}
    instruments.update((p.key, p.instrument) for p in portfolio.positions())
    for key in sorted(instruments):
        size, projected = projected_position(portfolio, counted, instruments[key])
        if projected > biggest_qty:
            biggest_key, biggest_qty, with_orders = key, projected, projected > size

    position_label = "Largest position"
    if with_orders:
        position_label += " with working orders"
    if biggest_key:
        position_label += f" ({biggest_key})"
    share_label = f"Largest concentration % ({top_key})" if top_key else "Largest concentration %"
    return [
        make_usage(
            "gross_exposure",
            "Gross exposure",
            portfolio.gross_exposure(),
            limits.max_gross_exposure,
            alert,
        ),
        make_usage("daily_loss", "Daily loss", day_loss, limits.daily_loss_limit, alert),
        make_usage(
            "open_orders",
            "Open orders",
            Decimal(open_count),
            Decimal(limits.max_open_orders),
            alert,
        ),
        make_usage(
            "position",
            position_label,
            biggest_qty,
            limits.max_position_quantity,
            alert,
        ),
        make_usage(
            "concentration",
            share_label,
            top_share,
            limits.max_concentration * _HUNDRED,
            alert,
        ),
        make_usage(
            "orders_per_second",
            "Orders in the last second",
            Decimal(orders_last_second),
            Decimal(limits.max_orders_per_second),
            alert,
        ),
    ]


def describe(usage: LimitUsage) -> str:
    """Return one line for an alert: ``Daily loss at 85% of its limit (21,250 of 25,000)``."""
    return (
        f"{usage.label} at {usage.fraction:.0%} of its limit "
        f"({fmt_qty(usage.used.quantize(Decimal(1)))} of {fmt_qty(usage.limit)})"
    )
