"""Read a period's orders, fills and audit steps from the database into analytics records.

Blocking reads: call them from a command or a worker thread, never on the event loop.

What the trail holds (``terminal/oms``): ``stage`` (the order entered the book; its time is the
staging time), ``approve`` (the trader's approval), ``order_accepted`` (the broker's
acknowledgement) and ``fill`` records; fills themselves are read from ``fills``. Arrival and
approval prices are the ``mid`` field the OMS writes into the ``stage`` / ``approve`` records'
details when it held a live two-sided quote (:func:`terminal.oms.describe.market_details`);
without one (no quote then, or an order staged before the OMS recorded it) they are ``None``
and the report says how many orders lack them. Price bars for MAE / MFE are the 1-minute bars
the terminal recorded while the instruments were traded (``terminal/marketdata/recorder.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Engine,
    String,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from terminal.analytics.excursion import PriceBars
from terminal.analytics.records import ComboLegRecord, FillRecord, OrderRecord
from terminal.analytics.report import period_bounds
from terminal.domain import AssetClass, Bar
from terminal.oms.describe import MID
from terminal.persistence.codec import instrument_from_row
from terminal.persistence.schema import AuditRow, DayBaselineRow, FillRow, OrderRow, PriceBarRow

#: Audit actions that time an order's steps: staged, approved, acknowledged by the broker.
STAGED, APPROVED, ACKNOWLEDGED = "stage", "approve", "order_accepted"
#: The field of a stage / approve record's details that holds the mid at that moment.
MID_FIELD = MID
#: The length of the recorded bars read for MAE / MFE (one minute).
BAR_SECONDS = 60


@dataclass(frozen=True, slots=True)
class History:
    """What the database holds for a period (see :func:`load_history`)."""

    orders: tuple[OrderRecord, ...]
    fills: tuple[FillRecord, ...]
    starting_equity: Decimal | None
    notes: tuple[str, ...]
    #: The recorded bars by instrument key over the traded spans (see :func:`bar_spans`);
    #: None when the database has no table for them yet (a note says so).
    bars: Mapping[str, PriceBars] | None = field(default_factory=dict)


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _instrument_numbers(instrument: Mapping[str, Any]) -> tuple[Decimal, Decimal, bool]:
    """Tick size, multiplier, and whether it is a combo (BAG)."""
    return (
        Decimal(instrument["tick_size"]),
        Decimal(instrument["multiplier"]),
        instrument.get("asset_class") == AssetClass.COMBO.value,
    )


def _legs(raw: str | Mapping[str, Any] | None) -> tuple[ComboLegRecord, ...]:
    """A combo order's legs from ``orders.combo`` (each leg's full instrument, ratio and side
    in the bought combo, as :func:`~terminal.persistence.codec.combo_to_json` writes them);
    none for a NULL (a combo order stored before the column: its fills then stay per leg)."""
    if raw is None:
        return ()
    data = json.loads(raw) if isinstance(raw, str) else raw
    if data is None:  # JSON null
        return ()
    return tuple(
        ComboLegRecord(
            instrument_from_row(leg["instrument"]).key, int(leg["ratio"]), _sign(leg["side"])
        )
        for leg in data["legs"]
    )


def _sign(side: str) -> int:
    return 1 if side.upper() == "BUY" else -1


def _utc(value: str | dt.datetime) -> dt.datetime:
    """A stored instant as :class:`~terminal.persistence.schema.UtcDateTime` returns it
    (timezone-aware, UTC), from the raw driver value: SQLite's text (stored naive, in UTC) or
    a PostgreSQL datetime. ``fromisoformat`` parses in C, far faster per row than the
    SQLAlchemy type's regex."""
    if isinstance(value, str):
        try:  # one C call, the offset appended (cheaper than a replace after it)
            return dt.datetime.fromisoformat(value + "+00:00")
        except ValueError:  # text that holds an offset already
            value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class _Instruments:
    """Tick size, multiplier and combo flag from the instrument descriptions rows carry, each
    distinct description parsed once (every order of an instrument carries the same one)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[Decimal, Decimal, bool]] = {}

    def numbers(self, raw: str | Mapping[str, Any]) -> tuple[Decimal, Decimal, bool]:
        if not isinstance(raw, str):  # a driver that decodes JSON itself (PostgreSQL)
            return _instrument_numbers(raw)
        found = self._seen.get(raw)
        if found is None:
            found = self._seen[raw] = _instrument_numbers(json.loads(raw))
        return found


def _raw[T](column: ColumnElement[T]) -> ColumnElement[Any]:
    """``column`` without SQLAlchemy's per-row result processing (JSON decoding, datetime
    parsing): :func:`load_history` reads hundreds of thousands of rows and converts them
    itself, once per distinct value where it can."""
    return type_coerce(column, String)


def _mid(details: ColumnElement[str], dialect: str) -> ColumnElement[Any]:
    """The ``mid`` field of an audit record's details, extracted by the database (JSON text):
    parsing every stage / approve record's details in Python took more time than the rest of
    reading it. The column is text, so PostgreSQL needs a cast to JSON; SQLite's JSON
    functions read text as it is (a CAST there would turn it into a number)."""
    as_json = type_coerce(details, JSON) if dialect == "sqlite" else cast(details, JSON)
    mid: ColumnElement[Any] = as_json[MID_FIELD].as_string()
    return mid


def load_history(engine: Engine, start: dt.date, end: dt.date, timezone: str = "UTC") -> History:
    """Read every order and fill up to the end of ``start``..``end``, and the audit steps of
    the orders staged in it.

    Earlier fills and orders are read too: a trade opened before the period and closed in it
    needs them (:func:`~terminal.analytics.report.build_report` keeps the period's part).
    Rows are read with SQLAlchemy Core (no ORM objects) and raw values (see :func:`_raw`).
    """
    begin, finish = period_bounds(start, end, timezone)
    fill_table, order_table, audit_table = FillRow.__table__, OrderRow.__table__, AuditRow.__table__
    with engine.connect() as conn:
        fill_rows = conn.execute(
            select(
                fill_table.c.exec_id,
                fill_table.c.order_id,
                fill_table.c.instrument_key,
                fill_table.c.side,
                fill_table.c.quantity,
                fill_table.c.price,
                fill_table.c.commission,
                _raw(fill_table.c.time),
            )
            .where(fill_table.c.time < finish)
            .order_by(fill_table.c.time, fill_table.c.exec_id)
        ).all()
        order_rows = conn.execute(
            # Orders staged before the period too: a trade they opened is grouped by their source.
            select(
                order_table.c.id,
                order_table.c.instrument_key,
                _raw(order_table.c.instrument),
                order_table.c.side,
                order_table.c.quantity,
                order_table.c.order_type,
                order_table.c.source,
                order_table.c.status,
                _raw(order_table.c.created_at),
                _raw(order_table.c.combo),
            ).where(order_table.c.created_at < finish)
        ).all()
        steps = conn.execute(
            select(
                audit_table.c.subject,
                audit_table.c.action,
                _raw(audit_table.c.at),
                _mid(audit_table.c.details, conn.dialect.name),
            )
            .where(
                audit_table.c.action.in_((STAGED, APPROVED, ACKNOWLEDGED)),
                audit_table.c.at >= begin,
            )
            .order_by(audit_table.c.seq)
        ).all()
        with Session(bind=conn) as s:
            equity = _starting_equity(s, start, end)
        # One instrument description per instrument (its multiplier), not one per fill.
        first_fills = (
            select(func.min(fill_table.c.exec_id))
            .where(fill_table.c.time < finish)
            .group_by(fill_table.c.instrument_key)
        )
        instruments = _Instruments()
        multipliers = {
            key: instruments.numbers(raw)[1]
            for key, raw in conn.execute(
                select(fill_table.c.instrument_key, _raw(fill_table.c.instrument)).where(
                    fill_table.c.exec_id.in_(first_fills)
                )
            )
        }
    fills: list[FillRecord] = []
    by_order: dict[str, list[FillRecord]] = {}
    sides: dict[str, int] = {}
    for exec_id, order_id, key, side, quantity, price, commission, time in fill_rows:
        if (sign := sides.get(side)) is None:
            sign = sides[side] = _sign(side)
        fill = FillRecord(
            exec_id,
            order_id,
            key,
            sign,
            Decimal(quantity),
            Decimal(price),
            Decimal(commission),
            _utc(time),
            multipliers[key],
        )
        fills.append(fill)
        if order_id is not None:
            if (own := by_order.get(order_id)) is None:
                own = by_order[order_id] = []
            own.append(fill)
    first: dict[tuple[str, str], tuple[dt.datetime, Decimal | None]] = {}
    for subject, action, at, mid in steps:
        if (step := (subject, action)) not in first:
            first[step] = (_utc(at), _decimal(mid) if action != ACKNOWLEDGED else None)
    orders = []
    for row in order_rows:
        tick, mult, combo = instruments.numbers(row[2])
        order_id = row[0]
        staged = first.get((order_id, STAGED))
        approved = first.get((order_id, APPROVED))
        acked = first.get((order_id, ACKNOWLEDGED))
        orders.append(
            OrderRecord(
                order_id,
                row[1],
                _sign(row[3]),
                Decimal(row[4]),
                row[5],
                row[6],
                row[7],
                staged[0] if staged else _utc(row[8]),
                tick,
                mult,
                approved[0] if approved else None,
                acked[0] if acked else None,
                staged[1] if staged else None,
                approved[1] if approved else None,
                tuple(by_order.get(order_id, ())),
                combo=combo,
                legs=_legs(row[9]) if combo else (),
            )
        )
    orders.sort(key=lambda o: o.staged_at)
    notes = []
    if equity is None:
        notes.append("no day baseline (account equity) recorded for the period")
    with engine.connect() as conn:
        bars = load_bars(conn, bar_spans(fills, begin, finish))
    return History(tuple(orders), tuple(fills), equity, tuple(notes), bars)


def bar_spans(
    fills: Iterable[FillRecord], begin: dt.datetime, finish: dt.datetime
) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """The span ``[from, to)`` of bars each instrument traded in ``[begin, finish)`` needs for
    the MAE / MFE of its trades: from the entry of the trade still open at ``begin`` (the last
    time its position left flat before then), else ``begin``, to ``finish``.

    Args:
        fills: every fill before ``finish``, oldest first (as :func:`load_history` reads them).
    """
    held: dict[str, Decimal] = {}
    opened: dict[str, dt.datetime] = {}
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for fill in fills:
        key = fill.instrument
        if fill.time >= begin and key not in spans:
            # Traded in the period: its bars from the open trade's entry (or the period's start).
            spans[key] = (min(opened.get(key, begin), begin), finish)
        before = held.get(key, Decimal(0))
        after = before + fill.sign * fill.quantity
        held[key] = after
        if before == 0 and after != 0:
            opened[key] = fill.time
        elif after == 0:
            opened.pop(key, None)
    return spans


def load_bars(
    conn: Connection, spans: Mapping[str, tuple[dt.datetime, dt.datetime]]
) -> dict[str, PriceBars]:
    """Read the recorded 1-minute bars of each instrument over its span (the bar holding the
    span's first instant included); instruments with none are left out."""
    table = PriceBarRow.__table__
    length = dt.timedelta(seconds=BAR_SECONDS)
    result: dict[str, PriceBars] = {}
    for key, (first, last) in spans.items():
        rows = conn.execute(
            select(
                _raw(table.c.start),
                table.c.open,
                table.c.high,
                table.c.low,
                table.c.close,
                table.c.volume,
            )
            .where(
                table.c.instrument_key == key,
                table.c.seconds == BAR_SECONDS,
                table.c.start > first - length,
                table.c.start < last,
            )
            .order_by(table.c.start)
        ).all()
        if rows:
            result[key] = PriceBars(
                BAR_SECONDS, tuple(Bar(_utc(start), *prices) for start, *prices in rows)
            )
    return result


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


def load_recorded_bars(
    engine: Engine, key: str, first: dt.datetime, last: dt.datetime
) -> list[Bar]:
    """Return the recorded 1-minute bars of ``key`` from the one holding ``first`` to the one
    holding ``last``, oldest first (blocking: the chart calls it from an executor)."""
    end = last + dt.timedelta(seconds=BAR_SECONDS)
    with engine.connect() as conn:
        found = load_bars(conn, {key: (first, end)})
    series = found.get(key)
    return list(series.bars) if series is not None else []
