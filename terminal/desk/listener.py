"""The desk listener: a thread that hears PostgreSQL notifications and reads what they name.

It holds its own connection (autocommit, ``LISTEN tt_desk``) and waits in ``conn.notifies()``.
Notifications that arrive together are read together (one query per kind) and handed to the
event loop as one :class:`DeskBatch` through ``deliver`` (``loop.call_soon_threadsafe``): no
database read and no polling happen on the GUI thread. A lost connection is reported, retried
with a growing pause, and followed by a resynchronisation batch (open orders, active alerts, the
trading state and every audit record missed), so nothing that happened meanwhile is lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from terminal.domain import Alert, Fill, Order
from terminal.domain.lifecycle import TERMINAL
from terminal.persistence import codec
from terminal.persistence.audit import AuditRecord
from terminal.persistence.notify import DESK_CHANNEL, DeskNotification
from terminal.persistence.schema import AlertRow, AuditRow, FillRow, OrderRow, SettingRow

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

type Deliver = Callable[[Callable[[], None]], object]

#: Pauses before reconnect attempts (the last one repeats).
RECONNECT_PAUSES = (0.5, 1.0, 2.0, 5.0)
#: How long the thread waits for more notifications after one arrived (to read them together).
GATHER_SECONDS = 0.02
#: The longest wait in ``notifies()``, so that close() is heard.
WAIT_SECONDS = 0.5


@dataclass
class DeskBatch:
    """What other terminals committed, read from the database."""

    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    #: Read after a reconnect: every open order and active alert, not only what was notified.
    resync: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.orders or self.fills or self.alerts or self.settings or self.audit or self.resync
        )


def conninfo(engine: Engine) -> str:
    """The libpq connection string of ``engine``'s PostgreSQL URL (password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class DeskListener:
    """Listen for the desk's notifications on a thread of its own until :meth:`close`."""

    def __init__(
        self,
        engine: Engine,
        origin: str,
        deliver: Deliver,
        on_batch: Callable[[DeskBatch], None],
        on_status: Callable[[bool, str], None],
        *,
        audit_after: int = 0,
        watched_settings: Iterable[str] = (),
    ) -> None:
        self._engine = engine
        self._origin = origin
        self._deliver = deliver
        self._on_batch = on_batch
        self._on_status = on_status
        self._audit_after = audit_after
        self._settings = frozenset(watched_settings)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="desk-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        # Imported here, on the listener's thread: a terminal on SQLite (no desk) never needs
        # psycopg, and importing it cost every start about a tenth of a second.
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo(self._engine), autocommit=True) as conn:
                    conn.execute(f"LISTEN {DESK_CHANNEL}")
                    # What was committed before LISTEN (between start-up's reads and now, or
                    # while the connection was down) is read once, so nothing falls in a gap.
                    self._hand(self._read([], resync=True))
                    self._status(True, "listening to the desk")
                    failures = 0
                    self._listen(conn)
            except (psycopg.Error, SQLAlchemyError, OSError) as exc:
                if self._stop.is_set():
                    return
                message = f"desk connection lost: {type(exc).__name__}: {exc}".splitlines()[0]
                log.warning("%s (retrying)", message)
                self._status(False, message)
                pause = RECONNECT_PAUSES[min(failures, len(RECONNECT_PAUSES) - 1)]
                failures += 1
                self._stop.wait(pause)

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            heard = list(conn.notifies(timeout=WAIT_SECONDS, stop_after=1))
            if not heard:
                continue
            heard += conn.notifies(timeout=GATHER_SECONDS)
            notes: list[DeskNotification] = []
            for n in heard:
                try:
                    note = DeskNotification.parse(n.payload)
                except ValueError as exc:
                    log.warning("ignored a message on %s: %s", DESK_CHANNEL, exc)
                    continue
                if note.origin != self._origin:
                    notes.append(note)
            if notes:
                self._hand(self._read(notes))

    def _read(self, notes: list[DeskNotification], *, resync: bool = False) -> DeskBatch:
        keys: dict[str, set[str]] = {}
        for note in notes:
            keys.setdefault(note.kind, set()).add(note.key)
        batch = DeskBatch(resync=resync)
        with Session(self._engine) as s:
            order_query = select(*OrderRow.__table__.columns).order_by(OrderRow.created_at)
            if resync:
                order_query = order_query.where(
                    OrderRow.status.not_in(sorted(t.value for t in TERMINAL))
                )
            else:
                order_query = order_query.where(OrderRow.id.in_(keys.get("order", ())))
            if resync or "order" in keys:
                batch.orders = [codec.order_from_row(r) for r in s.execute(order_query).mappings()]
            if "fill" in keys:
                query = select(*FillRow.__table__.columns).where(FillRow.exec_id.in_(keys["fill"]))
                batch.fills = [codec.fill_from_row(r) for r in s.execute(query).mappings()]
            if resync or "alert" in keys:
                query = select(*AlertRow.__table__.columns)
                if not resync:
                    query = query.where(AlertRow.id.in_(keys["alert"]))
                batch.alerts = [codec.alert_from_row(r) for r in s.execute(query).mappings()]
            wanted = self._settings if resync else self._settings & keys.get("setting", set())
            if wanted:
                rows = s.scalars(select(SettingRow).where(SettingRow.key.in_(wanted)))
                batch.settings = {r.key: r.value for r in rows}
            if resync or "audit" in keys:
                query = select(AuditRow).where(AuditRow.seq > self._audit_after)
                batch.audit = [
                    AuditRecord(
                        r.seq,
                        r.at,
                        r.actor,
                        r.workstation,
                        r.action,
                        r.subject,
                        r.details,
                        r.prev_hash,
                        r.hash,
                    )
                    for r in s.scalars(query.order_by(AuditRow.seq))
                ]
                if batch.audit:
                    self._audit_after = batch.audit[-1].seq
        return batch

    def _hand(self, batch: DeskBatch) -> None:
        if batch:
            self._call(lambda: self._on_batch(batch))

    def _status(self, connected: bool, message: str) -> None:
        self._call(lambda: self._on_status(connected, message))

    def _call(self, callback: Callable[[], None]) -> None:
        try:
            self._deliver(callback)
        except RuntimeError:  # the loop is closed: the app is stopping
            self._stop.set()
