"""``trading-terminal --smoke-test`` in the window: trade one share through the panes.

Checks first that everything the app loads by name is there (SQL dialects, migrations, the IB
adapter, resources: what a frozen build could miss). Opens the full window, waits for the first
watchlist instrument's quote, stages a 1-share market
order through the order ticket, approves it in the approval queue, waits for the fill to reach the
blotter; on the simulator, builds a call vertical in the options chain's strategy builder,
stages it there, approves it in the queue and waits for both legs to fill as one combo order;
then trips the kill switch from the risk panel and re-arms it, and prints one JSON line.
Exit status 0 only if every step worked; it refuses a live account.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from decimal import Decimal
from typing import Any

from terminal.app import StartReport, TradingApp
from terminal.domain import (
    DomainError,
    Instrument,
    OptionRight,
    OrderSide,
    OrderStatus,
    OrderType,
    VerdictLevel,
)
from terminal.oms.kill_switch import KillReport
from terminal.selfcheck import bundle_selfcheck
from terminal.smoke_vertical import SIMULATOR, marketable_limit, smoke_expiry, vertical_report
from terminal.startup import SmokeFailure, wait_for
from widgets.main_window import MainWindow
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.blotter import BlotterPane
from widgets.panes.options import OptionsChainPane
from widgets.panes.risk import RiskPanel
from widgets.panes.ticket import OrderTicketPane
from widgets.resources import resources_dir
from widgets.session import TicketRequest


async def _vertical_from_the_chain(window: MainWindow, underlying: Instrument) -> dict[str, Any]:
    """Buy one call vertical as the trader would: the chain of ``underlying``, its strategy
    builder's "Vertical" filled around the money, a marketable net limit, Stage, Approve."""
    session, core = window.session, window.session.app
    chain = window.pane("options")
    assert isinstance(chain, OptionsChainPane)
    window.bring_forward("options")
    session.set_active(underlying)
    await wait_for(
        core.market.quotes_updated,
        lambda: chain.subscribed is not None and not chain.loading,
        "the option chain",
    )
    expiry = smoke_expiry(chain.expiries(), core.clock.now().date())
    if chain.selected_expiry() != expiry:
        chain.select_expiry(expiry)
        await wait_for(
            core.market.quotes_updated,
            lambda: (
                chain.subscribed is not None and chain.subscribed[1] == expiry and not chain.loading
            ),
            "the option chain of the week-out expiry",
        )
    session.refresh.flush_now()
    chain.show_builder(True)
    builder = chain.builder
    try:
        builder.strategy.setCurrentText("Vertical")
        builder.right.setCurrentIndex(builder.right.findData(OptionRight.CALL))
        builder.fill_strategy()
        if not builder.draft.legs:
            raise SmokeFailure(f"the builder filled no vertical: {builder.status.text()}")

        def priced() -> bool:
            if not all(core.market.last_quote(leg.instrument.key) for leg in builder.draft.legs):
                return False
            builder.refresh()
            return builder.value is not None and math.isfinite(builder.value.net.ask)

        await wait_for(core.market.quotes_updated, priced, "the vertical's net quote")
        assert builder.value is not None
        combo, _ = builder.draft.combo()
        builder.limit.setText(f"{marketable_limit(combo, builder.value.net.ask)}")
        order = builder.stage()
        if order is None:
            raise SmokeFailure(f"the builder refused the vertical: {builder.status.text()}")
        queue = window.pane("approvals")
        assert isinstance(queue, ApprovalQueuePane)
        if not queue.contains(order.id):
            raise SmokeFailure("the staged vertical is not in the approval queue")
        verdict = order.verdict
        if verdict is not None and verdict.level is VerdictLevel.BLOCK:
            raise SmokeFailure(f"the vertical was blocked by risk: {verdict.summary}")
        override = "smoke test" if verdict and verdict.level is VerdictLevel.WARN else None
        task = queue.approve(order.id, override_reason=override)
        if task is None:
            raise SmokeFailure("the approval queue refused to approve the vertical")
        await task
        await wait_for(
            core.orders.order_updated,
            lambda: core.orders.get(order.id).status is OrderStatus.FILLED,
            "the vertical's fill",
        )
    finally:
        chain.show_builder(False)
    return vertical_report(core, core.orders.get(order.id))


def _emit(seen: dict[str, Any], started: float) -> None:
    seen["seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(seen, default=str), flush=True)


def smoke_failed(core: TradingApp, reason: str, started: float) -> int:
    _emit({"broker": core.broker.name, "ok": False, "error": reason}, started)
    return 1


async def run_smoke(window: MainWindow, report: StartReport, started: float) -> int:
    session = window.session
    core = session.app
    seen: dict[str, Any] = {
        "broker": core.broker.name,
        "account": report.account_id,
        "paper": report.paper,
        "mode": session.mode.value,
        "watchlist": report.watchlist,
        "panes": sorted(window.panes),
    }
    code = 0
    try:
        try:  # what the app loads by name (imports: off the GUI loop); a frozen build needs it
            loop = asyncio.get_running_loop()
            seen["selfcheck"] = await loop.run_in_executor(None, bundle_selfcheck, resources_dir())
        except RuntimeError as exc:
            raise SmokeFailure(str(exc)) from exc
        if not report.paper:
            raise SmokeFailure("refusing to run the smoke test against a live account")
        if not core.watchlist:
            raise SmokeFailure("the watchlist is empty")
        instrument = core.watchlist[0]
        await wait_for(
            core.market.quotes_updated,
            lambda: core.market.last_quote(instrument.key) is not None,
            "a quote",
        )
        quote = core.market.last_quote(instrument.key)
        assert quote is not None
        seen["quote"] = {
            "key": instrument.key,
            "bid": instrument.format_price(quote.bid),
            "ask": instrument.format_price(quote.ask),
        }

        ticket = window.pane("ticket")
        assert isinstance(ticket, OrderTicketPane)
        session.request_ticket(
            TicketRequest(instrument, OrderSide.BUY, OrderType.MARKET, quantity=Decimal(1))
        )
        order = ticket.stage()
        if order is None:
            raise SmokeFailure(f"the ticket refused the order: {ticket.error_text()}")
        verdict = order.verdict
        seen["verdict"] = verdict.summary if verdict else None
        queue = window.pane("approvals")
        assert isinstance(queue, ApprovalQueuePane)
        seen["queued"] = queue.contains(order.id)
        if not seen["queued"]:
            raise SmokeFailure("the staged order is not in the approval queue")
        override = "smoke test" if verdict and verdict.level is VerdictLevel.WARN else None
        task = queue.approve(order.id, override_reason=override)
        if task is None:
            raise SmokeFailure("the approval queue refused to approve the order")
        await task
        await wait_for(
            core.orders.order_updated,
            lambda: core.orders.get(order.id).status is OrderStatus.FILLED,
            "the fill",
        )
        filled = core.orders.get(order.id)
        seen["fill"] = {
            "order": order.id,
            "price": instrument.format_price(filled.avg_fill_price),
        }
        blotter = window.pane("blotter")
        assert isinstance(blotter, BlotterPane)
        session.refresh.flush_now()
        seen["blotter_fills"] = len(blotter.fills_model)
        if not any(f.order_id == order.id for f in blotter.fills_model.rows()):
            raise SmokeFailure("the fill did not reach the blotter")
        position = core.portfolio.position(instrument.key)
        seen["position"] = str(position.quantity) if position else "0"
        if core.broker.name == SIMULATOR:
            seen["vertical"] = await _vertical_from_the_chain(window, instrument)

        risk = window.pane("risk")
        assert isinstance(risk, RiskPanel)
        reports: list[KillReport] = []
        session.subscribe(core.kill_switch.tripped, reports.append)
        risk.kill_button.click()
        await wait_for(core.kill_switch.tripped, lambda: bool(reports), "the kill switch")
        seen["kill_switch"] = {
            "tripped": core.kill_switch.is_tripped,
            "broker_cancel_ok": reports[0].ok,
        }
        risk.rearm("smoke test complete")
        seen["rearmed"] = not core.kill_switch.is_tripped
        if not seen["rearmed"]:
            raise SmokeFailure("the kill switch did not re-arm")
        seen["ok"] = True
    except (SmokeFailure, DomainError, OSError) as exc:
        seen.update(ok=False, error=str(exc))
        code = 1
    _emit(seen, started)
    return code
