"""Write docs/screenshots/pane-blotter-strategy.png: an iron condor held as one strategy line,
and docs/screenshots/dialog-close-strategy.png: its Close strategy dialog at the net mid.

The real blotter on the simulated exchange (virtual clock): a SPY iron condor bought as one
combo order (MKT, approved, filled leg by leg) and 50 AAPL shares; the Positions tab shows the
condor as one line, expanded to its four legs, the shares as a plain row. Run by
``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
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
from terminal.domain import ManualClock, OrderIntent, OrderSide, OrderType
from terminal.options.strategies import iron_condor
from terminal.settings import Settings
from widgets.panes.blotter import BlotterPane
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots" / "pane-blotter-strategy.png"
CLOSE = ROOT / "docs" / "screenshots" / "dialog-close-strategy.png"


def main() -> int:
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("SPY", "AAPL")))
    return shoot(OUT, BlotterPane, (1000, 330), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: BlotterPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)

    fill = functools.partial(shared_fill, core, step)

    report = await core.start()
    session.started.emit(report)
    pane.show()
    pane.tabs.setCurrentWidget(pane.positions)
    spy, aapl = core.watchlist[0], core.watchlist[1]
    await step(4)
    chain = await broker.option_chain_params(spy)
    spot = core.market.last_quote("SPY")
    assert spot is not None
    atm = min(chain.strikes, key=lambda k: abs(k - spot.mid))
    today = clock.now().date()
    expiry = next(e for e in chain.expiries if (e - today).days >= 28)
    combo = iron_condor(chain, expiry, atm, inner=1, wing=1)
    for leg in combo.legs:
        await core.market.subscribe(leg.instrument)
    await step(6)
    await fill(OrderIntent.for_combo(combo, OrderSide.BUY, 2, order_type=OrderType.MARKET))
    await fill(OrderIntent(aapl, OrderSide.BUY, Decimal(50), OrderType.MARKET))
    await step(20)  # let the marks move away from the fill prices
    tree = pane.positions.strategies
    line = tree.line(combo.key)
    assert line is not None
    tree.expandItem(line)
    tree.setCurrentItem(line)
    pane.flush()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))
    print(f"wrote {OUT}")
    dialog = pane.positions.open_close_strategy(combo.key)
    assert dialog is not None
    assert dialog.quote.tradable, dialog.quote.refusal()
    await asyncio.sleep(0.05)
    dialog.grab().save(str(CLOSE))
    print(f"wrote {CLOSE}")
    dialog.reject()


if __name__ == "__main__":
    sys.exit(main())
