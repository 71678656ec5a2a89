"""Plain-text and audit descriptions of order intents."""

from __future__ import annotations

from terminal.domain import OrderIntent


def intent_summary(intent: OrderIntent) -> str:
    price = intent.reference_price
    at = f" @ {price}" if price is not None else ""
    return (
        f"{intent.side.value} {intent.quantity} {intent.instrument.key} "
        f"{intent.order_type.value}{at} {intent.tif.value}"
    )


def intent_details(intent: OrderIntent) -> dict[str, object]:
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
    }
