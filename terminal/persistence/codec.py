"""Pure mapping between domain values and database rows (dicts of column values).

Decimals become their exact strings, enums their values, and nested values (the instrument of an
order or fill, a risk verdict) JSON objects, so that every value reads back equal to what was
written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from terminal.domain import (
    Alert,
    AlertState,
    AssetClass,
    Combo,
    ComboLeg,
    Fill,
    Instrument,
    LegFilled,
    OptionRight,
    Order,
    OrderIntent,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    RiskReason,
    Severity,
    TimeInForce,
    Verdict,
    VerdictLevel,
)

type Row = dict[str, Any]


def dec(value: Decimal | None) -> str | None:
    """Return the exact string form of ``value`` (``None`` stays ``None``)."""
    return None if value is None else str(value)


def undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def instrument_to_row(inst: Instrument) -> Row:
    """Map an instrument to the columns of ``instruments`` (also its JSON form elsewhere)."""
    return {
        "key": inst.key,
        "symbol": inst.symbol,
        "asset_class": inst.asset_class.value,
        "currency": inst.currency,
        "exchange": inst.exchange,
        "tick_size": str(inst.tick_size),
        "multiplier": str(inst.multiplier),
        "description": inst.description,
        "underlying": inst.underlying,
        "expiry": inst.expiry,
        "strike": dec(inst.strike),
        "right": None if inst.right is None else inst.right.value,
    }


def instrument_from_row(row: Mapping[Any, Any]) -> Instrument:
    expiry = row["expiry"]
    if isinstance(expiry, str):
        expiry = dt.date.fromisoformat(expiry)
    return Instrument(
        symbol=row["symbol"],
        asset_class=AssetClass(row["asset_class"]),
        currency=row["currency"],
        exchange=row["exchange"],
        tick_size=Decimal(row["tick_size"]),
        multiplier=Decimal(row["multiplier"]),
        description=row["description"],
        underlying=row["underlying"],
        expiry=expiry,
        strike=undec(row["strike"]),
        right=None if row["right"] is None else OptionRight(row["right"]),
    )


def instrument_to_json(inst: Instrument) -> Row:
    """Return the instrument as a JSON-safe object (dates as ISO strings)."""
    row = instrument_to_row(inst)
    row["expiry"] = None if inst.expiry is None else inst.expiry.isoformat()
    return row


def combo_to_json(combo: Combo | None) -> Row | None:
    """A combo's legs as a JSON object (each leg's full instrument, its ratio and side)."""
    if combo is None:
        return None
    return {
        "strategy": combo.strategy,
        "tick_size": str(combo.tick_size),
        "legs": [
            {
                "instrument": instrument_to_json(leg.instrument),
                "ratio": leg.ratio,
                "side": leg.side.value,
            }
            for leg in combo.legs
        ],
    }


def combo_from_json(data: Mapping[str, Any] | None) -> Combo | None:
    """Rebuild a combo; its rules are checked again, as on entry."""
    if data is None:
        return None
    legs = tuple(
        ComboLeg(instrument_from_row(leg["instrument"]), int(leg["ratio"]), OrderSide(leg["side"]))
        for leg in data["legs"]
    )
    return Combo(legs, data["strategy"], Decimal(data["tick_size"]))


def legs_filled_to_json(legs: tuple[LegFilled, ...]) -> list[Row] | None:
    if not legs:
        return None
    return [
        {"key": leg.key, "quantity": str(leg.quantity), "avg_price": str(leg.avg_price)}
        for leg in legs
    ]


def legs_filled_from_json(data: list[Mapping[str, Any]] | None) -> tuple[LegFilled, ...]:
    return tuple(
        LegFilled(leg["key"], Decimal(leg["quantity"]), Decimal(leg["avg_price"]))
        for leg in data or ()
    )


def verdict_to_json(verdict: Verdict | None) -> Row | None:
    if verdict is None:
        return None
    return {
        "level": verdict.level.name,
        "reasons": [
            {"rule": r.rule, "level": r.level.name, "message": r.message} for r in verdict.reasons
        ],
    }


def verdict_from_json(data: Mapping[str, Any] | None) -> Verdict | None:
    if data is None:
        return None
    reasons = tuple(
        RiskReason(rule=r["rule"], level=VerdictLevel[r["level"]], message=r["message"])
        for r in data["reasons"]
    )
    return Verdict(level=VerdictLevel[data["level"]], reasons=reasons)


def order_to_row(order: Order) -> Row:
    """Map an order snapshot to the columns of ``orders``."""
    intent = order.intent
    return {
        "id": order.id,
        "instrument_key": order.key,
        "instrument": instrument_to_json(intent.instrument),
        "combo": combo_to_json(intent.combo),
        "legs_filled": legs_filled_to_json(order.legs_filled),
        "side": intent.side.value,
        "quantity": str(intent.quantity),
        "order_type": intent.order_type.value,
        "limit_price": dec(intent.limit_price),
        "stop_price": dec(intent.stop_price),
        "trail_amount": dec(intent.trail_amount),
        "trail_percent": dec(intent.trail_percent),
        "limit_offset": dec(intent.limit_offset),
        "tif": intent.tif.value,
        "outside_rth": intent.outside_rth,
        "source": intent.source,
        "status": order.status.value,
        "role": order.role.value,
        "group_id": order.group_id,
        "parent_id": order.parent_id,
        "oca_group": order.oca_group,
        "broker_order_id": order.broker_order_id,
        "filled_quantity": str(order.filled_quantity),
        "avg_fill_price": dec(order.avg_fill_price),
        "reason": order.reason,
        "approved_by": order.approved_by,
        "override_reason": order.override_reason,
        "verdict": verdict_to_json(order.verdict),
        "extra": dict(order.extra),
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def order_from_row(row: Mapping[Any, Any]) -> Order:
    """Rebuild an order; the intent is validated again, as on entry."""
    intent = OrderIntent(
        instrument=instrument_from_row(row["instrument"]),
        side=OrderSide(row["side"]),
        quantity=Decimal(row["quantity"]),
        order_type=OrderType(row["order_type"]),
        limit_price=undec(row["limit_price"]),
        stop_price=undec(row["stop_price"]),
        trail_amount=undec(row["trail_amount"]),
        trail_percent=undec(row["trail_percent"]),
        limit_offset=undec(row["limit_offset"]),
        tif=TimeInForce(row["tif"]),
        outside_rth=bool(row["outside_rth"]),
        source=row["source"],
        combo=combo_from_json(row.get("combo")),
    )
    return Order(
        id=row["id"],
        intent=intent,
        status=OrderStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        verdict=verdict_from_json(row["verdict"]),
        role=OrderRole(row["role"]),
        group_id=row["group_id"],
        parent_id=row["parent_id"],
        oca_group=row["oca_group"],
        broker_order_id=row["broker_order_id"],
        filled_quantity=Decimal(row["filled_quantity"]),
        avg_fill_price=undec(row["avg_fill_price"]),
        reason=row["reason"],
        approved_by=row["approved_by"],
        override_reason=row["override_reason"],
        legs_filled=legs_filled_from_json(row.get("legs_filled")),
        extra=dict(row["extra"] or {}),
    )


def fill_to_row(fill: Fill) -> Row:
    return {
        "exec_id": fill.exec_id,
        "order_id": fill.order_id,
        "instrument_key": fill.key,
        "instrument": instrument_to_json(fill.instrument),
        "side": fill.side.value,
        "quantity": str(fill.quantity),
        "price": str(fill.price),
        "commission": str(fill.commission),
        "time": fill.time,
        "broker_order_id": fill.broker_order_id,
    }


def fill_from_row(row: Mapping[Any, Any]) -> Fill:
    return Fill(
        exec_id=row["exec_id"],
        order_id=row["order_id"],
        instrument=instrument_from_row(row["instrument"]),
        side=OrderSide(row["side"]),
        quantity=Decimal(row["quantity"]),
        price=Decimal(row["price"]),
        commission=Decimal(row["commission"]),
        time=row["time"],
        broker_order_id=row["broker_order_id"],
    )


def alert_to_row(alert: Alert) -> Row:
    return {
        "id": alert.id,
        "severity": int(alert.severity),
        "source": alert.source,
        "message": alert.message,
        "raised_at": alert.raised_at,
        "state": alert.state.value,
        "dedup_key": alert.dedup_key,
        "count": alert.count,
        "last_raised_at": alert.last_raised_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "cleared_at": alert.cleared_at,
    }


def alert_from_row(row: Mapping[Any, Any]) -> Alert:
    return Alert(
        id=row["id"],
        severity=Severity(row["severity"]),
        source=row["source"],
        message=row["message"],
        raised_at=row["raised_at"],
        state=AlertState(row["state"]),
        dedup_key=row["dedup_key"],
        count=row["count"],
        last_raised_at=row["last_raised_at"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        cleared_at=row["cleared_at"],
    )
