"""Write docs/screenshots/workspace-two-groups.png: a workspace with two charts in two link
groups (red: the watchlist and the first chart and ladder on MSFT; blue: a second chart and
ladder on SPY).

The real window on the simulated exchange (virtual clock). Run by ``make screenshots``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.domain import ManualClock  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import build_window, qt_application  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402
from widgets.panes.chart import ChartPane  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "workspace-two-groups.png"


def main() -> int:
    app = qt_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=7)
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "SPY", "QQQ")))
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/shots.db", broker, clock)
        core.restore()
        window = build_window(core, settings, Path(folder) / "settings.toml")
        window.build_pending()  # the charts now: every picture shows them built
        window.resize(1920, 1080)
        loop.run_until_complete(produce(core, window, clock, broker))
        window.close_now()
        loop.run_until_complete(core.stop())
    loop.close()
    print(f"wrote {OUT}")
    return 0


async def produce(
    core: TradingApp, window: MainWindow, clock: ManualClock, broker: SimBroker
) -> None:
    async def step(count: int = 1) -> None:
        for _ in range(count):
            clock.advance(1.0)
            broker.step()
            await asyncio.sleep(0.005)
            window.session.refresh.flush_now()

    async def until(predicate: Callable[[], bool], limit: int = 400) -> None:
        for _ in range(limit):
            if predicate():
                return
            await step()
        raise RuntimeError("workspace screenshot: the market never got there")

    window.show()
    report = await core.start()
    window.on_started(report)
    await step(60)
    _aapl, msft, spy, _qqq = core.watchlist
    second = window.new_pane("chart")
    depth2 = window.new_pane("depth")
    # Second chart and ladder beside the first ones, not tabbed behind them.
    window.splitDockWidget(window.docks["chart"], window.docks["chart-2"], Qt.Orientation.Vertical)
    window.splitDockWidget(window.docks["depth"], window.docks["depth-2"], Qt.Orientation.Vertical)
    for pane_id in ("watchlist", "chart", "depth"):
        window.pane(pane_id).set_link_group("red")
    second.set_link_group("blue")
    depth2.set_link_group("blue")
    window.session.set_active(msft, "red")
    window.session.set_active(spy, "blue")
    window.docks["chart-2"].raise_()
    window.docks["depth"].raise_()
    window.docks["depth-2"].raise_()
    charts = [window.pane("chart"), second]
    await until(lambda: all(isinstance(c, ChartPane) and c.loads >= 1 for c in charts))
    await step(30)
    await asyncio.sleep(0.3)
    window.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
