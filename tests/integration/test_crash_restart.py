"""kill -9 in the middle of a session: a restart restores approvals, orders, alerts, state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from terminal.domain import OrderStatus
from terminal.persistence.audit_verify import verify_chain
from terminal.risk.state import TradingState
from tests.integration.app_setup import new_app

ROOT = Path(__file__).resolve().parents[2]

SESSION = textwrap.dedent(
    """
    import asyncio, sys, time
    from tests.integration.app_setup import buy, new_app, quote
    from terminal.domain import OrderStatus, Severity
    from terminal.startup import wait_for

    async def main(url):
        app = new_app(url)
        await app.start()
        app.broker.push_quotes(quote())
        pending = app.orders.stage(buy(10))
        working = app.orders.stage(buy(20, "149.00"))
        await app.orders.approve(working.id)
        accepted = lambda: app.orders.get(working.id).status is OrderStatus.ACCEPTED
        await wait_for(app.orders.order_updated, accepted, "the broker's acknowledgement")
        app.alerts.raise_alert(Severity.WARNING, "test", "remember me")
        await app.kill_switch.trip("crash drill")
        app.writer.flush(10.0)
        print(pending.id, working.id, flush=True)
        time.sleep(600)  # wait to be killed

    asyncio.run(main(sys.argv[1]))
    """
)


def run_session_and_kill(script: str, url: str) -> list[str]:
    """Run ``script`` in a new process, read the ids it prints, then SIGKILL it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        ids = proc.stdout.readline().split()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return ids


@pytest.mark.asyncio
async def test_restart_after_kill_restores_the_session(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    pending_id, working_id = run_session_and_kill(SESSION, url)

    app = new_app(url)
    assert app.trading_state.state is TradingState.HALTED
    assert "remember me" in [a.message for a in app.alerts.active()]
    assert any("KILL SWITCH" in a.message for a in app.alerts.active())
    # The pending approval was withdrawn by the kill switch; the working order was being
    # cancelled. Both come back as the database last saw them.
    stored = {o.id: o.status for o in app.store.load_orders(open_only=False)}
    assert stored[pending_id] is OrderStatus.CANCELLED
    assert app.orders.get(working_id).status is OrderStatus.CANCEL_REQUESTED
    assert verify_chain(app.database.engine).ok
    # A fresh broker knows nothing of the order: reconciliation closes it with a reason.
    await app.start()
    closed = app.orders.get(working_id)
    assert closed.status is OrderStatus.CANCELLED and "not found at the broker" in closed.reason
    await app.stop()


@pytest.mark.asyncio
async def test_pending_approvals_survive_a_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    script = SESSION.replace('await app.kill_switch.trip("crash drill")', "")
    pending_id, _ = run_session_and_kill(script, url)
    app = new_app(url)
    assert [o.id for o in app.orders.pending_approvals()] == [pending_id]
    assert app.trading_state.state is TradingState.ACTIVE
    await app.start()
    assert [o.id for o in app.orders.pending_approvals()] == [pending_id]  # reconcile keeps it
    await app.stop()
