"""``trading-terminal --broker ib --smoke-test`` as a subprocess against the loopback gateway:
the real window (offscreen), the real ib_async client, a real socket. Checked on the gateway's
side: the order arrived only after the trader's approval was recorded, and its fill reached the
blotter."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from tests.e2e.test_cli import run
from tests.ib.gateway import running_gateway


def _utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_window_smoke_test_trades_through_ib_only_after_approval(tmp_path: Path) -> None:
    db_path = tmp_path / "ib.db"
    with running_gateway() as gw:
        for symbol, price in (("NVDA", 140.0), ("AMZN", 210.0), ("QQQ", 500.0)):
            gw.add_stock(symbol, price)
        gw.set_quote("AAPL", bid=189.98, ask=190.02, last=190.0)
        result = run(
            "--broker",
            "ib",
            "--port",
            str(gw.port),
            "--client-id",
            "7",
            "--smoke-test",
            "--db",
            f"sqlite:///{db_path}",
            home=tmp_path,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout.strip().splitlines()[-1])
        placed = gw.placed_orders
        global_cancels = gw.received_ids().count(58)

    assert report["ok"] is True, report
    assert (report["broker"], report["mode"], report["account"]) == ("ib", "IB PAPER", "DU1234567")
    assert report["watchlist"] == ["AAPL", "MSFT", "NVDA", "AMZN", "SPY", "QQQ"]
    assert report["quote"] == {"key": "AAPL", "bid": "189.98", "ask": "190.02"}
    order_id = report["fill"]["order"]
    assert report["fill"]["price"] == "190.02"
    assert report["blotter_fills"] == 1 and report["position"] == "1"
    assert report["kill_switch"] == {"tripped": True, "broker_cancel_ok": True}
    assert global_cancels == 1  # the kill switch used IB's global cancel

    # Exactly one order reached IB: the smoke test's, as approved.
    assert [(p.order_ref, p.order_type, p.action, p.total_quantity) for p in placed] == [
        (order_id, "MKT", "BUY", 1.0)
    ]
    with sqlite3.connect(db_path) as conn:
        audit = dict(
            conn.execute(
                "SELECT action, at FROM audit_log WHERE subject = ? AND action IN "
                "('stage', 'approve', 'submit')",
                (order_id,),
            ).fetchall()
        )
        fills = conn.execute("SELECT order_id FROM fills").fetchall()
    staged, approved = (_utc(audit[a]) for a in ("stage", "approve"))
    # One clock for both processes: the order reached IB only after the approval was recorded
    # (and the submission was audited; how long after is no test's business).
    assert staged <= approved <= placed[0].received_at
    assert "submit" in audit
    assert fills == [(order_id,)]


def test_a_live_account_needs_live_and_the_smoke_test_never_trades_it(tmp_path: Path) -> None:
    with running_gateway(accounts=("U7654321",)) as gw:
        refused = run("--broker", "ib", "--port", str(gw.port), "--smoke-test", home=tmp_path)
        allowed = run(
            "--broker", "ib", "--port", str(gw.port), "--live", "--smoke-test", home=tmp_path
        )
        placed = gw.placed_orders
    first = json.loads(refused.stdout.strip().splitlines()[-1])
    assert refused.returncode == 1 and first["ok"] is False
    assert "U7654321 is a LIVE account" in first["error"] and "--live" in first["error"]
    second = json.loads(allowed.stdout.strip().splitlines()[-1])
    assert allowed.returncode == 1 and second["ok"] is False
    assert second["mode"] == "IB LIVE" and "live account" in second["error"]
    assert placed == []
