"""Write docs/screenshots/pane-risk-greeks.png: the risk panel with Greeks by underlying.

The real risk panel on the simulated exchange (virtual clock): AAPL calls hedged with short
stock, a long SPY put spread's legs and some MSFT stock, with a vega limit set low enough that
AAPL's vega shows breached. Run by ``make screenshots`` after scripts/screenshots.py.
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
from terminal.domain import (
    Instrument,
    ManualClock,
    OptionRight,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
)
from terminal.settings import Settings
from widgets.panes.risk import EVERY_NTH_FLUSH, RiskPanel
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots" / "pane-risk-greeks.png"


def main() -> int:
    settings = Settings()
    settings = replace(
        settings,
        ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "SPY")),
        risk=replace(settings.risk, max_vega=Decimal(150)),
    )
    return shoot(OUT, RiskPanel, (420, 820), settings, produce)


async def produce(
    core: TradingApp, session: Session, pane: RiskPanel, clock: ManualClock, broker: SimBroker
) -> None:
    step = functools.partial(step_market, clock, broker, session)

    async def fill(instrument: Instrument, side: OrderSide, quantity: int) -> None:
        order = core.orders.stage(
            OrderIntent(instrument, side, Decimal(quantity), OrderType.MARKET)
        )
        await core.orders.approve(order.id, override_reason="screenshot")
        for _ in range(200):
            if core.orders.get(order.id).status is OrderStatus.FILLED:
                return
            await step()
        raise RuntimeError(f"screenshot: {instrument.key} never filled")

    async def options(
        underlying: Instrument, right: OptionRight, *offsets: int
    ) -> list[Instrument]:
        """Contracts ``offsets`` listed strikes from the money (one chain subscription: later
        subscribers of an expiry share the first one's strikes)."""
        params = await broker.option_chain_params(underlying)
        quote = core.market.last_quote(underlying.key)
        assert quote is not None
        listed = sorted(params.strikes)
        atm = listed.index(min(listed, key=lambda k: abs(k - quote.mark)))
        strikes = [listed[atm + offset] for offset in offsets]
        chain = await core.market.subscribe_option_chain(underlying, params.expiries[2], strikes)
        by_strike = {float(c.strike or 0): c for c in chain if c.right is right}
        contracts = [by_strike[k] for k in strikes]
        for contract in contracts:
            await core.market.subscribe(contract)
        for _ in range(200):
            if all(
                core.market.last_quote(c.key) and core.market.last_option_quote(c.key)
                for c in contracts
            ):
                return contracts
            await step()
        raise RuntimeError(f"screenshot: no quotes for {underlying.key} options")

    await core.start()
    pane.show()
    aapl, msft, spy = core.watchlist
    await step(10)
    (call,) = await options(aapl, OptionRight.CALL, 0)
    await fill(call, OrderSide.BUY, 10)
    await fill(aapl, OrderSide.SELL, 500)
    bought, sold = await options(spy, OptionRight.PUT, 0, -3)
    await fill(bought, OrderSide.BUY, 5)
    await fill(sold, OrderSide.SELL, 5)
    await fill(msft, OrderSide.BUY, 300)
    await step(EVERY_NTH_FLUSH * 2)
    pane.refresh()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT))


if __name__ == "__main__":
    sys.exit(main())
