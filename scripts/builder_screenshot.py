"""Write docs/screenshots/pane-options-builder.png: the strategy builder with an iron condor.

The real options chain pane on the simulated exchange (virtual clock), the builder opened and a
named iron condor filled in around the money, priced from the legs' live quotes. Run by
``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.domain import ManualClock  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import qt_application  # noqa: E402
from widgets.panes.options import OptionsChainPane  # noqa: E402
from widgets.refresh import RefreshClock  # noqa: E402
from widgets.session import Session  # noqa: E402
from widgets.theme import DARK, apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "pane-options-builder.png"


def main() -> int:
    app = qt_application()
    apply_theme(app, "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=7)
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("SPY", "AAPL")))
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/shot.db", broker, clock)
        core.restore()
        session = Session(core, RefreshClock(), DARK)
        pane = OptionsChainPane(session)
        pane.resize(1500, 1060)
        loop.run_until_complete(produce(core, session, pane, clock, broker))
        session.detach()
        pane.close()
        loop.run_until_complete(core.stop())
    loop.close()
    print(f"wrote {OUT}")
    return 0


async def produce(
    core: TradingApp,
    session: Session,
    pane: OptionsChainPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    async def step(count: int = 1) -> None:
        for _ in range(count):
            clock.advance(0.5)
            broker.step()
            await asyncio.sleep(0.005)
            session.refresh.flush_now()

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
