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
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

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
from terminal.domain.values import round_to_tick  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.confirmations import request_sim_reset  # noqa: E402
from widgets.dialogs.confirm import ConfirmDialog  # noqa: E402
from widgets.dialogs.settings import SettingsDialog  # noqa: E402
from widgets.feed_view import AGE_EVERY_NTH_FLUSH  # noqa: E402
from widgets.launcher import build_window, qt_application  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402
from widgets.panes.analytics import AnalyticsPane  # noqa: E402
from widgets.panes.chart import ChartPane  # noqa: E402
from widgets.panes.health import HealthPane  # noqa: E402
from widgets.panes.options import OptionsChainPane  # noqa: E402
from widgets.panes.tape import TimeAndSalesPane  # noqa: E402

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
        window.build_pending()  # the charts now: every picture shows them built
        window.resize(1920, 1080)

        loop.run_until_complete(produce(core, window, clock, broker, app))
        window.close_now()
        loop.run_until_complete(core.stop())
    loop.close()
    print(f"wrote {len(list(OUT.glob('*.png')))} screenshots to {OUT}")
    return 0


async def produce(
    core: TradingApp, window: MainWindow, clock: ManualClock, broker: SimBroker, app: QApplication
) -> None:
    """Start the core, trade a little, take the pictures: all on the running loop."""

    async def step(count: int = 1) -> None:
        for _ in range(count):
            clock.advance(1.0)
            broker.step()
            await asyncio.sleep(0.005)
            window.session.refresh.flush_now()
        await asyncio.sleep(0.005)

    async def until(predicate: Callable[[], bool], limit: int = 200) -> None:
        for _ in range(limit):
            if predicate():
                return
            await step()
        raise RuntimeError("screenshots: the market never got there")

    window.show()
    report = await core.start()
    window.on_started(report)
    await step(30)
    await populate(core, step, until)
    await step(5)
    await asyncio.sleep(0.5)  # chart history, option chain and audit loads finish
    await step(16)
    await shoot(window, step)


async def populate(
    core: TradingApp,
    step: Callable[[int], Awaitable[None]],
    until: Callable[[Callable[[], bool]], Awaitable[None]],
) -> None:
    aapl, msft = core.watchlist[0], core.watchlist[1]
    await until(lambda: core.market.last_quote(aapl.key) is not None)
    await round_trips(core, step, until)
    bought = core.orders.stage(OrderIntent(aapl, OrderSide.BUY, Decimal(200), OrderType.MARKET))
    await core.orders.approve(bought.id)
    await until(lambda: core.orders.get(bought.id).status is OrderStatus.FILLED)
    # A bracket on top: its stop-loss and take-profit protect the position (cancel-all says so).
    mid = Decimal(str(core.market.last_quote(aapl.key).mid))  # type: ignore[union-attr]
    tick = aapl.tick_size
    entry = core.orders.stage_bracket(
        OrderIntent(aapl, OrderSide.BUY, Decimal(100), OrderType.MARKET),
        OrderIntent(
            aapl,
            OrderSide.SELL,
            Decimal(100),
            OrderType.LIMIT,
            limit_price=round_to_tick(mid * Decimal("1.03"), tick),
        ),
        OrderIntent(
            aapl,
            OrderSide.SELL,
            Decimal(100),
            OrderType.STOP,
            stop_price=round_to_tick(mid * Decimal("0.98"), tick),
        ),
    )
    await core.orders.approve(entry.id)
    await until(lambda: core.orders.get(entry.id).status is OrderStatus.FILLED)
    quote = core.market.last_quote(msft.key)
    assert quote is not None
    rest = Decimal(str(round(quote.bid * 0.98, 2)))
    working = core.orders.stage(
        OrderIntent(msft, OrderSide.BUY, Decimal(100), OrderType.LIMIT, limit_price=rest)
    )
    await core.orders.approve(working.id)
    await step(3)
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


async def settle_health(window: MainWindow) -> None:
    """Measure the loop's lag afresh while idle (the grabs before stalled it, and the probe
    said so), measure the round trip, and show the result in the status bar."""
    probe = window.session.refresh.loop_lag
    probe.stop()
    probe.start()
    await asyncio.sleep(0.5)
    await window.session.app.health.probe()
    window.status.refresh()
    await asyncio.sleep(0.05)  # the status bar lays its labels out again


async def shoot_health(window: MainWindow, step: Callable[[int], Awaitable[None]]) -> None:
    """The health view healthy, then with a database write the disk refused (red)."""
    core = window.session.app
    pane = window.panes["health"]
    assert isinstance(pane, HealthPane)
    await step(1)  # the view's first paint, now that its tab is in front
    await settle_health(window)
    pane.refresh()
    pane.grab().save(str(OUT / "pane-health.png"))
    disk = {"full": True}

    def write(_session: object) -> None:
        if disk["full"]:
            raise OSError("database or disk is full")

    core.writer.submit(write, "screenshot: a write the full disk refuses")
    for _ in range(400):
        if core.writer.failed:
            break
        await asyncio.sleep(0.01)
    await step(1)
    await settle_health(window)
    pane.refresh()  # the status bar and the view show the same report
    pane.grab().save(str(OUT / "pane-health-problem.png"))
    window.grab().save(str(OUT / "main-window-health-problem.png"))
    disk["full"] = False
    pane.retry_failed_writes()
    for _ in range(400):
        if not core.writer.failed and not core.writer.pending:
            break
        await asyncio.sleep(0.01)


async def round_trips(
    core: TradingApp,
    step: Callable[[int], Awaitable[None]],
    until: Callable[[Callable[[], bool]], Awaitable[None]],
) -> None:
    """Closed trades for the analytics pane, each order approved a few seconds after staging."""
    by_key = {i.key: i for i in core.watchlist}
    plan = [("NVDA", 50, 40), ("AMZN", 80, 25), ("GOOGL", 60, 55), ("NVDA", 40, 30)]
    plan += [("META", 30, 45), ("AMZN", 50, 20), ("GOOGL", 40, 35)]
    for number, (key, quantity, hold) in enumerate(plan):
        instrument = by_key[key]
        await until(lambda key=key: core.market.last_quote(key) is not None)
        side, back = (
            (OrderSide.BUY, OrderSide.SELL) if number % 3 else (OrderSide.SELL, OrderSide.BUY)
        )
        for which, wait in ((side, 2 + number % 4), (back, 1 + number % 3)):
            order = core.orders.stage(
                OrderIntent(instrument, which, Decimal(quantity), OrderType.MARKET)
            )
            await step(wait)  # the trader reads the ticket before approving
            await core.orders.approve(order.id)
            await until(lambda o=order.id: core.orders.get(o).status is OrderStatus.FILLED)
            await step(hold)


async def shoot_analytics(window: MainWindow, step: Callable[[int], Awaitable[None]]) -> None:
    """The analytics pane floated at a size a trader would give it, once it has computed."""
    dock, pane = window.docks["analytics"], window.panes["analytics"]
    assert isinstance(pane, AnalyticsPane)
    dock.raise_()  # on screen in its tab: it computes this week
    for _ in range(200):
        await step(1)
        if pane.result is not None and not pane.computing:
            break
    dock.setFloating(True)
    dock.resize(1500, 820)
    await step(3)
    pane.grab().save(str(OUT / "pane-analytics.png"))
    pane.tables.setCurrentIndex(1)  # the orders: slippage, approval latency, delay cost
    await step(2)
    pane.grab().save(str(OUT / "pane-analytics-orders.png"))
    pane.tables.setCurrentIndex(0)
    dock.setFloating(False)


async def shoot_trade_on_chart(window: MainWindow, step: Callable[[int], Awaitable[None]]) -> None:
    """The chart with a trade's fills marked, as a click on it in the analytics pane leaves it;
    then the marks are cleared and the instrument charted before comes back."""
    analytics, chart = window.panes["analytics"], window.panes["chart"]
    assert isinstance(analytics, AnalyticsPane)
    assert isinstance(chart, ChartPane)
    assert analytics.result is not None
    assert analytics.result.report.trades
    before = window.session.active
    analytics.show_trade_on_chart(analytics.result.report.trades[-1])
    for _ in range(200):
        await step(1)
        if chart.chart.fill_marks.shown and not chart.loading:
            break
    await step(2)
    chart.grab().save(str(OUT / "pane-chart-trade.png"))
    chart.clear_marks()
    if before is not None:
        window.session.set_active(before)
    await step(2)


async def shoot_keymap(window: MainWindow) -> None:
    """Settings › Keys with one key rebound and a key in use refused at its field."""
    with tempfile.TemporaryDirectory() as folder:
        dialog = SettingsDialog(window.session, Path(folder) / "settings.toml", window)
        dialog.tabs.setCurrentIndex(dialog.tab_index("keys"))
        dialog.show()
        page = dialog.keymap_page
        page.rebind("buy_at_bid", "Ctrl+B")
        page.rebind("sell_at_bid", "Ctrl+Shift+K")
        await asyncio.sleep(0.05)
        dialog.grab().save(str(OUT / "settings-keys.png"))
        dialog.reject()


async def shoot(window: MainWindow, step: Callable[[int], Awaitable[None]]) -> None:
    # The launcher measures the round trip every 5 s of wall time; here virtual time runs
    # faster, so measure it before each picture that shows it. The GUI loop's lag is measured
    # while the refresh clock runs; the script flushes by hand, so it runs the probe alone.
    await settle_health(window)
    window.grab().save(str(OUT / "main-window-dark.png"))
    for pane_id, dock in window.docks.items():
        if pane_id == "analytics":
            await shoot_analytics(window, step)
            continue
        dock.raise_()
        await step(1)
        if pane_id == "health":
            await shoot_health(window, step)
            continue
        if pane_id == "options":  # off screen until now, so it subscribes only now
            chain = window.panes["options"]
            assert isinstance(chain, OptionsChainPane)
            for _ in range(100):
                if chain.subscribed is not None and not chain.loading and len(chain.model):
                    break
                await step(1)
            await step(3)
        if pane_id == "tape":  # behind the ladder until now: its tape starts only now
            tape = window.panes["tape"]
            assert isinstance(tape, TimeAndSalesPane)
            for _ in range(300):
                if tape.model.rowCount() >= 60:
                    break
                await step(1)
        window.panes[pane_id].grab().save(str(OUT / f"pane-{pane_id}.png"))
    window.docks["approvals"].raise_()
    window.docks["depth"].raise_()
    window.set_theme("light")
    await step(2)
    await settle_health(window)  # the theme switch itself stalls the loop for a moment
    for _ in range(5):  # layouts settle one level per pass (a status label got shorter)
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    window.grab().save(str(OUT / "main-window-light.png"))
    window.set_theme("dark")
    await step(2)
    await shoot_trade_on_chart(window, step)

    # Cancel all asks first and names the protective orders it would remove.
    question = window.cancel_all()
    assert isinstance(question, ConfirmDialog)
    await asyncio.sleep(0.05)
    question.grab().save(str(OUT / "confirm-cancel-all.png"))
    question.reject()

    # File → Reset simulated account always asks, naming what goes.
    reset = request_sim_reset(window.session, window)
    assert isinstance(reset, ConfirmDialog)
    await asyncio.sleep(0.05)
    reset.grab().save(str(OUT / "confirm-sim-reset.png"))
    reset.reject()

    await shoot_keymap(window)

    # The market goes quiet for 42 s: the feed watchdog marks every feed stale.
    core = window.session.app
    clock = core.clock
    assert isinstance(clock, ManualClock)
    clock.advance(42.0)
    core.market.feeds.check(clock.now())
    for _ in range(AGE_EVERY_NTH_FLUSH):
        window.session.refresh.flush_now()
    await asyncio.sleep(0.05)
    window.grab().save(str(OUT / "stale-feeds.png"))


if __name__ == "__main__":
    sys.exit(main())
