"""Run the core without a window: a live status line in the terminal, and the smoke test.

Until the window lands (``widgets/``), ``trading-terminal`` runs here: it connects to the chosen
broker, subscribes the watchlist, and prints the market and the account once a second. The
``--smoke-test`` walks the order path end to end (one share, then a call vertical from the
chain as one combo order) and prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import sys
import time
from decimal import Decimal
from typing import Any

from terminal.app import TradingApp
from terminal.broker.base import BrokerError, ConnectionState
from terminal.domain import (
    DomainError,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    VerdictLevel,
    format_money,
    format_percent,
)
from terminal.persistence.errors import PersistenceError
from terminal.settings import SettingsError
from terminal.smoke_vertical import SIMULATOR, trade_vertical
from terminal.startup import (
    SmokeFailure,
    open_app,
    run_market,
    run_session,
    wait_for,
)

log = logging.getLogger("terminal")


def run_headless(args: argparse.Namespace) -> int:
    """Entry point for ``trading-terminal`` without a window."""
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        app = open_app(args)
    except (SettingsError, PersistenceError) as exc:
        print(f"trading-terminal: {exc}", file=sys.stderr)
        return 2
    if app.sign_in_required:
        problem = _sign_in(app, args)
        if problem:
            app.writer.close()
            app.database.close()
            print(f"trading-terminal: {problem}", file=sys.stderr)
            return 2
    if args.smoke_test:
        code = run_session(_smoke(app))
        return 1 if code is None else code  # interrupted: the smoke test did not finish
    code = run_session(_watch(app))  # until Ctrl+C or SIGTERM
    return 0 if code is None else code


def _sign_in(app: TradingApp, args: argparse.Namespace) -> str:
    """Sign in the desk user named by ``--user``; return what went wrong ("" when signed in)."""
    import getpass
    import os

    from terminal.desk.admin import PASSWORD_ENV
    from terminal.desk.users import SignInRefused
    from terminal.startup import sign_in_blocking

    if not args.user:
        return "this desk needs a sign-in: start with --user NAME"
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = getpass.getpass(f"password for {args.user}: ")
    try:
        sign_in_blocking(app, args.user, password)
    except SignInRefused as exc:
        return f"sign-in refused: {exc}"
    return ""


async def _watch(app: TradingApp) -> int:
    """Connect (retrying while the broker is not up yet, saying so on each attempt), then print
    the status line once a second until Ctrl+C or SIGTERM."""

    def say(state: ConnectionState, message: str) -> None:
        print(f"{app.broker.name} {state.value}: {message}", flush=True)

    app.broker.connection_changed += say
    try:
        try:
            report = await app.start(retry_connect=True)
        except BrokerError as exc:  # what retrying cannot fix (a live account not allowed)
            print(f"trading-terminal: {exc}", file=sys.stderr)
            return 1
        run_market(app.broker)
        app.watch_feeds()
        app.watch_health()
        print(
            f"Connected to {app.broker.name} (account {report.account_id}, "
            f"{'paper' if report.paper else 'LIVE'}); watching {', '.join(report.watchlist)}. "
            "Ctrl+C to quit.",
            flush=True,
        )
        while True:
            await asyncio.sleep(1.0)
            print(status_line(app), flush=True)
    finally:
        app.broker.connection_changed -= say
        await app.stop()


def status_line(app: TradingApp) -> str:
    """One console line: trading state, equity, day P&L, alerts, and the first six quotes.

    Prices are on each instrument's tick; a change that cannot be computed (no previous close)
    reads "—", never "nan".
    """
    parts = []
    for instrument in app.watchlist[:6]:
        quote = app.market.last_quote(instrument.key)
        if quote is not None and not math.isnan(quote.last):
            parts.append(
                f"{instrument.key} {instrument.format_price(quote.last)} "
                f"({format_percent(quote.change_percent)})"
            )
    pnl = app.portfolio.snapshot()
    return (
        f"[{app.trading_state.state.value.upper()}] equity {format_money(pnl.equity)} "
        f"day P&L {format_money(pnl.day_pnl, signed=True)} | "
        f"alerts {app.alerts.unacknowledged_count()} | " + "  ".join(parts)
    )


async def _smoke(app: TradingApp) -> int:
    """Trade one share end to end; print one JSON line; exit 0 only if every step worked."""
    seen: dict[str, Any] = {"broker": app.broker.name}
    started = time.monotonic()
    code = 0
    try:
        report = await app.start()
        seen.update(account=report.account_id, paper=report.paper, watchlist=report.watchlist)
        if not report.paper:
            raise SmokeFailure("refusing to run the smoke test against a live account")
        if not app.watchlist:
            raise SmokeFailure("the watchlist is empty")
        run_market(app.broker)
        instrument = app.watchlist[0]
        await wait_for(
            app.market.quotes_updated,
            lambda: app.market.last_quote(instrument.key) is not None,
            "a quote",
        )
        quote = app.market.last_quote(instrument.key)
        assert quote is not None
        seen["quote"] = {
            "key": instrument.key,
            "bid": instrument.format_price(quote.bid),
            "ask": instrument.format_price(quote.ask),
        }
        intent = OrderIntent(
            instrument, OrderSide.BUY, Decimal(1), OrderType.MARKET, source="smoke"
        )
        order = app.orders.stage(intent)
        verdict = order.verdict
        seen["verdict"] = verdict.summary if verdict else None
        override = "smoke test" if verdict and verdict.level is VerdictLevel.WARN else None
        await app.orders.approve(order.id, override_reason=override)
        await wait_for(
            app.orders.order_updated,
            lambda: app.orders.get(order.id).status is OrderStatus.FILLED,
            "the fill",
        )
        filled = app.orders.get(order.id)
        seen["fill"] = {
            "order": order.id,
            "price": instrument.format_price(filled.avg_fill_price),
        }
        position = app.portfolio.position(instrument.key)
        seen["position"] = str(position.quantity) if position else "0"
        if app.broker.name == SIMULATOR:
            seen["vertical"] = await trade_vertical(app, instrument)
        kill = await app.kill_switch.trip("smoke test", by="smoke-test")
        seen["kill_switch"] = {"tripped": app.kill_switch.is_tripped, "broker_cancel_ok": kill.ok}
        app.kill_switch.rearm("smoke test complete", by="smoke-test")
        seen["rearmed"] = not app.kill_switch.is_tripped
        seen["ok"] = True
    except (SmokeFailure, DomainError, BrokerError, OSError) as exc:
        seen.update(ok=False, error=str(exc))
        code = 1
    finally:
        await app.stop()
    seen["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(seen, default=str))
    return code
