"""The whole report for a period: per order, per trade, in aggregate and by group.

:func:`build_report` is pure: records in, a :class:`Report` out. The database reader
(:mod:`terminal.analytics.source`) and the renderers (:mod:`terminal.analytics.render`) sit on
either side, so a pane can run it off the GUI thread on records it already holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from terminal.analytics.combo_trades import in_combo_units, with_combo_units
from terminal.analytics.excursion import PriceBars, with_excursions
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
        trades: round trips that closed in the period, by exit time (a combo position is one
            trade in combo units: :mod:`terminal.analytics.combo_trades`).
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


def _mean(total_us: int, count: int) -> float | None:
    return total_us / (count * 1_000_000) if count else None


#: What an order adds to :class:`_Totals`: ordered, filled, commission, slippage money vs
#: arrival and vs approval, approval-delay cost, and the latencies in microseconds.
type _OrderFigures = tuple[
    Decimal,
    Decimal,
    Decimal,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    int | None,
    int | None,
    int | None,
]


def _present[T](values: Iterable[T | None]) -> list[T]:
    return [v for v in values if v is not None]


def _optional_sum(values: Sequence[Decimal | None]) -> Decimal | None:
    """The sum of the values present (None when there is none)."""
    present = _present(values)
    return sum(present, ZERO) if present else None


def _plus(mine: Decimal | None, theirs: Decimal | None) -> Decimal | None:
    if mine is None:
        return theirs
    return mine if theirs is None else mine + theirs


class _Totals:
    """Execution totals of a set of orders, for :class:`ExecutionSummary`.

    Totals merge, so the report sums each order into two cells only (its instrument, and its
    day x side x order type x source) and rolls the day, side, order type, source and overall
    totals up from the second. Every sum is exact (Decimal money, integer microseconds), so a
    roll-up equals adding the orders one by one, in any order.
    """

    __slots__ = (
        "ack",
        "approval",
        "arrival",
        "commission",
        "delay",
        "filled",
        "filled_orders",
        "first",
        "n_ack",
        "n_first",
        "n_wait",
        "ordered",
        "orders",
        "wait",
    )

    def __init__(self, rows: Sequence[_OrderFigures] = ()) -> None:
        """Sum ``rows`` (column by column: the sums run in C, not per order in Python)."""
        self.orders = len(rows)
        if not rows:
            self.filled_orders = self.wait = self.ack = self.first = 0
            self.n_wait = self.n_ack = self.n_first = 0
            self.ordered = self.filled = self.commission = ZERO
            self.arrival = self.approval = self.delay = None
            return
        ordered, filled, commission, arrival, approval, delay, wait, ack, first = zip(
            *rows, strict=True
        )
        self.ordered = sum(ordered, ZERO)
        self.filled = sum(filled, ZERO)
        self.filled_orders = self.orders - filled.count(ZERO)  # a fill is never negative
        self.commission = sum(commission, ZERO)
        self.arrival = _optional_sum(arrival)
        self.approval = _optional_sum(approval)
        self.delay = _optional_sum(delay)
        waits, acks, firsts = _present(wait), _present(ack), _present(first)
        self.wait, self.n_wait = sum(waits), len(waits)
        self.ack, self.n_ack = sum(acks), len(acks)
        self.first, self.n_first = sum(firsts), len(firsts)

    def merge(self, other: _Totals) -> None:
        self.orders += other.orders
        self.filled_orders += other.filled_orders
        self.ordered += other.ordered
        self.filled += other.filled
        self.commission += other.commission
        self.arrival = _plus(self.arrival, other.arrival)
        self.approval = _plus(self.approval, other.approval)
        self.delay = _plus(self.delay, other.delay)
        self.wait += other.wait
        self.n_wait += other.n_wait
        self.ack += other.ack
        self.n_ack += other.n_ack
        self.first += other.first
        self.n_first += other.n_first

    def summary(self) -> ExecutionSummary:
        return ExecutionSummary(
            orders=self.orders,
            filled_orders=self.filled_orders,
            fill_rate=self.filled / self.ordered if self.ordered > 0 else None,
            commission=self.commission,
            slippage_vs_arrival=self.arrival,
            slippage_vs_approval=self.approval,
            approval_delay_cost=self.delay,
            mean_approval_latency=_mean(self.wait, self.n_wait),
            mean_ack_latency=_mean(self.ack, self.n_ack),
            mean_first_fill_latency=_mean(self.first, self.n_first),
        )


def _figures(e: OrderExecution) -> _OrderFigures:
    arrival, approval = e.vs_arrival, e.vs_approval
    wait, ack, first = e.approval_latency, e.ack_latency, e.first_fill_latency
    return (
        e.order.quantity,
        e.filled_quantity,
        e.commission,
        arrival.money if arrival is not None else None,
        approval.money if approval is not None else None,
        e.approval_delay_cost,
        round(wait * 1_000_000) if wait is not None else None,
        round(ack * 1_000_000) if ack is not None else None,
        round(first * 1_000_000) if first is not None else None,
    )


def execution_summary(executions: Iterable[OrderExecution]) -> ExecutionSummary:
    """Totals of ``executions``; money sums and means only over the orders that hold the figure."""
    return _Totals([_figures(e) for e in executions]).summary()


def _execution_groups(
    executions: Sequence[OrderExecution], tz: ZoneInfo
) -> tuple[ExecutionSummary, dict[str, dict[str, ExecutionSummary]]]:
    """The totals of ``executions`` and the same by each of :data:`GROUPS`, in one pass."""
    by_instrument: dict[str, list[_OrderFigures]] = {}
    cells: dict[tuple[str, str, str, str], list[_OrderFigures]] = {}
    days: dict[dt.date, str] = {}
    for e in executions:  # per order: no call that can be saved (setdefault builds a list)
        o = e.order
        row = _figures(e)
        date = o.staged_at.astimezone(tz).date()
        if (day := days.get(date)) is None:
            day = days[date] = date.isoformat()
        key = (day, "BUY" if o.sign > 0 else "SELL", o.order_type, o.source or "unknown")
        if (cell := cells.get(key)) is None:
            cell = cells[key] = []
        cell.append(row)
        if (own := by_instrument.get(o.instrument)) is None:
            own = by_instrument[o.instrument] = []
        own.append(row)
    overall = _Totals()
    rolled: dict[str, dict[str, _Totals]] = {group: {} for group in GROUPS}
    for key, rows in cells.items():
        totals = _Totals(rows)
        overall.merge(totals)
        for group, name in zip(("day", "side", "order_type", "source"), key, strict=True):
            if (into := rolled[group].get(name)) is None:
                into = rolled[group][name] = _Totals()
            into.merge(totals)
    rolled["instrument"] = {name: _Totals(rows) for name, rows in by_instrument.items()}
    groups = {
        group: {name: rolled[group][name].summary() for name in sorted(rolled[group])}
        for group in GROUPS
    }
    return overall.summary(), groups


type _TradeFigures = tuple[Decimal, Decimal, dt.date]
"""A closed trade's net P&L, gross P&L and exit day."""


def _daily(rows: Iterable[_TradeFigures]) -> list[tuple[dt.date, Decimal]]:
    """Net P&L per exit day, in date order."""
    days: dict[dt.date, Decimal] = {}
    for net, _, day in rows:
        days[day] = days[day] + net if day in days else net
    return sorted(days.items())


def _trade_performance(
    rows: Sequence[_TradeFigures], starting_equity: Decimal | None
) -> Performance:
    """The statistics of trades given as :data:`_TradeFigures`, in exit order."""
    return performance(
        [net for net, _, _ in rows],
        [gross for _, gross, _ in rows],
        [pnl for _, pnl in _daily(rows)],
        starting_equity,
    )


def _trade_groups(
    closed: Sequence[Trade],
    exit_days: Sequence[dt.date],
    by_id: Mapping[str, OrderRecord],
    starting_equity: Decimal | None,
) -> tuple[Performance, dict[str, dict[str, Performance]], list[tuple[dt.date, Decimal]]]:
    """The statistics of ``closed`` (in exit order), the same by each of :data:`GROUPS`, and
    the daily net P&L.

    Each trade's figures are read once; a trade's order type and source are those of the
    order that opened it.
    """
    rows = [(t.net_pnl, t.gross_pnl, day) for t, day in zip(closed, exit_days, strict=True)]
    buckets: dict[str, dict[str, list[_TradeFigures]]] = {group: {} for group in GROUPS}
    names: dict[dt.date, str] = {}
    for t, row in zip(closed, rows, strict=True):
        day = row[2]
        if (day_name := names.get(day)) is None:
            day_name = names[day] = day.isoformat()
        o = by_id.get(t.order_ids[0]) if t.order_ids else None
        for group, name in (
            ("day", day_name),
            ("instrument", t.instrument),
            ("side", t.side),
            ("order_type", o.order_type if o else "unknown"),
            ("source", (o.source or "unknown") if o else "unknown"),
        ):
            buckets[group].setdefault(name, []).append(row)
    groups = {
        group: {name: _trade_performance(found[name], starting_equity) for name in sorted(found)}
        for group, found in buckets.items()
    }
    return _trade_performance(rows, starting_equity), groups, _daily(rows)


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
    bars: Mapping[str, PriceBars] | None = None,
) -> Report:
    """Build the report of ``start``..``end`` (inclusive dates in ``timezone``).

    Args:
        orders: orders to measure; those staged outside the period are left out.
        fills: every fill up to the end of the period (earlier ones too, so a trade opened
            before the period is matched right); trades are kept by their exit date.
        starting_equity: account equity at the start, for drawdown in percent (None: unknown).
        notes: what the caller already knows the data lacks.
        bars: price bars by instrument key, for each closed trade's MAE / MFE
            (:mod:`terminal.analytics.excursion`; the database's recorded bars, read by
            :func:`terminal.analytics.source.load_history`); a note says how many closed
            trades they do not cover (n/a). ``None``: no bars were read, MAE / MFE are n/a
            for every trade and no note says so.
    """
    tz = ZoneInfo(timezone)
    begin, finish = period_bounds(start, end, timezone)
    all_orders = list(orders)
    by_id = {o.order_id: o for o in all_orders}
    period_orders = [o for o in all_orders if begin <= o.staged_at < finish]
    # A combo's fills are its legs': it is measured in combo units at its net price, which
    # needs its legs (recorded with every combo order since schema 0004).
    executions = [
        order_execution(in_combo_units(o) if o.combo else o)
        for o in period_orders
        if o.legs or not o.combo
    ]
    legless = len(period_orders) - len(executions)
    # A combo position is one trade in combo units, not one per leg (combo_trades).
    trades = round_trips(with_combo_units(all_orders, (f for f in fills if f.time < finish)))
    closed = [t for t in trades if t.exit_time is not None and t.exit_time >= begin]
    still_open = [t for t in trades if t.exit_time is None]
    # Each trade's exit day, worked out once (every grouping and the daily series read it).
    exit_days = [t.exit_time.astimezone(tz).date() for t in closed if t.exit_time is not None]
    found = list(notes)
    filled = [e for e in executions if e.filled_quantity > 0]
    missing_arrival = sum(1 for e in filled if e.order.arrival_price is None)
    if missing_arrival:
        found.append(
            f"{missing_arrival} of {len(filled)} filled orders have no arrival price (mid at "
            "staging) in the audit trail: slippage against arrival, the approval-delay cost "
            "and the shortfall are left out for them"
        )
    if legless:
        found.append(
            f"{legless} combo order(s) without recorded legs left out of execution quality; "
            "their fills are traded per leg"
        )
    # Without bars (a caller that reads none) MAE / MFE are n/a for every trade; that is not
    # a note. Bars read from the database (even none: nothing was recorded for the period)
    # make one: it says how many trades they do not cover.
    if closed and bars is not None:
        closed, uncovered = with_excursions(closed, bars)
        if uncovered:
            found.append(
                f"{uncovered} of {len(closed)} closed trades have no price bars covering their "
                "holding period: MAE / MFE are n/a for them"
            )
    if starting_equity is None and closed:
        found.append("no starting equity recorded for the period: drawdown in % is left out")
    overall, trade_groups, daily = _trade_groups(closed, exit_days, by_id, starting_equity)
    execution, execution_groups = _execution_groups(executions, tz)
    return Report(
        start=start,
        end=end,
        timezone=timezone,
        orders=tuple(executions),
        trades=tuple(closed),
        open_trades=tuple(still_open),
        performance=overall,
        trade_groups=trade_groups,
        execution=execution,
        execution_groups=execution_groups,
        daily=tuple(daily),
        starting_equity=starting_equity,
        notes=tuple(found),
    )
