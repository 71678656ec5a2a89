"""The store: one façade over the tables the terminal keeps.

Writes go through the :class:`DatabaseWriter` and never block. Reads are synchronous: call them at
start-up before the event loop runs, or from an executor.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from terminal.broker.paper import PaperAccount
from terminal.domain import Alert, AlertState, Bar, Fill, Instrument, Order
from terminal.domain.lifecycle import TERMINAL
from terminal.persistence import codec
from terminal.persistence.database import Database
from terminal.persistence.notify import DeskNotifier
from terminal.persistence.paper_codec import paper_account_from_json, paper_account_to_json
from terminal.persistence.schema import (
    AlertRow,
    Base,
    DayBaselineRow,
    FillRow,
    InstrumentRow,
    LayoutRow,
    OrderEventRow,
    OrderRow,
    PaperAccountRow,
    PriceBarRow,
    SettingRow,
    WatchlistNameRow,
    WatchlistRow,
)
from terminal.persistence.writer import DatabaseWriter

log = logging.getLogger(__name__)

_TERMINAL_VALUES = sorted(s.value for s in TERMINAL)


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One line of an order's history."""

    order_id: str
    at: dt.datetime
    status: str
    detail: str


def _upsert(session: Session, model: type[Base], values: dict[str, Any]) -> None:
    # merge() looks the row up by primary key and inserts or updates it; one writer thread
    # means no race between the lookup and the write.
    session.merge(model(**values))


class Store:
    """Save and load orders, fills, alerts, watchlists, settings, layouts and instruments."""

    def __init__(
        self, database: Database, writer: DatabaseWriter, notifier: DeskNotifier | None = None
    ) -> None:
        self.database = database
        self.writer = writer
        #: Announces orders, fills, alerts and settings to the desk in their transaction.
        self.notifier = notifier or DeskNotifier()

    @property
    def engine(self) -> Engine:
        return self.database.engine

    # -- writes (queued) ----------------------------------------------------------------------
    def save_order(self, order: Order) -> None:
        """Insert or replace the snapshot of ``order``."""
        values = codec.order_to_row(order)
        notifier = self.notifier

        def job(session: Session) -> None:
            _upsert(session, OrderRow, values)
            notifier.send(session, "order", order.id)

        self.writer.submit(job, f"save order {order.id}")

    def append_order_event(self, order_id: str, at: dt.datetime, status: str, detail: str) -> None:
        """Append one line to the history of ``order_id``."""
        row = {"order_id": order_id, "at": at, "status": status, "detail": detail}
        self.writer.submit(lambda s: s.add(OrderEventRow(**row)), f"record {status} of {order_id}")

    def save_fill(self, fill: Fill) -> None:
        """Insert ``fill``; a fill whose ``exec_id`` is already stored is ignored."""
        values = codec.fill_to_row(fill)

        notifier = self.notifier

        def job(session: Session) -> None:
            if session.get(FillRow, values["exec_id"]) is None:
                session.add(FillRow(**values))
                notifier.send(session, "fill", fill.exec_id)

        self.writer.submit(job, f"save fill {fill.exec_id}")

    def save_fill_commission(self, exec_id: str, commission: Decimal) -> None:
        """Set the commission of the stored fill ``exec_id`` (a broker's late correction); a
        fill not stored (yet) is left alone and the write says so in its log line."""
        text = str(commission)

        def job(session: Session) -> None:
            row = session.get(FillRow, exec_id)
            if row is None:
                log.warning("commission of fill %s not corrected: no such fill stored", exec_id)
                return
            row.commission = text

        self.writer.submit(job, f"correct commission of fill {exec_id}")

    def save_alert(self, alert: Alert) -> None:
        """Insert or replace ``alert``."""
        values = codec.alert_to_row(alert)
        notifier = self.notifier

        def job(session: Session) -> None:
            _upsert(session, AlertRow, values)
            notifier.send(session, "alert", alert.id)

        self.writer.submit(job, f"save alert {alert.id}")

    def save_watchlist(self, name: str, keys: Sequence[str]) -> None:
        """Replace the watchlist ``name`` with ``keys``, in that order."""
        entries = list(keys)

        def job(session: Session) -> None:
            _upsert(session, WatchlistNameRow, {"name": name})
            session.execute(delete(WatchlistRow).where(WatchlistRow.name == name))
            session.add_all(
                WatchlistRow(name=name, position=i, key=key) for i, key in enumerate(entries)
            )

        self.writer.submit(job, f"save watchlist {name}")

    def delete_watchlist(self, name: str) -> None:
        """Remove the watchlist ``name``."""

        def job(session: Session) -> None:
            session.execute(delete(WatchlistRow).where(WatchlistRow.name == name))
            session.execute(delete(WatchlistNameRow).where(WatchlistNameRow.name == name))

        self.writer.submit(job, f"delete watchlist {name}")

    def save_setting(self, key: str, value: object) -> None:
        """Store a JSON-able ``value`` under ``key``.

        Raises:
            TypeError: ``value`` cannot be written as JSON (raised here, not on the writer).
        """
        stored = json.loads(json.dumps(value, allow_nan=False))
        notifier = self.notifier

        def job(session: Session) -> None:
            _upsert(session, SettingRow, {"key": key, "value": stored})
            notifier.send(session, "setting", key)

        self.writer.submit(job, f"save setting {key}")

    def save_layout(self, name: str, data: bytes) -> None:
        """Store the window layout ``name`` (opaque bytes from the GUI)."""
        blob = bytes(data)
        self.writer.submit(
            lambda s: _upsert(s, LayoutRow, {"name": name, "data": blob}), f"save layout {name}"
        )

    def delete_layout(self, name: str) -> None:
        """Forget the layout ``name`` (a named workspace deleted)."""
        self.writer.submit(
            lambda s: s.execute(delete(LayoutRow).where(LayoutRow.name == name)),
            f"delete layout {name}",
        )

    def save_instrument(self, inst: Instrument) -> None:
        """Insert or replace ``inst``, keyed by its key."""
        values = codec.instrument_to_row(inst)
        self.writer.submit(
            lambda s: _upsert(s, InstrumentRow, values), f"save instrument {inst.key}"
        )

    def save_paper_account(self, account: PaperAccount) -> None:
        """Replace the saved paper account (mapped to JSON on the writer thread: it is
        immutable, and the loop only pays for capturing it)."""

        def job(session: Session) -> None:
            values = {
                "account_id": account.account_id,
                "state": paper_account_to_json(account),
                "saved_at": account.saved_at,
            }
            _upsert(session, PaperAccountRow, values)

        self.writer.submit(job, f"save paper account {account.account_id}")

    def delete_paper_account(self, account_id: str) -> None:
        """Forget the saved paper account and its day baselines (a reset)."""

        def job(session: Session) -> None:
            session.execute(delete(PaperAccountRow).where(PaperAccountRow.account_id == account_id))
            session.execute(delete(DayBaselineRow).where(DayBaselineRow.account_id == account_id))

        self.writer.submit(job, f"reset paper account {account_id}")

    def save_day_baseline(
        self, account_id: str, trading_date: dt.date, equity: Decimal, taken_at: dt.datetime
    ) -> None:
        """Store the equity ``account_id``'s day P&L on ``trading_date`` is measured from."""
        values = {
            "account_id": account_id,
            "trading_date": trading_date,
            "equity": str(equity),
            "taken_at": taken_at,
        }
        self.writer.submit(
            lambda s: _upsert(s, DayBaselineRow, values),
            f"save day baseline {account_id} {trading_date}",
        )

    def save_bars(self, seconds: int, bars: Sequence[tuple[str, Bar]]) -> None:
        """Store closed ``seconds``-long bars as (instrument key, bar), in one transaction.

        A bar whose start is already stored for its instrument is merged into the stored one
        (its open, the wider range, this close, the larger volume): a bar written when a
        recording stopped mid-minute (the position went flat, the terminal shut down) and the
        rest of that minute recorded after it make one bar, as
        :func:`terminal.marketdata.bars.merge_history` joins history and live bars.
        """
        rows = list(bars)

        def job(session: Session) -> None:
            for key, bar in rows:
                row = session.get(PriceBarRow, (key, seconds, bar.start))
                if row is None:
                    session.add(
                        PriceBarRow(
                            instrument_key=key,
                            seconds=seconds,
                            start=bar.start,
                            open=bar.open,
                            high=bar.high,
                            low=bar.low,
                            close=bar.close,
                            volume=bar.volume,
                        )
                    )
                else:
                    row.high = max(row.high, bar.high)
                    row.low = min(row.low, bar.low)
                    row.close = bar.close
                    row.volume = max(row.volume, bar.volume)

        self.writer.submit(job, f"save {len(rows)} price bar(s)")

    def delete_bars_before(self, before: dt.datetime) -> None:
        """Forget the price bars that started before ``before`` (the retention period)."""
        self.writer.submit(
            lambda s: s.execute(delete(PriceBarRow).where(PriceBarRow.start < before)),
            f"forget price bars before {before:%Y-%m-%d}",
        )

    # -- reads (blocking) -----------------------------------------------------------------------
    def load_orders(self, open_only: bool = True) -> list[Order]:
        """Return stored orders, oldest first; only those not in a terminal state by default."""
        query = select(*OrderRow.__table__.columns).order_by(OrderRow.created_at, OrderRow.id)
        if open_only:
            query = query.where(OrderRow.status.not_in(_TERMINAL_VALUES))
        with Session(self.engine) as s:
            return [codec.order_from_row(r) for r in s.execute(query).mappings()]

    def load_orders_by_id(self, ids: Collection[str]) -> list[Order]:
        """Return the stored orders with these ids (any status), oldest first."""
        if not ids:
            return []
        query = (
            select(*OrderRow.__table__.columns)
            .where(OrderRow.id.in_(sorted(ids)))
            .order_by(OrderRow.created_at, OrderRow.id)
        )
        with Session(self.engine) as s:
            return [codec.order_from_row(r) for r in s.execute(query).mappings()]

    def load_combo_orders(self) -> list[Order]:
        """Return every stored combo order that filled some units, oldest first.

        Grouped positions are derived from them after a restart (the order book reloads only
        open orders); a combo order's row has ``combo`` set, every other order's is NULL.
        """
        query = (
            select(*OrderRow.__table__.columns)
            .where(OrderRow.combo.is_not(None))
            .order_by(OrderRow.created_at, OrderRow.id)
        )
        with Session(self.engine) as s:
            orders = [codec.order_from_row(r) for r in s.execute(query).mappings()]
        return [o for o in orders if o.filled_quantity > 0]

    def load_order_events(self, order_id: str) -> list[OrderEvent]:
        """Return the history of ``order_id`` in the order it was appended."""
        query = select(OrderEventRow).where(OrderEventRow.order_id == order_id)
        with Session(self.engine) as s:
            rows = s.scalars(query.order_by(OrderEventRow.id))
            return [OrderEvent(r.order_id, r.at, r.status, r.detail) for r in rows]

    def load_fills(self, since: dt.datetime | None = None) -> list[Fill]:
        """Return fills at or after ``since`` (all when ``None``), oldest first."""
        query = select(*FillRow.__table__.columns).order_by(FillRow.time, FillRow.exec_id)
        if since is not None:
            query = query.where(FillRow.time >= since)
        with Session(self.engine) as s:
            return [codec.fill_from_row(r) for r in s.execute(query).mappings()]

    def known_exec_ids(self) -> set[str]:
        """Return the ids of every stored fill (to skip executions already booked)."""
        with Session(self.engine) as s:
            return set(s.scalars(select(FillRow.exec_id)))

    def load_alerts(self, active_only: bool = True) -> list[Alert]:
        """Return alerts, oldest first; only those not cleared by default."""
        query = select(*AlertRow.__table__.columns).order_by(AlertRow.raised_at, AlertRow.id)
        if active_only:
            query = query.where(AlertRow.state != AlertState.CLEARED.value)
        with Session(self.engine) as s:
            return [codec.alert_from_row(r) for r in s.execute(query).mappings()]

    def load_watchlists(self) -> dict[str, list[str]]:
        """Return every watchlist by name, its keys in the saved order."""
        with Session(self.engine) as s:
            result: dict[str, list[str]] = {
                name: [] for name in s.scalars(select(WatchlistNameRow.name).order_by("name"))
            }
            query = select(WatchlistRow).order_by(WatchlistRow.name, WatchlistRow.position)
            for row in s.scalars(query):
                result.setdefault(row.name, []).append(row.key)
            return result

    def load_settings(self) -> dict[str, Any]:
        """Return every stored setting by key."""
        with Session(self.engine) as s:
            return {r.key: r.value for r in s.scalars(select(SettingRow))}

    def load_layout(self, name: str) -> bytes | None:
        """Return the layout ``name``, or ``None`` when none was saved."""
        with Session(self.engine) as s:
            row = s.get(LayoutRow, name)
            return None if row is None else bytes(row.data)

    def layout_names(self, prefix: str) -> list[str]:
        """The names of the saved layouts that start with ``prefix``, sorted (blocking read)."""
        query = select(LayoutRow.name).where(LayoutRow.name.startswith(prefix, autoescape=True))
        with Session(self.engine) as s:
            return sorted(s.scalars(query))

    def load_paper_account(self, account_id: str) -> PaperAccount | None:
        """Return the saved paper account ``account_id``, or ``None`` when none is saved.

        Raises:
            PaperAccountUnreadable: it was saved in an unknown layout or is damaged.
        """
        with Session(self.engine) as s:
            row = s.get(PaperAccountRow, account_id)
            return None if row is None else paper_account_from_json(row.state)

    def load_day_baselines(self, trading_date: dt.date) -> dict[str, Decimal]:
        """Return the day baselines stored for ``trading_date``, by account id."""
        query = select(DayBaselineRow).where(DayBaselineRow.trading_date == trading_date)
        with Session(self.engine) as s:
            return {r.account_id: Decimal(r.equity) for r in s.scalars(query)}

    def load_instruments(self) -> list[Instrument]:
        """Return every stored instrument, by key."""
        query = select(*InstrumentRow.__table__.columns).order_by(InstrumentRow.key)
        with Session(self.engine) as s:
            return [codec.instrument_from_row(r) for r in s.execute(query).mappings()]
