"""Write docs/screenshots/pane-options-builder.png: the strategy builder with an iron condor.

The real options chain pane on the simulated exchange (virtual clock), the builder opened and a
named iron condor filled in around the money, priced from the legs' live quotes. Run by
``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pane_shot import ROOT, shoot, step_market

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import ManualClock
from terminal.settings import Settings
from widgets.panes.options import OptionsChainPane
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots" / "pane-options-builder.png"


def main() -> int:
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("SPY", "AAPL")))
    return shoot(OUT, OptionsChainPane, (1500, 1060), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: OptionsChainPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)

    await core.start()
    pane.show()
    session.set_active(core.watchlist[0])
    for _ in range(200):
        if pane.subscribed is not None and not pane.loading and len(pane.model):
            break
        await step()
    # The monthly about five weeks out: where iron condors are usually sold.
    today = clock.now().date()
    monthly = [e for e in pane.expiries() if (e - today).days >= 28]
    pane.select_expiry(monthly[0])
    for _ in range(200):
        if pane.subscribed is not None and pane.subscribed[1] == monthly[0] and not pane.loading:
            break
        await step()
    pane.set_strikes_each_side(8)
    await step(6)
    pane.show_builder()
    pane.splitter.setSizes([430, 630])
    builder = pane.builder
    builder.strategy.setCurrentText("Iron Condor")
    builder.strikes_wide.setValue(2)
    builder.fill_strategy()
    for _ in range(200):
        value = builder.value
        if value is not None and value.payoff is not None and value.payoff.today is not None:
            break
        await step()
    await step(6)
    builder.refresh()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
