"""Read a period's orders, fills and audit steps from the database into analytics records.

Blocking reads: call them from a command or a worker thread, never on the event loop.

What the trail holds (``terminal/oms``): ``stage`` (the order entered the book; its time is the
staging time), ``approve`` (the trader's approval), ``order_accepted`` (the broker's
acknowledgement) and ``fill`` records; fills themselves are read from ``fills``. Arrival and
approval prices are the ``mid`` field the OMS writes into the ``stage`` / ``approve`` records'
details when it held a live two-sided quote (:func:`terminal.oms.describe.market_details`);
without one (no quote then, or an order staged before the OMS recorded it) they are ``None``
and the report says how many orders lack them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from terminal.analytics.records import FillRecord, OrderRecord
from terminal.analytics.report import period_bounds
from terminal.domain import AssetClass
from terminal.oms.describe import MID
from terminal.persistence.schema import AuditRow, DayBaselineRow, FillRow, OrderRow

#: Audit actions that time an order's steps: staged, approved, acknowledged by the broker.
STAGED, APPROVED, ACKNOWLEDGED = "stage", "approve", "order_accepted"
#: The field of a stage / approve record's details that holds the mid at that moment.
MID_FIELD = MID


@dataclass(frozen=True, slots=True)
class History:
    """What the database holds for a period (see :func:`load_history`)."""

    orders: tuple[OrderRecord, ...]
    fills: tuple[FillRecord, ...]
    starting_equity: Decimal | None
    notes: tuple[str, ...]


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _instrument_numbers(instrument: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    return Decimal(instrument["tick_size"]), Decimal(instrument["multiplier"])


def _sign(side: str) -> int:
    return 1 if side.upper() == "BUY" else -1


def load_history(engine: Engine, start: dt.date, end: dt.date, timezone: str = "UTC") -> History:
    """Read every order and fill up to the end of ``start``..``end``, and the audit steps of
    the orders staged in it.

    Earlier fills and orders are read too: a trade opened before the period and closed in it
    needs them (:func:`~terminal.analytics.report.build_report` keeps the period's part).
    """
    begin, finish = period_bounds(start, end, timezone)
    with Session(engine) as s:
        fill_rows = s.execute(
            select(
                FillRow.exec_id,
                FillRow.order_id,
                FillRow.instrument_key,
                FillRow.side,
                FillRow.quantity,
                FillRow.price,
                FillRow.commission,
                FillRow.time,
            )
            .where(FillRow.time < finish)
            .order_by(FillRow.time, FillRow.exec_id)
        ).all()
        order_rows = s.execute(
            # Orders staged before the period too: a trade they opened is grouped by their source.
            select(
                OrderRow.id,
                OrderRow.instrument_key,
                OrderRow.instrument,
                OrderRow.side,
                OrderRow.quantity,
                OrderRow.order_type,
                OrderRow.source,
                OrderRow.status,
                OrderRow.created_at,
            ).where(OrderRow.created_at < finish)
        ).all()
        steps = s.execute(
            select(AuditRow.subject, AuditRow.action, AuditRow.at, AuditRow.details)
            .where(AuditRow.action.in_((STAGED, APPROVED, ACKNOWLEDGED)), AuditRow.at >= begin)
            .order_by(AuditRow.seq)
        ).all()
        equity = _starting_equity(s, start, end)
        # One instrument description per instrument (its multiplier), not one per fill.
        first_fills = (
            select(func.min(FillRow.exec_id))
            .where(FillRow.time < finish)
            .group_by(FillRow.instrument_key)
        )
        multipliers = {
            key: _instrument_numbers(instrument)[1]
            for key, instrument in s.execute(
                select(FillRow.instrument_key, FillRow.instrument).where(
                    FillRow.exec_id.in_(first_fills)
                )
            )
        }
    fills: list[FillRecord] = []
    by_order: dict[str, list[FillRecord]] = {}
    for f in fill_rows:
        mult = multipliers[f.instrument_key]
        fill = FillRecord(
            exec_id=f.exec_id,
            order_id=f.order_id,
            instrument=f.instrument_key,
            sign=_sign(f.side),
            quantity=Decimal(f.quantity),
            price=Decimal(f.price),
            commission=Decimal(f.commission),
            time=f.time,
            multiplier=mult,
        )
        fills.append(fill)
        if fill.order_id is not None:
            by_order.setdefault(fill.order_id, []).append(fill)
    first: dict[tuple[str, str], tuple[dt.datetime, Decimal | None]] = {}
    for subject, action, at, details in steps:
        if (subject, action) not in first:
            mid = None
            if action != ACKNOWLEDGED and f'"{MID_FIELD}"' in details:  # skip parsing the rest
                mid = _decimal(json.loads(details).get(MID_FIELD))
            first[(subject, action)] = (at, mid)
    orders = []
    for row in order_rows:
        tick, mult = _instrument_numbers(row.instrument)
        staged = first.get((row.id, STAGED))
        approved = first.get((row.id, APPROVED))
        acked = first.get((row.id, ACKNOWLEDGED))
        orders.append(
            OrderRecord(
                order_id=row.id,
                instrument=row.instrument_key,
                sign=_sign(row.side),
                quantity=Decimal(row.quantity),
                order_type=row.order_type,
                source=row.source,
                status=row.status,
                staged_at=staged[0] if staged else row.created_at,
                tick_size=tick,
                multiplier=mult,
                approved_at=approved[0] if approved else None,
                acknowledged_at=acked[0] if acked else None,
                arrival_price=staged[1] if staged else None,
                approval_price=approved[1] if approved else None,
                fills=tuple(by_order.get(row.id, ())),
                combo=row.instrument.get("asset_class") == AssetClass.COMBO.value,
            )
        )
    orders.sort(key=lambda o: o.staged_at)
    notes = []
    if equity is None:
        notes.append("no day baseline (account equity) recorded for the period")
    return History(tuple(orders), tuple(fills), equity, tuple(notes))


def _starting_equity(s: Session, start: dt.date, end: dt.date) -> Decimal | None:
    """The accounts' equity at the last day baseline on or before ``start`` (else the first
    one in the period), summed over accounts; None when the database holds none."""
    latest = s.scalar(
        select(DayBaselineRow.trading_date)
        .where(DayBaselineRow.trading_date <= start)
        .order_by(DayBaselineRow.trading_date.desc())
        .limit(1)
    )
    if latest is None:
        latest = s.scalar(
            select(DayBaselineRow.trading_date)
            .where(DayBaselineRow.trading_date <= end)
            .order_by(DayBaselineRow.trading_date)
            .limit(1)
        )
    if latest is None:
        return None
    rows = s.scalars(select(DayBaselineRow.equity).where(DayBaselineRow.trading_date == latest))
    return sum((Decimal(e) for e in rows), Decimal(0))
