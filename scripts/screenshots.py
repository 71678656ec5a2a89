"""Write PNGs of the main window and of each pane to docs/screenshots/ (``make screenshots``).

Builds the real window on the simulated exchange with a virtual clock, trades a little so every
pane has something to show (a filled position, a working order, orders waiting for approval, an
alert, a price alert), then grabs the window (dark and light theme) and each pane.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from terminal.alerts.rule_kinds import Direction, PriceCrossRule  # noqa: E402
from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.domain import (  # noqa: E402
    ManualClock,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Severity,
)
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import build_window, qt_application  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = qt_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=7)
    settings = Settings()
    settings = replace(
        settings,
        ui=replace(
            settings.ui, watchlist=("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "SPY", "QQQ")
        ),
    )
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/shots.db", broker, clock)
        core.restore()
        window = build_window(core, settings, Path(folder) / "settings.toml")
        window.resize(1920, 1080)
        window.show()

        def run(coro: Coroutine[Any, Any, Any]) -> Any:
            return loop.run_until_complete(coro)

        def step(count: int = 1) -> None:
            for _ in range(count):
                clock.advance(1.0)
                broker.step()
                app.processEvents()
            window.session.refresh.flush_now()
            app.processEvents()

        def until(predicate: Callable[[], bool], limit: int = 200) -> None:
            for _ in range(limit):
                if predicate():
                    return
                step()
                run(asyncio.sleep(0))
            raise RuntimeError("screenshots: the market never got there")

        report = run(core.start())
        window.on_started(report)
        step(30)
        populate(core, run, step, until)
        step(5)
        run(asyncio.sleep(0.3))  # chart history and option chain loads finish
        step(5)
        shoot(window, app, step)
        window.close()
        run(core.stop())
    print(f"wrote {len(list(OUT.glob('*.png')))} screenshots to {OUT}")
    return 0


def populate(
    core: TradingApp,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    step: Callable[[int], None],
    until: Callable[[Callable[[], bool]], None],
) -> None:
    aapl, msft = core.watchlist[0], core.watchlist[1]
    until(lambda: core.market.last_quote(aapl.key) is not None)
    bought = core.orders.stage(OrderIntent(aapl, OrderSide.BUY, Decimal(200), OrderType.MARKET))
    run(core.orders.approve(bought.id))
    until(lambda: core.orders.get(bought.id).status is OrderStatus.FILLED)
    quote = core.market.last_quote(msft.key)
    assert quote is not None
    rest = Decimal(str(round(quote.bid * 0.98, 2)))
    working = core.orders.stage(
        OrderIntent(msft, OrderSide.BUY, Decimal(100), OrderType.LIMIT, limit_price=rest)
    )
    run(core.orders.approve(working.id))
    step(3)
    aapl_quote = core.market.last_quote(aapl.key)
    assert aapl_quote is not None
    core.orders.stage(
        OrderIntent(
            aapl,
            OrderSide.SELL,
            Decimal(100),
            OrderType.LIMIT,
            limit_price=Decimal(str(round(aapl_quote.ask * 1.01, 2))),
        )
    )
    core.orders.stage(OrderIntent(msft, OrderSide.BUY, Decimal(9000), OrderType.MARKET))
    core.alert_rules.add(
        PriceCrossRule(
            key=aapl.key, direction=Direction.ABOVE, level=round(aapl_quote.last * 1.05, 2)
        )
    )
    core.alerts.raise_alert(Severity.INFO, "demo", "screenshot session started")


def shoot(window: MainWindow, app: QApplication, step: Callable[[int], None]) -> None:
    window.grab().save(str(OUT / "main-window-dark.png"))
    for pane_id, dock in window.docks.items():
        dock.raise_()
        step(1)
        window.panes[pane_id].grab().save(str(OUT / f"pane-{pane_id}.png"))
    window.docks["approvals"].raise_()
    window.set_theme("light")
    step(2)
    window.grab().save(str(OUT / "main-window-light.png"))
    window.set_theme("dark")


if __name__ == "__main__":
    sys.exit(main())
