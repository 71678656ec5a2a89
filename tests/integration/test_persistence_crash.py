"""Crash safety: what was flushed survives a SIGKILL of the process that wrote it."""

from __future__ import annotations

import datetime as dt
import os
import selectors
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from terminal.domain import OrderStatus
from terminal.persistence import DatabaseWriter, Store, open_database, verify_chain

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, threading, datetime as dt
from decimal import Decimal
from terminal.domain import (Alert, Instrument, ManualClock, Order, OrderIntent, OrderSide,
                             OrderStatus, Severity)
from terminal.persistence import AuditLog, DatabaseWriter, Store, open_database

db = open_database(sys.argv[1])
writer = DatabaseWriter(db.engine)
store = Store(db, writer)
audit = AuditLog.open(store, ManualClock(), "alice", "ws-1")
at = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
intent = OrderIntent(Instrument.stock("AAPL"), OrderSide.BUY, Decimal(100),
                     limit_price=Decimal("187.25"))
store.save_order(Order("O1", intent, OrderStatus.PENDING_APPROVAL, at, at))
store.save_alert(Alert("A1", Severity.CRITICAL, "risk", "daily loss near limit", at))
store.save_watchlist("tech", ["NVDA", "AAPL"])
for i in range(3):
    audit.record("order.staged", f"O{i}", {"qty": Decimal(100)})
assert writer.flush(30)
print("READY", flush=True)
threading.Event().wait()
"""


def test_flushed_writes_survive_sigkill(db_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout=60), "child did not get ready"
        line = proc.stdout.readline()
        assert line == "READY\n", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()

    db = open_database(db_url)
    writer = DatabaseWriter(db.engine)
    store = Store(db, writer)
    try:
        orders = store.load_orders()
        assert [(o.id, o.status, o.intent.limit_price) for o in orders] == [
            ("O1", OrderStatus.PENDING_APPROVAL, Decimal("187.25"))
        ]
        assert orders[0].created_at == dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
        assert [a.id for a in store.load_alerts()] == ["A1"]
        assert store.load_watchlists() == {"tech": ["NVDA", "AAPL"]}
        result = verify_chain(db.engine)
        assert (result.ok, result.count) == (True, 3)
    finally:
        writer.close()
        db.close()
