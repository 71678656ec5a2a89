"""The window's smoke test, in process: the whole path through the panes, and the live refusal."""

from __future__ import annotations

import asyncio
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


async def drive_clock(harness: Harness) -> None:
    """Advance the virtual clock by each tick interval the running exchange waits."""
    interval = harness.broker.config.tick_interval
    while True:
        await asyncio.sleep(interval)
        harness.clock.advance(interval)


def test_smoke_trades_one_share_through_the_panes(
    window: MainWindow, harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.broker.start()  # the exchange runs on the loop, as in the app
    # ... in virtual time: the market moves (and the options are quoted) as the clock does.
    clock = asyncio.ensure_future(drive_clock(harness))
    assert harness.report is not None
    try:
        code = harness.run(run_smoke(window, harness.report, time.perf_counter()), timeout=30_000)
    finally:
        clock.cancel()
    seen = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    harness.run(harness.broker.stop())
    assert code == 0, seen.get("error")
    assert seen["queued"] is True and seen["position"] == "1"
    assert seen["kill_switch"] == {"tripped": True, "broker_cancel_ok": True}
    filled = [o for o in harness.app.orders.orders() if o.status is OrderStatus.FILLED]
    share, vertical = filled
    assert share.intent.combo is None and share.intent.quantity == 1
    # The vertical came from the chain's builder as one combo order, both legs filled.
    assert vertical.intent.combo is not None and vertical.intent.source == "strategy builder"
    assert vertical.intent.combo.strategy == "vertical" and vertical.filled_quantity == 1
    assert seen["vertical"]["order"] == vertical.id
    assert seen["vertical"]["held"] == {
        leg.instrument.key: str(leg.sign) for leg in vertical.intent.combo.legs
    }
    assert not window.pane("options").builder.isVisible()  # closed again after the step
