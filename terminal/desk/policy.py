"""The four-eyes policy: which orders need a second approver (maker–checker).

An order needs four eyes when its notional is above ``notional``, its instrument class is one
of ``asset_classes``, or its order type is one of ``order_types``. The policy is desk-wide: it
lives in the shared settings table (``desk_policy``), set with ``trading-terminal desk policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from terminal.domain import AssetClass, DomainError, OrderIntent, OrderType

#: The key of the policy in the settings table.
POLICY_KEY = "desk_policy"


def format_money(value: Decimal) -> str:
    return f"{value:,.2f}"


@dataclass(frozen=True, slots=True)
class FourEyesPolicy:
    """``notional`` None: no notional threshold. Empty sets: no class or type needs it."""

    notional: Decimal | None = None
    asset_classes: frozenset[AssetClass] = frozenset()
    order_types: frozenset[OrderType] = frozenset()

    @property
    def active(self) -> bool:
        return self.notional is not None or bool(self.asset_classes or self.order_types)

    def reason(self, intent: OrderIntent, notional: Decimal | None) -> str | None:
        """Why ``intent`` needs a second approver, or None when one approver is enough.

        An order whose notional cannot be estimated (a market order without a quote) is held
        to the threshold: it needs four eyes.
        """
        reasons: list[str] = []
        if self.notional is not None:
            if notional is None:
                reasons.append("notional unknown")
            elif notional > self.notional:
                reasons.append(
                    f"notional {format_money(notional)} above {format_money(self.notional)}"
                )
        if intent.instrument.asset_class in self.asset_classes:
            reasons.append(f"{intent.instrument.asset_class.value} orders")
        if intent.order_type in self.order_types:
            reasons.append(f"{intent.order_type.value} orders")
        return "; ".join(reasons) or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "notional": None if self.notional is None else str(self.notional),
            "asset_classes": sorted(c.value for c in self.asset_classes),
            "order_types": sorted(t.value for t in self.order_types),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> FourEyesPolicy:
        """Read a stored policy.

        Raises:
            DomainError: a value is not a number, an instrument class or an order type.
        """
        if not data:
            return cls()
        try:
            raw = data.get("notional")
            notional = None if raw in (None, "") else Decimal(str(raw))
            classes = frozenset(AssetClass(v) for v in data.get("asset_classes", ()))
            types = frozenset(OrderType(v) for v in data.get("order_types", ()))
        except (ValueError, InvalidOperation) as exc:
            raise DomainError(f"the desk's four-eyes policy cannot be read: {exc}") from None
        if notional is not None and notional < 0:
            raise DomainError("the four-eyes notional must not be negative")
        return cls(notional, classes, types)

    def describe(self) -> str:
        if not self.active:
            return "no order needs a second approver"
        parts = []
        if self.notional is not None:
            parts.append(f"notional above {format_money(self.notional)}")
        if self.asset_classes:
            parts.append("class " + ", ".join(sorted(c.value for c in self.asset_classes)))
        if self.order_types:
            parts.append("type " + ", ".join(sorted(t.value for t in self.order_types)))
        return "a second approver for: " + "; ".join(parts)
