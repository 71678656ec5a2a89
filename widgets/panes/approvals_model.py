"""Rows and columns of the approval queue: one row per staged order (a bracket is one row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtGui import QColor

from terminal.domain import Order, OrderRole, OrderSide, OrderType, VerdictLevel
from terminal.options import labels
from widgets import formatting as fmt
from widgets.table_model import CENTER, LEFT, Column
from widgets.theme import Palette


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A staged order with its bracket exits and its estimated notional."""

    order: Order
    exits: tuple[Order, ...] = ()
    notional: Decimal | None = None

    @property
    def key(self) -> str:
        return self.order.id

    @property
    def level(self) -> VerdictLevel | None:
        verdict = self.order.verdict
        return verdict.level if verdict is not None else None

    @property
    def reasons(self) -> str:
        verdict = self.order.verdict
        if verdict is None:
            return "not checked yet: checked at approval"
        return "; ".join(r.message for r in verdict.reasons)

    def describe(self) -> str:
        """``BUY 100 AAPL LMT 228.50 DAY`` (+ exits): how the order reads in a message.

        A combo reads as its strategy with its legs: ``BUY IRON CONDOR SPY 2026-12-18
        480/490/510/520 ×1 net −1.20 credit DAY (+1 SPY 2026-12-18 480 P · …)``.
        """
        intent = self.order.intent
        combo = intent.combo
        if combo is not None:
            title = labels.order_title(combo, intent.side, intent.quantity, intent.limit_price)
            return f"{title} {intent.tif.value} ({labels.legs_text(combo)})"
        prices = price_text(self)
        text = f"{intent.side.value} {fmt.quantity(intent.quantity)} {intent.instrument.key} "
        text += f"{intent.order_type.value}{' ' + prices if prices else ''} {intent.tif.value}"
        return text


def _places(row: QueueRow) -> int:
    exponent = row.order.instrument.tick_size.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def _price(value: Decimal | None, places: int) -> str:
    return fmt.price(value, places)


def symbol_text(row: QueueRow) -> str:
    """The instrument; a combo's strategy, underlying, expiry and strikes (its key is long)."""
    combo = row.order.intent.combo
    return labels.strategy_title(combo) if combo is not None else row.order.key


def symbol_tooltip(row: QueueRow) -> str:
    combo = row.order.intent.combo
    if combo is not None:
        return f"{labels.strategy_title(combo)}\n{labels.legs_text(combo, chr(10))}"
    return f"{row.order.key}  {row.order.instrument.description}".strip()


def price_text(row: QueueRow) -> str:
    """The order's prices: ``228.50``, ``stop 225.00 limit 224.90``, ``trail 1.5%``; then exits.

    A combo's net price is signed and says what it means: ``net −1.20 credit``.
    """
    intent = row.order.intent
    if intent.combo is not None:
        return labels.net_text(intent.side, intent.limit_price)
    d = _places(row)
    parts: list[str] = []
    t = intent.order_type
    if t is OrderType.STOP_LIMIT:
        parts.append(f"stop {_price(intent.stop_price, d)} limit {_price(intent.limit_price, d)}")
    elif t.needs_limit:
        parts.append(_price(intent.limit_price, d))
    elif t.needs_stop:
        parts.append(_price(intent.stop_price, d))
    elif t.is_trailing:
        if intent.trail_percent is not None:
            parts.append(f"trail {intent.trail_percent.normalize():f}%")
        else:
            parts.append(f"trail {_price(intent.trail_amount, d)}")
        if intent.limit_offset is not None:
            parts.append(f"offset {_price(intent.limit_offset, d)}")
    for leg in row.exits:
        if leg.role is OrderRole.TAKE_PROFIT:
            parts.append(f"TP {_price(leg.intent.limit_price, d)}")
        elif leg.role is OrderRole.STOP_LOSS:
            parts.append(f"SL {_price(leg.intent.stop_price, d)}")
    return " · ".join(parts)


def staged_by_text(order: Order) -> str:
    """``alice @ desk-1``: who staged the order, on which workstation (desk mode)."""
    who = order.extra.get("staged_by", "")
    where = order.extra.get("workstation", "")
    return f"{who} @ {where}" if who and where else who or where


def four_eyes_text(row: QueueRow) -> str:
    """Why the order needs a second approver ("" when one approver is enough)."""
    return row.order.extra.get("four_eyes", "")


def type_text(row: QueueRow) -> str:
    kind = row.order.intent.order_type.value
    if row.order.intent.combo is not None:
        return f"{kind} combo ×{len(row.order.intent.combo.legs)}"
    return f"{kind} bracket" if row.exits else kind


def queue_columns(
    palette: Callable[[], Palette], now: Callable[[], dt.datetime]
) -> list[Column[QueueRow]]:
    """The queue's columns; colours follow the current theme, ages the core's clock."""

    def age(row: QueueRow) -> float:
        return (now() - row.order.created_at).total_seconds()

    def side_colour(row: QueueRow) -> QColor:
        p = palette()
        return p.up if row.order.intent.side is OrderSide.BUY else p.down

    def verdict_colour(row: QueueRow) -> QColor | None:
        p = palette()
        return (
            {
                VerdictLevel.PASS: p.ok,
                VerdictLevel.WARN: p.amber,
                VerdictLevel.BLOCK: p.red,
            }.get(row.level)
            if row.level is not None
            else p.muted
        )

    def verdict_text(row: QueueRow) -> str:
        return row.level.name if row.level is not None else "—"

    return [
        Column("Age", age, lambda r: fmt.age(age(r)), 50),
        Column("Time", lambda r: r.order.created_at.timestamp(),
               lambda r: fmt.clock_time(r.order.created_at), 60),
        Column("Side", lambda r: r.order.intent.side.value, width=38, align=CENTER,
               foreground=side_colour),
        Column("Qty", lambda r: r.order.intent.quantity,
               lambda r: fmt.quantity(r.order.intent.quantity), 56),
        Column("Symbol", symbol_text, width=96, align=LEFT, tooltip=symbol_tooltip),
        Column("Type", type_text, width=80, align=LEFT),
        Column("Price(s)", price_text, width=140, tooltip=price_text, align=LEFT),
        Column("TIF", lambda r: r.order.intent.tif.value, width=34, align=CENTER),
        Column("Verdict", lambda r: int(r.level) if r.level is not None else -1, verdict_text,
               54, CENTER, foreground=verdict_colour, tooltip=lambda r: r.reasons),
        Column("Notional", lambda r: r.notional, lambda r: fmt.money(r.notional), 92),
        Column("Reasons", lambda r: r.reasons, width=80, align=LEFT,
               foreground=verdict_colour, tooltip=lambda r: r.reasons),
        Column("Staged by", lambda r: staged_by_text(r.order), width=120, align=LEFT),
        Column("Four-eyes", four_eyes_text, lambda r: "2nd approver" if four_eyes_text(r) else "",
               96, LEFT, foreground=lambda r: palette().amber if four_eyes_text(r) else None,
               tooltip=four_eyes_text),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """An order that left the queue: who staged it and who approved or rejected it."""

    order: Order
    decided_by: str
    decided_at: dt.datetime

    @property
    def key(self) -> str:
        return self.order.id


def decision_columns(palette: Callable[[], Palette]) -> list[Column[DecisionRow]]:
    def outcome(row: DecisionRow) -> str:
        return row.order.status.value.replace("_", " ")

    def colour(row: DecisionRow) -> QColor:
        p = palette()
        return p.ok if row.order.approved_by else p.muted

    return [
        Column("Time", lambda r: r.decided_at.timestamp(),
               lambda r: fmt.clock_time(r.decided_at), 60),
        Column("Order", lambda r: r.order.id, width=150, align=LEFT),
        Column("Side", lambda r: r.order.intent.side.value, width=38, align=CENTER),
        Column("Qty", lambda r: r.order.intent.quantity,
               lambda r: fmt.quantity(r.order.intent.quantity), 56),
        Column("Symbol", lambda r: r.order.key, width=80, align=LEFT),
        Column("Staged by", lambda r: staged_by_text(r.order), width=130, align=LEFT),
        Column("Status", outcome, width=110, align=LEFT, foreground=colour),
        Column("Decided by", lambda r: r.decided_by, width=200, align=LEFT, foreground=colour,
               tooltip=lambda r: r.decided_by),
    ]  # fmt: skip
