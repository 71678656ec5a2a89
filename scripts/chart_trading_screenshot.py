"""Write docs/screenshots/pane-chart-trading.png: the chart with an order line and drawings.

The real chart pane on the simulated exchange (virtual clock): AAPL 5-minute bars, a resting
buy limit (its draggable line), a trend line across recent lows and a horizontal line above the
market with a price alert armed on it. Run by ``make screenshots``.
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

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import ManualClock, OrderIntent, OrderSide, OrderStatus, OrderType
from terminal.domain.values import round_to_tick
from terminal.risk.pricing import to_decimal
from terminal.settings import Settings
from widgets.chart.drawings import HorizontalLine, TrendLine, new_id
from widgets.panes.chart import ChartPane
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots" / "pane-chart-trading.png"


def main() -> int:
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "SPY")))
    return shoot(OUT, ChartPane, (1000, 560), settings, produce)


async def produce(
    core: TradingApp, session: Session, pane: ChartPane, clock: ManualClock, broker: SimBroker
) -> None:
    step = functools.partial(step_market, clock, broker, session)
    await core.start()
    pane.show()
    aapl = core.watchlist[0]
    session.set_active(aapl)
    for _ in range(400):
        if pane.loads and not pane.loading:
            break
        await step()
    else:
        raise RuntimeError("screenshot: the chart never loaded")
    await step(4)
    quote = core.market.last_quote(aapl.key)
    assert quote is not None
    price = round_to_tick(to_decimal(quote.bid) * Decimal("0.996"), aapl.tick_size)
    order = core.orders.stage(
        OrderIntent(aapl, OrderSide.BUY, Decimal(100), OrderType.LIMIT, price)
    )
    await core.orders.approve(order.id, override_reason="screenshot")
    for _ in range(200):
        if core.orders.get(order.id).status is OrderStatus.ACCEPTED:
            break
        await step()
    series = pane.chart.series
    bars = [series.bar_at(i) for i in range(series.last_index - 100, series.last_index - 4)]
    known = [bar for bar in bars if bar is not None]
    early = min(known[:15], key=lambda bar: bar.low)
    late = min(known[40:70], key=lambda bar: bar.low)
    trend = TrendLine(
        new_id(), early.start.timestamp(), early.low, late.start.timestamp(), late.low
    )
    pane.drawings.add(trend)
    resistance = max(known[40:70], key=lambda bar: bar.high)
    level = float(round_to_tick(to_decimal(resistance.high), aapl.tick_size))
    line = HorizontalLine(new_id(), level)
    pane.drawings.add(line)
    pane.drawings.alert_on_line(aapl, line)
    await step(2)
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
