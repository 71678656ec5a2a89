"""The smoke test's options step without a window: a call vertical from the chain, approved,
filled on the simulator as one combo order with both legs held.

The window's smoke test does the same through the options chain's strategy builder
(:mod:`widgets.smoke`); both report what they saw under ``"vertical"`` in the JSON line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from terminal.domain import (
    Combo,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    VerdictLevel,
)
from terminal.options.strategies import vertical
from terminal.startup import SmokeFailure, wait_for

if TYPE_CHECKING:
    from terminal.app import TradingApp

#: The smoke test trades a vertical on the simulator only: at a broker it would be a real
#: (paper) options trade, and one share proves the order path there.
SIMULATOR = "sim"

#: Ticks through the net ask the vertical is bought at, so it fills on the first match.
MARKETABLE_TICKS = 5


#: Days to expiry the smoke test's vertical wants at least: a day before expiry the sold
#: out-of-the-money call is worth about a tick and its bid flickers to 0.00, and with no bid
#: all-or-nothing matching cannot sell it, so the vertical rested unfilled (1 run in 3).
MIN_DAYS_TO_EXPIRY = 7


def smoke_expiry(expiries: Sequence[dt.date], today: dt.date) -> dt.date:
    """The nearest expiry at least :data:`MIN_DAYS_TO_EXPIRY` days out, else the farthest."""
    later = [e for e in expiries if (e - today).days >= MIN_DAYS_TO_EXPIRY]
    return min(later) if later else max(expiries)


def marketable_limit(combo: Combo, net_ask: float) -> Decimal:
    """A net limit a few ticks through the net ask (buying fills at once if the books hold)."""
    if not math.isfinite(net_ask):
        raise SmokeFailure(f"{combo.description}: no net ask from the legs' quotes")
    return combo.round_price(net_ask) + combo.tick_size * MARKETABLE_TICKS


async def trade_vertical(app: TradingApp, underlying: Instrument) -> dict[str, Any]:
    """Buy one at-the-money call vertical of ``underlying`` (a week out); wait for its fill."""
    chain = await app.broker.option_chain_params(underlying)
    quote = app.market.last_quote(underlying.key)
    if quote is None or not math.isfinite(quote.mid):
        raise SmokeFailure(f"no quote of {underlying.key} to find the money")
    atm = min(chain.strikes, key=lambda k: abs(k - quote.mid))
    expiry = smoke_expiry(chain.expiries, app.clock.now().date())
    combo = vertical(chain, expiry, atm, "C")
    for leg in combo.legs:
        await app.market.subscribe(leg.instrument)
    try:
        await wait_for(
            app.market.quotes_updated,
            lambda: all(app.market.last_quote(leg.instrument.key) for leg in combo.legs),
            "the vertical's leg quotes",
        )
        quotes = {}
        for leg in combo.legs:
            leg_quote = app.market.last_quote(leg.instrument.key)
            if leg_quote is not None:
                quotes[leg.instrument.key] = leg_quote
        limit = marketable_limit(combo, combo.net_quote(quotes).ask)
        order = app.orders.stage(
            OrderIntent.for_combo(combo, OrderSide.BUY, 1, limit_price=limit, source="smoke")
        )
        await approve_and_fill(app, order)
    finally:
        for leg in combo.legs:
            await app.market.unsubscribe(leg.instrument)
    return vertical_report(app, app.orders.get(order.id))


async def approve_and_fill(app: TradingApp, order: Order) -> None:
    """Approve ``order`` (a WARN overridden as the smoke test) and wait until it is filled."""
    verdict = order.verdict
    if verdict is not None and verdict.level is VerdictLevel.BLOCK:
        raise SmokeFailure(f"the vertical was blocked by risk: {verdict.summary}")
    override = "smoke test" if verdict and verdict.level is VerdictLevel.WARN else None
    await app.orders.approve(order.id, override_reason=override)
    await wait_for(
        app.orders.order_updated,
        lambda: app.orders.get(order.id).status is OrderStatus.FILLED,
        "the vertical's fill",
    )


def vertical_report(app: TradingApp, order: Order) -> dict[str, Any]:
    """What the JSON line says of the filled vertical: its legs, net price and legs held."""
    combo = order.intent.combo
    assert combo is not None
    held = {}
    for leg in combo.legs:
        position = app.portfolio.position(leg.instrument.key)
        held[leg.instrument.key] = str(position.quantity) if position else "0"
    return {
        "order": order.id,
        "combo": combo.description,
        "limit": str(order.intent.limit_price),
        "net": combo.format_price(order.avg_fill_price, signed=True),
        "filled": str(order.filled_quantity),
        "held": held,
    }
