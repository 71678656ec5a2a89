"""The window's smoke test, in process: the whole path through the panes, and the live refusal."""

from __future__ import annotations

import json
import time

import pytest

from terminal.app import StartReport
from terminal.domain import OrderStatus
from widgets.main_window import MainWindow
from widgets.smoke import run_smoke

from .conftest import Harness


def test_smoke_refuses_a_live_account(
    window: MainWindow, harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    report = StartReport(account_id="U7654321", paper=False, watchlist=["AAPL"])
    code = harness.run(run_smoke(window, report, time.perf_counter()))
    assert code == 1
    seen = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert seen["ok"] is False
    assert "live account" in seen["error"]
    assert harness.app.orders.orders() == []  # nothing was staged


def test_smoke_trades_one_share_through_the_panes(
    window: MainWindow, harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.broker.start()  # the exchange runs on the loop, as in the app
    assert harness.report is not None
    code = harness.run(run_smoke(window, harness.report, time.perf_counter()), timeout=30_000)
    seen = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    harness.run(harness.broker.stop())
    assert code == 0, seen
    assert seen["queued"] is True and seen["position"] == "1"
    assert seen["kill_switch"] == {"tripped": True, "broker_cancel_ok": True}
    filled = [o for o in harness.app.orders.orders() if o.status is OrderStatus.FILLED]
    assert len(filled) == 1 and filled[0].intent.quantity == 1
