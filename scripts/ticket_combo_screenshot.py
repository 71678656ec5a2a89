"""Write docs/screenshots/pane-ticket-combo.png: an iron condor sent to the order ticket.

The real ticket on the simulated exchange (virtual clock): a SPY iron condor around the money,
loaded as the strategy builder's "Send to ticket" loads it (legs read-only, side, units, net
limit at the mid, TIF). Run by ``make screenshots``.
"""

from __future__ import annotations

import asyncio
import functools
import math
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pane_shot import ROOT, shoot, step_market

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import ManualClock, OrderSide, OrderType
from terminal.options.strategies import iron_condor
from terminal.settings import Settings
from widgets.panes.ticket import OrderTicketPane
from widgets.session import Session, TicketRequest

OUT = ROOT / "docs" / "screenshots" / "pane-ticket-combo.png"


def main() -> int:
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("SPY",)))
    return shoot(OUT, OrderTicketPane, (430, 470), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: OrderTicketPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)
    report = await core.start()
    session.started.emit(report)
    pane.show()
    spy = core.watchlist[0]
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
    quotes = {}
    for leg in combo.legs:
        quote = core.market.last_quote(leg.instrument.key)
        assert quote is not None
        quotes[leg.instrument.key] = quote
    mid = combo.net_quote(quotes).mid
    assert math.isfinite(mid)
    session.request_ticket(
        TicketRequest(
            combo.instrument,
            side=OrderSide.BUY,
            order_type=OrderType.LIMIT,
            limit_price=combo.round_price(mid),
            quantity=Decimal(1),
            combo=combo,
        )
    )
    await step()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
