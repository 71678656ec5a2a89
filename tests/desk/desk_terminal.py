"""One desk terminal as a child process, driven line by line (the real core on the simulator).

``python -m tests.desk.desk_terminal URL WORKSTATION USER`` (the password in
``TT_DESK_PASSWORD``; USER ``-`` for no sign-in) signs in, starts (reconcile, LISTEN), runs the
simulated market on wall time, prints ``READY`` and then answers one JSON line per command read
from stdin:

- ``stage SYMBOL QTY`` stages a market buy: ``{"staged": id, "four_eyes": why}``
- ``approve ID``: ``{"approved": id, "status": ...}`` or ``{"refused": message}``
- ``wait ID STATUS``: waits until this terminal's book holds ID in STATUS (it may be another
  terminal's order, heard through the desk): ``{"order": id, "status": ..., "approved_by": ...}``
- ``kill REASON`` / ``rearm REASON``: ``{"state": ...}`` or ``{"refused": message}``
- ``wait_state STATE``: waits until the trading state is STATE: ``{"state": ...}``
- ``fill ID``: waits until this terminal has heard an execution of ID: ``{"fill": quantity,
  "position": this terminal's position in the instrument}``
- ``quit`` stops the app (session end, checkpoint) and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from terminal.app import TradingApp
from terminal.domain import DomainError, Fill, OrderIntent, OrderSide, OrderStatus, OrderType
from terminal.risk.state import TradingState
from terminal.startup import open_app, run_market, sign_in_blocking, wait_for

#: Every execution this terminal heard (its broker's or the desk's), in order.
SEEN_FILLS: list[Fill] = []


def say(data: dict[str, object]) -> None:
    print(json.dumps(data, default=str), flush=True)


async def serve(app: TradingApp) -> None:
    app.orders.fill_recorded += SEEN_FILLS.append
    await app.start()
    run_market(app.broker)
    loop = asyncio.get_running_loop()
    print("READY", flush=True)
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line or line == "quit":
            break
        verb, _, rest = line.partition(" ")
        try:
            await command(app, verb, rest)
        except DomainError as exc:
            say({"refused": str(exc)})
    await app.stop()


async def command(app: TradingApp, verb: str, rest: str) -> None:
    orders = app.orders
    if verb == "stage":
        symbol, qty = rest.split()
        instrument = next(i for i in app.watchlist if i.key == symbol)
        await wait_for(  # a market order's notional needs a quote
            app.market.quotes_updated,
            lambda: app.market.last_quote(symbol) is not None,
            f"a quote for {symbol}",
        )
        order = orders.stage(OrderIntent(instrument, OrderSide.BUY, Decimal(qty), OrderType.MARKET))
        say({"staged": order.id, "four_eyes": order.extra.get("four_eyes", "")})
    elif verb == "approve":
        key = orders.get(rest).key
        await wait_for(  # the risk re-check at approval values the order at the market
            app.market.quotes_updated,
            lambda: app.market.last_quote(key) is not None,
            f"a quote for {key}",
        )
        order = await orders.approve(rest, override_reason="desk test")
        say({"approved": order.id, "status": order.status.value})
    elif verb == "wait":
        order_id, status = rest.split()
        target = OrderStatus(status)
        await wait_for(
            orders.order_updated,
            lambda: (o := orders.book.find(order_id)) is not None and o.status is target,
            f"{order_id} {status}",
            seconds=30,
        )
        order = orders.get(order_id)
        say({"order": order.id, "status": order.status.value, "approved_by": order.approved_by})
    elif verb == "kill":
        report = await app.kill_switch.trip(rest)
        say({"state": app.trading_state.state.value, "broker_cancel_ok": report.ok})
    elif verb == "rearm":
        app.kill_switch.rearm(rest)
        say({"state": app.trading_state.state.value})
    elif verb == "wait_state":
        target_state = TradingState(rest)
        await wait_for(
            app.trading_state.state_changed,
            lambda: app.trading_state.state is target_state,
            f"trading state {rest}",
            seconds=30,
        )
        say({"state": app.trading_state.state.value, "by": app.trading_state.changed_by})
    elif verb == "fill":
        await wait_for(
            orders.fill_recorded,
            lambda: any(f.order_id == rest for f in SEEN_FILLS),
            f"a fill of {rest}",
            seconds=30,
        )
        fills = [f for f in SEEN_FILLS if f.order_id == rest]
        position = app.portfolio.position(fills[0].key)
        say({"fill": str(sum(f.quantity for f in fills)),
             "position": str(position.quantity) if position else "0"})  # fmt: skip
    else:
        say({"error": f"unknown command {verb}"})


def main() -> int:
    url, workstation, user = sys.argv[1:4]
    from terminal.cli import build_parser

    home = Path(os.environ["TT_TEST_HOME"])
    args = build_parser().parse_args(
        ["--db", url, "--workstation", workstation, "--config", str(home / "settings.toml")]
    )
    app = open_app(args)
    if user != "-":
        sign_in_blocking(app, user, os.environ["TT_DESK_PASSWORD"])
    asyncio.run(serve(app))
    return 0


if __name__ == "__main__":
    sys.exit(main())
