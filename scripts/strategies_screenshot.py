"""Write docs/screenshots/pane-blotter-strategy.png: an iron condor held as one strategy line.

The real blotter on the simulated exchange (virtual clock): a SPY iron condor bought as one
combo order (MKT, approved, filled leg by leg) and 50 AAPL shares; the Positions tab shows the
condor as one line, expanded to its four legs, the shares as a plain row. Run by
``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.domain import ManualClock, OrderIntent, OrderSide, OrderType  # noqa: E402
from terminal.options.strategies import iron_condor  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import qt_application  # noqa: E402
from widgets.panes.blotter import BlotterPane  # noqa: E402
from widgets.refresh import RefreshClock  # noqa: E402
from widgets.session import Session  # noqa: E402
from widgets.theme import DARK, apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "pane-blotter-strategy.png"


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
        pane = BlotterPane(session)
        pane.resize(1000, 330)
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
    pane: BlotterPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    async def step(count: int = 1) -> None:
        for _ in range(count):
            clock.advance(0.5)
            broker.step()
            await asyncio.sleep(0.005)
            session.refresh.flush_now()

    async def fill(intent: OrderIntent) -> None:
        order = core.orders.stage(intent)
        await core.orders.approve(order.id, override_reason="screenshot")
        for _ in range(200):
            if core.orders.get(order.id).status.is_terminal:
                return
            await step()
        raise RuntimeError(f"{order.id} did not fill: {core.orders.get(order.id)}")

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


if __name__ == "__main__":
    sys.exit(main())
