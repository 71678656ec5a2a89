"""The whole report for a period: per order, per trade, in aggregate and by group.

:func:`build_report` is pure: records in, a :class:`Report` out. The database reader
(:mod:`terminal.analytics.source`) and the renderers (:mod:`terminal.analytics.render`) sit on
either side, so a pane can run it off the GUI thread on records it already holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from terminal.analytics.execution import OrderExecution, order_execution
from terminal.analytics.records import FillRecord, OrderRecord
from terminal.analytics.stats import Performance, performance
from terminal.analytics.trades import Trade, round_trips

ZERO = Decimal(0)
#: The groupings of the report, in the order they are shown.
GROUPS = ("day", "instrument", "side", "order_type", "source")


@dataclass(frozen=True, slots=True)
class ExecutionSummary:
    """Execution totals of a set of orders (``None``: no order held the figure)."""

    orders: int
    filled_orders: int
    fill_rate: Decimal | None
    commission: Decimal
    slippage_vs_arrival: Decimal | None
    slippage_vs_approval: Decimal | None
    approval_delay_cost: Decimal | None
    mean_approval_latency: float | None
    mean_ack_latency: float | None
    mean_first_fill_latency: float | None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``trading-terminal report`` shows for ``start``..``end`` (dates inclusive).

    Attributes:
        orders: execution metrics of the orders staged in the period.
        trades: round trips that closed in the period, by exit time.
        open_trades: round trips still open at the end of the period.
        performance: statistics of ``trades``.
        trade_groups: ``performance`` by each of :data:`GROUPS` (a trade's order type and source
            are those of the order that opened it).
        execution: totals of ``orders``; ``execution_groups`` the same by each of :data:`GROUPS`.
        daily: net P&L of ``trades`` per exit day (the Sharpe and Sortino series).
        notes: what the data could not tell (shown in every format, never hidden).
    """

    start: dt.date
    end: dt.date
    timezone: str
    orders: tuple[OrderExecution, ...]
    trades: tuple[Trade, ...]
    open_trades: tuple[Trade, ...]
    performance: Performance
    trade_groups: dict[str, dict[str, Performance]]
    execution: ExecutionSummary
    execution_groups: dict[str, dict[str, ExecutionSummary]]
    daily: tuple[tuple[dt.date, Decimal], ...]
    starting_equity: Decimal | None
    notes: tuple[str, ...]


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


def execution_summary(executions: Sequence[OrderExecution]) -> ExecutionSummary:
    """Totals of ``executions``; money sums and means only over the orders that hold the figure.

    One loop with plain locals: it runs once per group of a long history (measured faster
    than a comprehension and a ``sum`` per figure).
    """
    ordered = filled = commission = ZERO
    arrival: Decimal | None = None
    approval: Decimal | None = None
    delay: Decimal | None = None
    filled_orders = 0
    wait = ack = first = 0.0
    n_wait = n_ack = n_first = 0
    for e in executions:
        ordered += e.order.quantity
        filled += e.filled_quantity
        commission += e.commission
        if e.filled_quantity > 0:
            filled_orders += 1
        if e.vs_arrival is not None:
            arrival = e.vs_arrival.money + (arrival or ZERO)
        if e.vs_approval is not None:
            approval = e.vs_approval.money + (approval or ZERO)
        if e.approval_delay_cost is not None:
            delay = e.approval_delay_cost + (delay or ZERO)
        if e.approval_latency is not None:
            wait += e.approval_latency
            n_wait += 1
        if e.ack_latency is not None:
            ack += e.ack_latency
            n_ack += 1
        if e.first_fill_latency is not None:
            first += e.first_fill_latency
            n_first += 1
    return ExecutionSummary(
        orders=len(executions),
        filled_orders=filled_orders,
        fill_rate=filled / ordered if ordered > 0 else None,
        commission=commission,
        slippage_vs_arrival=arrival,
        slippage_vs_approval=approval,
        approval_delay_cost=delay,
        mean_approval_latency=_mean(wait, n_wait),
        mean_ack_latency=_mean(ack, n_ack),
        mean_first_fill_latency=_mean(first, n_first),
    )


def _grouped[T, S](
    items: Sequence[T], keys: dict[str, Callable[[T], str]], summarise: Callable[[list[T]], S]
) -> dict[str, dict[str, S]]:
    result: dict[str, dict[str, S]] = {}
    for group, key in keys.items():
        buckets: dict[str, list[T]] = defaultdict(list)
        for item in items:
            buckets[key(item)].append(item)
        result[group] = {name: summarise(buckets[name]) for name in sorted(buckets)}
    return result


def _trade_performance(
    trades: Sequence[Trade], day_of: Callable[[Trade], dt.date], starting_equity: Decimal | None
) -> Performance:
    daily = daily_pnl(trades, day_of)
    return performance(
        [t.net_pnl for t in trades],
        [t.gross_pnl for t in trades],
        [pnl for _, pnl in daily],
        starting_equity,
    )


def daily_pnl(
    trades: Iterable[Trade], day_of: Callable[[Trade], dt.date]
) -> list[tuple[dt.date, Decimal]]:
    """Net P&L of closed ``trades`` per exit day (``day_of``), in date order."""
    days: dict[dt.date, Decimal] = defaultdict(Decimal)
    for trade in trades:
        if trade.exit_time is not None:
            days[day_of(trade)] += trade.net_pnl
    return sorted(days.items())


def period_bounds(start: dt.date, end: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants ``[from, to)`` of the calendar dates ``start``..``end`` in ``timezone``."""
    tz = ZoneInfo(timezone)
    begin = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    return begin, finish


def build_report(
    orders: Iterable[OrderRecord],
    fills: Iterable[FillRecord],
    start: dt.date,
    end: dt.date,
    *,
    timezone: str = "UTC",
    starting_equity: Decimal | None = None,
    notes: Sequence[str] = (),
) -> Report:
    """Build the report of ``start``..``end`` (inclusive dates in ``timezone``).

    Args:
        orders: orders to measure; those staged outside the period are left out.
        fills: every fill up to the end of the period (earlier ones too, so a trade opened
            before the period is matched right); trades are kept by their exit date.
        starting_equity: account equity at the start, for drawdown in percent (None: unknown).
        notes: what the caller already knows the data lacks.
    """
    tz = ZoneInfo(timezone)
    begin, finish = period_bounds(start, end, timezone)
    all_orders = list(orders)
    by_id = {o.order_id: o for o in all_orders}
    period_orders = [o for o in all_orders if begin <= o.staged_at < finish]
    # A combo's fills are its legs' (other contracts, other sides): not one price to measure.
    executions = [order_execution(o) for o in period_orders if not o.combo]
    combos = len(period_orders) - len(executions)
    trades = round_trips(f for f in fills if f.time < finish)
    closed = [t for t in trades if t.exit_time is not None and t.exit_time >= begin]
    still_open = [t for t in trades if t.exit_time is None]
    # Each trade's exit day, worked out once (every grouping and its daily series reads it).
    exit_days = {id(t): t.exit_time.astimezone(tz).date() for t in closed if t.exit_time}

    def exit_day(trade: Trade) -> dt.date:
        return exit_days[id(trade)]

    def opening(trade: Trade) -> OrderRecord | None:
        return by_id.get(trade.order_ids[0]) if trade.order_ids else None

    trade_keys: dict[str, Callable[[Trade], str]] = {
        "day": lambda t: exit_day(t).isoformat(),
        "instrument": lambda t: t.instrument,
        "side": lambda t: t.side,
        "order_type": lambda t: o.order_type if (o := opening(t)) else "unknown",
        "source": lambda t: o.source or "unknown" if (o := opening(t)) else "unknown",
    }
    order_keys: dict[str, Callable[[OrderExecution], str]] = {
        "day": lambda e: e.order.staged_at.astimezone(tz).date().isoformat(),
        "instrument": lambda e: e.order.instrument,
        "side": lambda e: e.order.side,
        "order_type": lambda e: e.order.order_type,
        "source": lambda e: e.order.source or "unknown",
    }
    found = list(notes)
    filled = [e for e in executions if e.filled_quantity > 0]
    missing_arrival = sum(1 for e in filled if e.order.arrival_price is None)
    if missing_arrival:
        found.append(
            f"{missing_arrival} of {len(filled)} filled orders have no arrival price (mid at "
            "staging) in the audit trail: slippage against arrival, the approval-delay cost "
            "and the shortfall are left out for them"
        )
    if combos:
        found.append(
            f"{combos} combo order(s) left out of execution quality (not measured per combo "
            "yet); their legs' trades and P&L are counted"
        )
    if starting_equity is None and closed:
        found.append("no starting equity recorded for the period: drawdown in % is left out")
    return Report(
        start=start,
        end=end,
        timezone=timezone,
        orders=tuple(executions),
        trades=tuple(closed),
        open_trades=tuple(still_open),
        performance=_trade_performance(closed, exit_day, starting_equity),
        trade_groups=_grouped(
            closed, trade_keys, lambda ts: _trade_performance(ts, exit_day, starting_equity)
        ),
        execution=execution_summary(executions),
        execution_groups=_grouped(executions, order_keys, execution_summary),
        daily=tuple(daily_pnl(closed, exit_day)),
        starting_equity=starting_equity,
        notes=tuple(found),
    )
