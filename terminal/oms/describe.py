"""Plain-text and audit descriptions of order intents, and the market an audit record saw."""

from __future__ import annotations

import math
from collections.abc import Callable

from terminal.domain import Combo, OrderIntent, Quote
from terminal.risk.pricing import to_decimal, usable

#: The field of a ``stage`` / ``approve`` record's details holding the instrument's mid then
#: (the analytics read it as the arrival and the approval price: docs/analytics.md).
MID = "mid"


def intent_summary(intent: OrderIntent) -> str:
    price = intent.reference_price
    at = f" @ {price}" if price is not None else ""
    name = intent.combo.description if intent.combo is not None else intent.instrument.key
    kind = f"{intent.order_type.value}{at} {intent.tif.value}"
    return f"{intent.side.value} {intent.quantity} {name} {kind}"


def combo_details(combo: Combo) -> dict[str, object]:
    """A combo as an audit record shows it: its name and every leg (side, ratio, contract)."""
    return {
        "description": combo.description,
        "strategy": combo.strategy,
        "legs": [
            {"instrument": leg.instrument.key, "side": leg.side.value, "ratio": leg.ratio}
            for leg in combo.legs
        ],
    }


def intent_details(intent: OrderIntent) -> dict[str, object]:
    """The intent as the ``stage`` record (and refusals) show it; a combo lists its legs."""
    combo = {"combo": combo_details(intent.combo)} if intent.combo is not None else {}
    return {
        "instrument": intent.instrument.key,
        "side": intent.side.value,
        "quantity": intent.quantity,
        "type": intent.order_type.value,
        "limit_price": intent.limit_price,
        "stop_price": intent.stop_price,
        "trail_amount": intent.trail_amount,
        "trail_percent": intent.trail_percent,
        "tif": intent.tif.value,
        "source": intent.source,
        **combo,
    }


def market_details(quote: Quote | None) -> dict[str, str]:
    """The mid of ``quote`` as a plain decimal string for an audit record, or nothing.

    Nothing when there is no quote, no two-sided market or only delayed data: a missing
    arrival price is reported as unknown, an invented or stale one would be trusted.
    """
    if quote is None or quote.delayed or not usable(quote.mid):
        return {}
    return {MID: f"{to_decimal(quote.mid):f}"}


def intent_market(intent: OrderIntent, last_quote: Callable[[str], Quote | None]) -> dict[str, str]:
    """The market a ``stage`` / ``approve`` record notes for ``intent``: its instrument's mid,
    or for a combo the net mid of its legs' live quotes (the bought combo's, debit positive,
    as its net price) — nothing when any leg lacks a live two-sided quote."""
    combo = intent.combo
    if combo is None:
        return market_details(last_quote(intent.instrument.key))
    quotes: dict[str, Quote] = {}
    for leg in combo.legs:
        quote = last_quote(leg.instrument.key)
        if quote is None or quote.delayed:
            return {}
        quotes[leg.instrument.key] = quote
    mid = combo.net_quote(quotes).mid
    if not math.isfinite(mid):
        return {}
    return {MID: f"{to_decimal(mid):f}"}
