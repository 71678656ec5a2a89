"""How the settings dialog describes a setting: its field spec, the group and tab it sits in.

Fields are named as in the settings file and in ``SettingsError`` messages: ``section.field``
(``risk.max_order_quantity``), or just ``field`` for top-level settings (``database_url``).
The table of every tab is :mod:`widgets.dialogs.settings_tabs`. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

type Kind = Literal[
    "decimal",
    "int",
    "port",
    "float",
    "time",
    "timezone",
    "choice",
    "text",
    "bool",
    "symbols",
    "sizes",
]

#: Time zones of the major markets offered in the time-zone box (any IANA name can be typed).
MARKET_TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Toronto",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Frankfurt",
    "Europe/Paris",
    "Europe/Zurich",
    "Asia/Tokyo",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Australia/Sydney",
    "UTC",
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One setting in the dialog.

    Attributes:
        name: ``section.field`` as in the settings file.
        label: What the trader reads.
        kind: The editor to use.
        unit: Shown after the editor (``shares``, ``USD``, ``%``, ``s``).
        help: Tooltip: what the setting does.
        minimum: Smallest value (numbers); decimals below it are refused at the field.
        maximum: Largest value (numbers), or None for no limit.
        positive: The value must be above zero (not just not negative).
        decimals: Decimal places of a ``float`` spin box.
        choices: ``(value, label)`` pairs of a ``choice`` box.
        wide: Give the editor room for a long value (URLs, paths, symbol lists).
    """

    name: str
    label: str
    kind: Kind
    unit: str = ""
    help: str = ""
    minimum: float = 0
    maximum: float | None = None
    positive: bool = False
    decimals: int = 2
    choices: tuple[tuple[str, str], ...] = ()
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    """Fields shown together under a title (``""``: no box)."""

    title: str
    fields: tuple[FieldSpec, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Tab:
    """One tab of the dialog; its groups are laid out in ``columns`` columns."""

    key: str
    title: str
    groups: tuple[Group, ...]
    columns: int = 1
    note: str = ""
