"""Combo (BAG) orders: the legs of a placeOrder, their checks, and their net price.

A BAG order names its legs by conId (``comboLegs``: conId, ratio, action, exchange, ...), each
action being the leg's side when the BAG is *bought*; selling the BAG reverses every leg. Its
limit is the net price of one unit: a debit positive, a credit negative.

Here a BAG fills all or nothing against its legs' quotes (every leg at its ask when bought, its
bid when sold), in whole units, when that net is no worse than the limit. TWS then reports one
execution per leg under the BAG's order id, and one execution of the BAG itself (net price,
units: ib_async's ``Trade.filled()`` counts only that one for a BAG); ``bag_executions=False``
leaves the BAG's out.

Malformed combos are refused before they are booked: an unknown leg conId with error 200 (as for
any contract TWS cannot find); no legs, a ratio below 1, an action other than BUY/SELL, a leg
twice or legs on different underlyings with error 321 ("Error validating request"). The codes are
TWS's for those classes of error; the exact texts were not captured from a real TWS.
"""

from __future__ import annotations

from dataclasses import dataclass

from .instruments import Instrument, Universe
from .market import Market
from .requests import PlacedOrder

#: The conId TWS shows for a SMART combo contract (seen in public ib_insync logs; not checked).
BAG_CON_ID = 28812380
NO_SECURITY = "No security definition has been found for the request"


@dataclass(frozen=True, slots=True)
class BagLeg:
    """One leg of a booked BAG: the contract, its ratio, its action for a bought BAG."""

    instrument: Instrument
    ratio: int
    action: str


class InvalidCombo(Exception):
    """A BAG TWS refuses with an error message (code and text as TWS sends them)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _invalid(why: str) -> InvalidCombo:
    return InvalidCombo(321, f"Error validating request.-'bK' : cause - Invalid combo: {why}")


def resolve_legs(universe: Universe, placed: PlacedOrder) -> tuple[BagLeg, ...]:
    """The legs of a BAG placeOrder, checked as TWS would; raise InvalidCombo when malformed."""
    if not placed.combo_legs:
        raise _invalid("no legs")
    legs: list[BagLeg] = []
    for spec in placed.combo_legs:
        instrument = universe.by_con_id.get(spec.con_id)
        if instrument is None:
            raise InvalidCombo(200, NO_SECURITY)
        if spec.ratio < 1:
            raise _invalid(f"ratio {spec.ratio} of leg {spec.con_id}")
        if spec.action not in {"BUY", "SELL"}:
            raise _invalid(f"action {spec.action!r} of leg {spec.con_id}")
        legs.append(BagLeg(instrument, spec.ratio, spec.action))
    if len({leg.instrument.con_id for leg in legs}) != len(legs):
        raise _invalid("a leg appears twice")
    if len({universe.underlying(leg.instrument).con_id for leg in legs}) != 1:
        raise _invalid("legs on different underlyings")
    return tuple(legs)


def bag_instrument(universe: Universe, legs: tuple[BagLeg, ...]) -> Instrument:
    """The BAG contract as TWS echoes it on openOrder and the BAG's execution."""
    underlying = universe.underlying(legs[0].instrument)
    return Instrument(
        con_id=BAG_CON_ID,
        symbol=underlying.symbol,
        sec_type="BAG",
        primary_exchange="",
        local_symbol="",
        trading_class="",
        market_name="",
        long_name="",
        valid_exchanges=("SMART",),
        currency=underlying.currency,
    )


def leg_buys(leg: BagLeg, bag_is_buy: bool) -> bool:
    """True when ``leg`` is bought as the BAG is bought (``bag_is_buy``) or sold."""
    return (leg.action == "BUY") == bag_is_buy


def leg_prices(
    market: Market, legs: tuple[BagLeg, ...], bag_is_buy: bool
) -> tuple[float, ...] | None:
    """Each leg's price now (ask when the leg is bought, bid when sold); None when a leg has no
    price on the side it needs."""
    prices: list[float] = []
    for leg in legs:
        quote = market.quote(leg.instrument)
        price = quote.ask if leg_buys(leg, bag_is_buy) else quote.bid
        if price <= 0:
            return None
        prices.append(price)
    return tuple(prices)


def net_price(legs: tuple[BagLeg, ...], prices: tuple[float, ...]) -> float:
    """The net price of one unit in IB's convention (what buying it costs: debit positive)."""
    net = sum(
        (1 if leg.action == "BUY" else -1) * leg.ratio * price
        for leg, price in zip(legs, prices, strict=True)
    )
    return round(net, 6)


def combo_legs_description(legs: tuple[BagLeg, ...]) -> str:
    """``comboLegsDescrip`` as TWS fills it: ``conId|ratio`` per leg, comma-separated."""
    return ",".join(f"{leg.instrument.con_id}|{leg.ratio}" for leg in legs)
