"""Write docs/screenshots/pane-blotter-pnl.png and pane-watchlist-position.png: per-position P&L.

The real blotter and watchlist on the simulated exchange (virtual clock), over two trading days:
on Monday 100 AAPL are bought and 40 MSFT sold short; on Tuesday (the simulator rolls its day,
Monday's last becomes the previous close) 50 more AAPL are bought, 20 MSFT bought back, 3 SPY
calls bought (x100) and 30 NVDA bought and sold again. The Positions tab then shows positions
carried overnight (day P&L from the previous close), one opened today, one closed today, and the
watchlist's Pos column. Run by ``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pane_shot import ROOT, shoot, step_market
from pane_shot import fill as shared_fill

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import Instrument, ManualClock, OrderIntent, OrderSide, OrderType
from terminal.settings import Settings
from widgets.panes.blotter import BlotterPane
from widgets.panes.watchlist import WatchlistPane
from widgets.session import Session

SHOTS = ROOT / "docs" / "screenshots"
OUT = SHOTS / "pane-blotter-pnl.png"
WATCHLIST_OUT = SHOTS / "pane-watchlist-position.png"


def main() -> int:
    settings = Settings()
    watchlist = ("AAPL", "MSFT", "NVDA", "SPY", "AMZN", "QQQ")
    settings = replace(settings, ui=replace(settings.ui, watchlist=watchlist))
    return shoot(OUT, BlotterPane, (1040, 300), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: BlotterPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)

    async def trade(key: str, side: OrderSide, quantity: int) -> None:
        instrument = next(i for i in core.watchlist if i.key == key)
        await fill(OrderIntent(instrument, side, Decimal(quantity), OrderType.MARKET))

    fill = functools.partial(shared_fill, core, step)

    report = await core.start()
    session.started.emit(report)
    watchlist = WatchlistPane(session)
    watchlist.resize(560, 230)
    watchlist.show()
    pane.show()
    pane.tabs.setCurrentWidget(pane.positions)
    await step(4)
    await trade("AAPL", OrderSide.BUY, 100)
    await trade("MSFT", OrderSide.SELL, 40)
    await step(30)
    clock.advance(dt.timedelta(days=1).total_seconds())  # Tuesday: a new trading day
    await step(10)
    await trade("AAPL", OrderSide.BUY, 50)
    await trade("MSFT", OrderSide.BUY, 20)
    await trade("NVDA", OrderSide.BUY, 30)
    spy = next(i for i in core.watchlist if i.key == "SPY")
    chain = await broker.option_chain_params(spy)
    spot = core.market.last_quote("SPY")
    assert spot is not None
    strike = min(chain.strikes, key=lambda k: abs(k - spot.mid))
    today = clock.now().date()
    expiry = next(e for e in chain.expiries if (e - today).days >= 28)
    call = Instrument.option("SPY", expiry, Decimal(str(strike)), "C")
    await core.market.subscribe(call)
    await step(6)
    await fill(OrderIntent(call, OrderSide.BUY, Decimal(3), OrderType.MARKET))
    await step(10)
    await trade("NVDA", OrderSide.SELL, 30)
    await step(20)  # let the marks move away from the fill prices
    pane.flush()
    watchlist.view.select_key("AAPL")
    session.refresh.flush_now()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))
    watchlist.grab().save(str(WATCHLIST_OUT))
    print(f"wrote {WATCHLIST_OUT}")
    watchlist.close()


if __name__ == "__main__":
    sys.exit(main())
