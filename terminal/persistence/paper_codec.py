"""A paper account as plain JSON for the ``paper_accounts`` table, and back.

Decimals travel as exact strings, dates and times as ISO text, market floats as numbers (an
unknown price as ``null``: PostgreSQL's JSON has no NaN). ``version`` lets a later program read
an older layout, and refuse one it does not know rather than guess.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from terminal.broker.paper import PaperAccount, PaperOrder, PaperPrice
from terminal.domain import OrderStatus, Position
from terminal.persistence.codec import (
    dec,
    instrument_from_row,
    instrument_to_json,
    order_from_row,
    order_to_row,
    undec,
)

VERSION = 1

type Json = dict[str, Any]


class PaperAccountUnreadable(ValueError):
    """The saved paper account is of an unknown version or damaged."""


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _order_json(po: PaperOrder) -> Json:
    row = order_to_row(po.order)
    row["created_at"] = po.order.created_at.isoformat()
    row["updated_at"] = po.order.updated_at.isoformat()
    return {
        "order": row,
        "broker_id": po.broker_id,
        "session": po.session.isoformat(),
        "status": po.status.value,
        "quantity": str(po.quantity),
        "filled": str(po.filled),
        "cost": str(po.cost),
        "live": po.live,
        "held": po.held,
        "triggered": po.triggered,
        "trail_stop": dec(po.trail_stop),
        "watermark": dec(po.watermark),
        "children": list(po.children),
    }


def _order_from_json(data: Mapping[str, Any]) -> PaperOrder:
    row = dict(data["order"])
    row["created_at"] = dt.datetime.fromisoformat(row["created_at"])
    row["updated_at"] = dt.datetime.fromisoformat(row["updated_at"])
    return PaperOrder(
        order=order_from_row(row),
        broker_id=data["broker_id"],
        session=dt.date.fromisoformat(data["session"]),
        status=OrderStatus(data["status"]),
        quantity=Decimal(data["quantity"]),
        filled=Decimal(data["filled"]),
        cost=Decimal(data["cost"]),
        live=bool(data["live"]),
        held=bool(data["held"]),
        triggered=bool(data["triggered"]),
        trail_stop=undec(data["trail_stop"]),
        watermark=undec(data["watermark"]),
        children=tuple(data["children"]),
    )


def _position_json(p: Position) -> Json:
    return {
        "instrument": instrument_to_json(p.instrument),
        "quantity": str(p.quantity),
        "avg_cost": str(p.avg_cost),
        "realized_pnl": str(p.realized_pnl),
        "commissions": str(p.commissions),
    }


def _position_from_json(data: Mapping[str, Any]) -> Position:
    return Position(
        instrument=instrument_from_row(data["instrument"]),
        quantity=Decimal(data["quantity"]),
        avg_cost=Decimal(data["avg_cost"]),
        realized_pnl=Decimal(data["realized_pnl"]),
        commissions=Decimal(data["commissions"]),
    )


def paper_account_to_json(account: PaperAccount) -> Json:
    """Return ``account`` as JSON-safe data."""
    return {
        "version": VERSION,
        "account_id": account.account_id,
        "seed": account.seed,
        "trading_day": account.trading_day.isoformat(),
        "cash": str(account.cash),
        "starting_cash": str(account.starting_cash),
        "positions": [_position_json(p) for p in account.positions],
        "orders": [_order_json(o) for o in account.orders],
        "prices": [
            [p.symbol, _number(p.mid), _number(p.last), _number(p.prev_close)]
            for p in account.prices
        ],
        "saved_at": account.saved_at.isoformat(),
    }


def paper_account_from_json(data: Mapping[str, Any]) -> PaperAccount:
    """Rebuild a saved paper account.

    Raises:
        PaperAccountUnreadable: an unknown version, a missing field or a bad value.
    """
    version = data.get("version")
    if version != VERSION:
        raise PaperAccountUnreadable(f"saved in an unknown layout (version {version!r})")
    try:
        return PaperAccount(
            account_id=data["account_id"],
            seed=int(data["seed"]),
            trading_day=dt.date.fromisoformat(data["trading_day"]),
            cash=Decimal(data["cash"]),
            starting_cash=Decimal(data["starting_cash"]),
            positions=tuple(_position_from_json(p) for p in data["positions"]),
            orders=tuple(_order_from_json(o) for o in data["orders"]),
            prices=tuple(
                PaperPrice(symbol, _float(mid), _float(last), _float(close))
                for symbol, mid, last, close in data["prices"]
            ),
            saved_at=dt.datetime.fromisoformat(data["saved_at"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise PaperAccountUnreadable(f"damaged ({type(exc).__name__}: {exc})") from None
