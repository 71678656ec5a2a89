"""Kinds of user alert rule: price crosses a level, price moves by a percentage.

A rule fires once and is then disarmed until the trader re-arms it; re-arming behaves like
adding the rule anew. Rules are plain data for persistence (:meth:`to_dict`,
:func:`rule_from_dict`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from terminal.domain.alerts import Severity
from terminal.domain.formatting import format_percent, format_price
from terminal.domain.market import Quote

#: Percent moves within this of the threshold count as reaching it (float rounding).
_EPSILON = 1e-9


class Direction(StrEnum):
    ABOVE = "above"
    BELOW = "below"


class AlertRule(Protocol):
    """What :class:`AlertRules` needs from a rule."""

    id: str
    key: str
    armed: bool
    severity: Severity

    def check(self, quote: Quote) -> str | None:
        """Observe ``quote``; return the alert message and disarm when the rule fires."""
        ...

    def rearm(self) -> None:
        """Arm the rule again, forgetting what it observed."""
        ...

    def to_dict(self) -> dict[str, object]:
        """Return the rule as plain data that :func:`rule_from_dict` reads back."""
        ...


def _fmt(value: float) -> str:
    """Format a price without float noise (150 -> 150.00). A rule holds only the instrument's
    key, so the price is shown on the common 0.01 tick (sub-penny digits are kept)."""
    return format_price(value)


def _check_key(key: str) -> None:
    if not key or not key.strip():
        raise ValueError("an alert rule needs an instrument key")


def _check_positive(value: float, what: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a positive number, got {value!r}")


@dataclass(slots=True, eq=False)
class PriceCrossRule:
    """Fire when the last price crosses ``level`` in ``direction`` (touching the level counts).

    The first observation only sets the side the price is on; it fires only when
    ``fire_if_already_beyond`` is set and the price is already at or beyond the level.
    """

    key: str
    direction: Direction
    level: float
    fire_if_already_beyond: bool = False
    severity: Severity = Severity.WARNING
    note: str = ""
    id: str = ""
    armed: bool = True
    _previous: float = field(default=math.nan, init=False, repr=False)

    KIND = "price_cross"

    def __post_init__(self) -> None:
        _check_key(self.key)
        self.direction = Direction(self.direction)
        self.severity = Severity(self.severity)
        _check_positive(self.level, "price level")

    def _beyond(self, price: float) -> bool:
        if self.direction is Direction.ABOVE:
            return price >= self.level
        return price <= self.level

    def check(self, quote: Quote) -> str | None:
        """Observe ``quote``; return the alert message and disarm when the price crossed."""
        price = quote.last
        if not price > 0:  # NaN or missing: not an observation
            return None
        previous, self._previous = self._previous, price
        if not self._beyond(price):
            return None
        if math.isnan(previous):
            if not self.fire_if_already_beyond:
                return None
            verb = "is"
        elif self._beyond(previous):
            return None
        else:
            verb = "crossed"
        self.armed = False
        text = f"{self.key} {verb} {self.direction.value} {_fmt(self.level)} (last {_fmt(price)})"
        return f"{text} — {self.note}" if self.note else text

    def rearm(self) -> None:
        """Arm again; the next observation counts as the first."""
        self.armed = True
        self._previous = math.nan

    def to_dict(self) -> dict[str, object]:
        """Return the rule as plain data."""
        return {
            "kind": self.KIND,
            "id": self.id,
            "key": self.key,
            "direction": self.direction.value,
            "level": self.level,
            "fire_if_already_beyond": self.fire_if_already_beyond,
            "severity": self.severity.name,
            "note": self.note,
            "armed": self.armed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PriceCrossRule:
        """Build a rule from :meth:`to_dict` output.

        Raises:
            ValueError: a field is missing or invalid.
        """
        return cls(
            key=_get(data, "key", str),
            direction=Direction(_get(data, "direction", str)),
            level=_number(data, "level"),
            fire_if_already_beyond=_get(data, "fire_if_already_beyond", bool, False),
            severity=_severity(data),
            note=_get(data, "note", str, ""),
            id=_get(data, "id", str, ""),
            armed=_get(data, "armed", bool, True),
        )


@dataclass(slots=True, eq=False)
class PercentMoveRule:
    """Fire when the last price is ``percent`` or more away from the reference, either way.

    ``reference`` is a fixed price; ``None`` means each quote's previous close.
    """

    key: str
    percent: float
    reference: float | None = None
    severity: Severity = Severity.WARNING
    note: str = ""
    id: str = ""
    armed: bool = True

    KIND = "percent_move"

    def __post_init__(self) -> None:
        _check_key(self.key)
        self.severity = Severity(self.severity)
        _check_positive(self.percent, "percent")
        if self.reference is not None:
            _check_positive(self.reference, "reference price")

    def check(self, quote: Quote) -> str | None:
        """Observe ``quote``; return the alert message and disarm when the move is large enough."""
        price = quote.last
        reference = quote.prev_close if self.reference is None else self.reference
        if not (price > 0 and reference > 0):
            return None
        change = (price / reference - 1.0) * 100.0
        if abs(change) < self.percent - _EPSILON:
            return None
        self.armed = False
        what = "previous close" if self.reference is None else "reference"
        text = (
            f"{self.key} moved {format_percent(change)} from {what} {_fmt(reference)} "
            f"(last {_fmt(price)})"
        )
        return f"{text} — {self.note}" if self.note else text

    def rearm(self) -> None:
        """Arm again."""
        self.armed = True

    def to_dict(self) -> dict[str, object]:
        """Return the rule as plain data."""
        return {
            "kind": self.KIND,
            "id": self.id,
            "key": self.key,
            "percent": self.percent,
            "reference": self.reference,
            "severity": self.severity.name,
            "note": self.note,
            "armed": self.armed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PercentMoveRule:
        """Build a rule from :meth:`to_dict` output.

        Raises:
            ValueError: a field is missing or invalid.
        """
        reference = data.get("reference")
        return cls(
            key=_get(data, "key", str),
            percent=_number(data, "percent"),
            reference=None if reference is None else _number(data, "reference"),
            severity=_severity(data),
            note=_get(data, "note", str, ""),
            id=_get(data, "id", str, ""),
            armed=_get(data, "armed", bool, True),
        )


_KINDS: dict[str, Callable[[Mapping[str, object]], AlertRule]] = {
    PriceCrossRule.KIND: PriceCrossRule.from_dict,
    PercentMoveRule.KIND: PercentMoveRule.from_dict,
}


def rule_from_dict(data: Mapping[str, object]) -> AlertRule:
    """Build any rule from its :meth:`~AlertRule.to_dict` output, dispatching on ``kind``.

    Raises:
        ValueError: unknown kind, or a field is missing or invalid.
    """
    kind = data.get("kind")
    factory = _KINDS.get(kind) if isinstance(kind, str) else None
    if factory is None:
        raise ValueError(f"unknown alert rule kind {kind!r}")
    return factory(data)


_MISSING = object()


def _get[T](data: Mapping[str, object], name: str, kind: type[T], default: object = _MISSING) -> T:
    value = data.get(name, default)
    if value is _MISSING:
        raise ValueError(f"alert rule is missing {name!r}")
    if not isinstance(value, kind):
        raise ValueError(f"alert rule field {name!r} must be {kind.__name__}, got {value!r}")
    return value


def _number(data: Mapping[str, object], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"alert rule field {name!r} must be a number, got {value!r}")
    return float(value)


def _severity(data: Mapping[str, object]) -> Severity:
    name = _get(data, "severity", str, Severity.WARNING.name)
    try:
        return Severity[name]
    except KeyError:
        raise ValueError(
            f"alert rule severity {name!r} is not one of INFO, WARNING, CRITICAL"
        ) from None
