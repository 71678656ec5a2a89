"""``trading-terminal sim reset``: start the simulated paper account anew, without a session.

The same reset as ``TradingApp.reset_sim_account`` (the window's menu) for a terminal that is
not running: the saved account and its day baselines are forgotten, so the next session starts
with the starting cash, no positions and no working orders (reconciliation then closes the
orders our side still thought were working). Audited as ``sim_account_reset``.
"""

from __future__ import annotations

import argparse
import socket
from typing import TextIO

from terminal.app import current_actor
from terminal.broker.paper import paper_summary
from terminal.broker.sim.config import SimConfig
from terminal.domain import WallClock, format_money
from terminal.persistence.audit import AuditLog
from terminal.persistence.database import default_database_url, open_database
from terminal.persistence.errors import PersistenceError
from terminal.persistence.paper_codec import PaperAccountUnreadable
from terminal.persistence.store import Store
from terminal.persistence.writer import DatabaseWriter
from terminal.settings import SettingsError
from terminal.startup import settings_from_args


def run_sim_reset(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Reset the simulated account in the database; return the exit status (0, or 2)."""
    try:
        settings = settings_from_args(args)
        database = open_database(args.sim_db or settings.database_url or default_database_url())
    except (SettingsError, PersistenceError) as exc:
        err.write(f"sim reset: {exc}\n")
        return 2
    writer = DatabaseWriter(database.engine)
    try:
        store = Store(database, writer)
        account_id = SimConfig().account_id
        try:
            saved = store.load_paper_account(account_id)
            before: object = None if saved is None else paper_summary(saved)
        except PaperAccountUnreadable as exc:
            before = f"unreadable: {exc}"
        actor = current_actor(settings)
        audit = AuditLog.open(store, WallClock(), actor, socket.gethostname())
        store.delete_paper_account(account_id)
        cash = settings.sim.starting_cash
        audit.record(
            "sim_account_reset",
            account_id,
            {"by": actor, "offline": True, "before": before, "after": {"cash": cash}},
        )
        if not writer.flush(30.0) or writer.failed:
            err.write(f"sim reset: the database {database.url} did not take the reset\n")
            return 2
    finally:
        writer.close()
        database.close()
    out.write(
        f"simulated account {account_id} reset: the next session starts with cash "
        f"{format_money(cash)}, no positions and no working orders\n"
    )
    return 0
