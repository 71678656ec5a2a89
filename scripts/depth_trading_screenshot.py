"""Write docs/screenshots/pane-depth-trading.png: the depth ladder trading its own orders.

The real depth ladder on the simulated exchange (virtual clock): a long AAPL position (the P/L
open column, break-even at its average cost), two buy limits at one price and one further
down, a sell limit and a protective sell stop, with a minute of prints in the Volume today
column. Run by ``make screenshots``.
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
from terminal.settings import Settings
from widgets.panes.depth import DepthLadderPane
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots" / "pane-depth-trading.png"


def main() -> int:
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "SPY")))
    return shoot(OUT, DepthLadderPane, (700, 640), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: DepthLadderPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)
    await core.start()
    pane.show()
    session.set_active(core.watchlist[0])
    await step(10)
    instrument = core.watchlist[0]

    async def place(
        side: OrderSide, quantity: int, order_type: OrderType, price: Decimal | None = None
    ) -> None:
        stop = order_type is OrderType.STOP
        intent = OrderIntent(
            instrument,
            side,
            Decimal(quantity),
            order_type,
            limit_price=None if stop else price,
            stop_price=price if stop else None,
        )
        order = core.orders.stage(intent)
        await core.orders.approve(order.id, override_reason="screenshot")
        wanted = OrderStatus.FILLED if order_type is OrderType.MARKET else OrderStatus.ACCEPTED
        for _ in range(200):
            if core.orders.get(order.id).status is wanted:
                return
            await step()
        raise RuntimeError(f"screenshot: {order.id} never {wanted.value}")

    await place(OrderSide.BUY, 200, OrderType.MARKET)
    await step(60)  # a minute of prints
    model = pane.model
    bid, ask = model.best_bid, model.best_ask
    assert bid is not None
    assert ask is not None
    await place(OrderSide.BUY, 100, OrderType.LIMIT, model.price_of_tick(bid - 4))
    await place(OrderSide.BUY, 200, OrderType.LIMIT, model.price_of_tick(bid - 4))
    await place(OrderSide.BUY, 100, OrderType.LIMIT, model.price_of_tick(bid - 9))
    await place(OrderSide.SELL, 200, OrderType.LIMIT, model.price_of_tick(ask + 6))
    await place(OrderSide.SELL, 200, OrderType.STOP, model.price_of_tick(bid - 12))
    await step(2)
    pane.recentre()
    session.refresh.flush_now()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
