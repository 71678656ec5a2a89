"""Where a bracket's exit goes, as a value: an offset from the entry (price units, ticks or
percent) or an absolute price. The bracket construction (terminal/oms/brackets.py) turns it
into a price; presets (terminal/presets) keep it in the settings file as text ("10 ticks")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class ExitUnit(StrEnum):
    """How an exit's value is measured."""

    PRICE = "price"  # an offset from the entry in price units (the ticket's TP/SL fields)
    TICKS = "ticks"  # an offset from the entry in the instrument's ticks
    PERCENT = "%"  # an offset from the entry in percent of the entry
    ABSOLUTE = "at"  # the exit's own price, wherever the entry is


@dataclass(frozen=True, slots=True)
class ExitSpec:
    """Where one exit goes: ``value`` in ``unit`` (10 ticks, 0.5 %, at 231.00)."""

    value: Decimal
    unit: ExitUnit

    def __str__(self) -> str:
        if self.unit is ExitUnit.ABSOLUTE:
            return f"at {self.value:f}"
        if self.unit is ExitUnit.PRICE:
            return f"{self.value:f}"
        return f"{self.value:f} {self.unit.value}"
