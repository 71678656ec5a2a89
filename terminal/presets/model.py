"""Order presets (TWS presets, NinjaTrader ATM templates): a named order template for one
instrument or one asset class.

A preset says how many, which entry (MKT, or a LMT priced from the touch), which time in force
and which exits a staged order gets. It never stages anything itself and never bypasses the
approval queue: it fills in an order that the trader still approves.

A preset is read from, and written to, one ``[[presets]]`` table of the settings file::

    [[presets]]
    name = "AAPL scalp"
    instrument = "AAPL"          # or: asset_class = "STK" (STK, ETF, IND, OPT)
    quantity = "100"
    order_type = "LMT"           # LMT or MKT
    tif = "DAY"
    limit_offset_ticks = 0       # LMT: ticks from the near touch (0 joins the bid to buy)
    take_profit = "10 ticks"     # "10 ticks", "0.5 %", "at 231.50" (instrument presets), ""
    stop_loss = "5 ticks"
    default = true               # the default of its instrument (or asset class)

:func:`read_preset` collects every problem by field name, so an editor shows each at its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.domain import AssetClass, DomainError, Instrument, OrderType, TimeInForce
from terminal.domain.exits import ExitSpec, ExitUnit
from terminal.domain.values import to_decimal, to_quantity

#: The entry types a preset can stage (a stop's price comes from the ladder or the chart).
ENTRY_TYPES = (OrderType.LIMIT, OrderType.MARKET)
#: Asset classes a preset can be for (combos are built leg by leg, not from a template).
PRESET_ASSET_CLASSES = tuple(a for a in AssetClass if a is not AssetClass.COMBO)
#: Largest limit offset in ticks, either way (a larger one is a typo, not a template).
MAX_OFFSET_TICKS = 1000

# Field names (the keys of the settings table and of the error dictionaries).
NAME = "name"
SCOPE = "scope"  # instrument or asset_class, whichever is set
QUANTITY = "quantity"
ORDER_TYPE = "order_type"
TIF = "tif"
LIMIT_OFFSET = "limit_offset_ticks"
TAKE_PROFIT = "take_profit"
STOP_LOSS = "stop_loss"
DEFAULT = "default"
KEYS = frozenset(
    {
        NAME,
        "instrument",
        "asset_class",
        QUANTITY,
        ORDER_TYPE,
        TIF,
        LIMIT_OFFSET,
        TAKE_PROFIT,
        STOP_LOSS,
        DEFAULT,
    }
)

type PresetErrors = dict[str, str]

EXIT_HELP = 'say "10 ticks", "0.5 %" or "at 231.50"'


class PresetError(DomainError):
    """A preset is invalid; :attr:`field` names what is wrong ("" for the preset as a whole)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class OrderPreset:
    """One named order template (see the module docstring). Build it with :func:`read_preset`
    or check it with :func:`check_preset`: the constructor does not validate."""

    name: str
    quantity: Decimal
    instrument: str = ""  # the instrument key this preset is for ...
    asset_class: AssetClass | None = None  # ... or the asset class
    order_type: OrderType = OrderType.LIMIT
    tif: TimeInForce = TimeInForce.DAY
    limit_offset_ticks: int = 0
    take_profit: ExitSpec | None = None
    stop_loss: ExitSpec | None = None
    default: bool = False

    @property
    def scope(self) -> str:
        """What the preset is for, as the trader reads it ("AAPL", "all STK")."""
        if self.instrument:
            return self.instrument
        return f"all {self.asset_class.value}" if self.asset_class is not None else "?"

    @property
    def has_bracket(self) -> bool:
        return self.take_profit is not None or self.stop_loss is not None

    def applies_to(self, instrument: Instrument) -> bool:
        """True when the preset is for ``instrument`` or for its asset class."""
        if self.instrument:
            return self.instrument == instrument.key
        return self.asset_class is instrument.asset_class

    def describe(self) -> str:
        """One line: "100 LMT at the touch DAY · TP 10 ticks · SL 5 ticks"."""
        entry = f"{self.quantity:f} {self.order_type.value}"
        if self.order_type is OrderType.LIMIT:
            offset = self.limit_offset_ticks
            entry += " at the touch" if offset == 0 else f" touch {offset:+d} ticks"
        return " · ".join([f"{entry} {self.tif.value}", *self.exit_texts()])

    def exit_texts(self) -> list[str]:
        """The bracket as the trader reads it: ["TP 10 ticks", "SL at 226.00"]."""
        parts = []
        if self.take_profit is not None:
            parts.append(f"TP {self.take_profit}")
        if self.stop_loss is not None:
            parts.append(f"SL {self.stop_loss}")
        return parts


def parse_exit(text: str) -> ExitSpec | None:
    """Read an exit as the settings file writes it: "10 ticks", "0.5 %", "at 231.50", "".

    Raises:
        PresetError: the text is not one of those forms (field not set: the caller knows it).
    """
    raw = text.strip().lower()
    if not raw:
        return None
    if raw.startswith("at "):
        unit, number = ExitUnit.ABSOLUTE, raw[3:]
    elif raw.endswith("%"):
        unit, number = ExitUnit.PERCENT, raw[:-1]
    elif raw.endswith("ticks") or raw.endswith("tick"):
        unit, number = ExitUnit.TICKS, raw.removesuffix("s").removesuffix("tick")
    else:
        raise PresetError(f"{text.strip()!r}: {EXIT_HELP}")
    try:
        value = to_decimal(number.strip(), "exit")
    except DomainError:
        raise PresetError(f"{text.strip()!r}: {EXIT_HELP}") from None
    if value <= 0:
        raise PresetError(f"{text.strip()!r}: must be above zero")
    if unit is ExitUnit.TICKS and value != value.to_integral_value():
        raise PresetError(f"{text.strip()!r}: a whole number of ticks")
    if unit is ExitUnit.PERCENT and value >= 100:
        raise PresetError(f"{text.strip()!r}: a percentage below 100")
    return ExitSpec(value, unit)


def read_preset(table: Mapping[str, Any]) -> tuple[OrderPreset | None, PresetErrors]:
    """Build a preset from a settings table (or an editor's fields, all text).

    Returns:
        The preset and no errors, or None and every problem by field name.
    """
    errors: PresetErrors = {}
    unknown = sorted(set(table) - KEYS)
    if unknown:
        errors[""] = f"unknown key(s): {', '.join(unknown)}"
    name = str(table.get(NAME, "")).strip()
    if not name:
        errors[NAME] = "enter a name"
    instrument = str(table.get("instrument", "") or "").strip().upper()
    asset_text = str(table.get("asset_class", "") or "").strip().upper()
    asset: AssetClass | None = None
    if instrument and asset_text:
        errors[SCOPE] = "either an instrument or an asset class, not both"
    elif asset_text:
        try:
            asset = AssetClass(asset_text)
        except ValueError:
            asset = None
        if asset not in PRESET_ASSET_CLASSES:
            names = ", ".join(a.value for a in PRESET_ASSET_CLASSES)
            errors[SCOPE] = f"asset class {asset_text!r} is not one of {names}"
    elif not instrument:
        errors[SCOPE] = "enter an instrument (AAPL) or an asset class (STK, OPT...)"
    quantity = _read(errors, QUANTITY, lambda: to_quantity(str(table.get(QUANTITY, "")).strip()))
    order_type = _read(errors, ORDER_TYPE, lambda: _order_type(table.get(ORDER_TYPE, "LMT")))
    tif = _read(errors, TIF, lambda: _tif(table.get(TIF, "DAY")))
    offset = _read(errors, LIMIT_OFFSET, lambda: _offset(table.get(LIMIT_OFFSET, 0)))
    take_profit = _read(errors, TAKE_PROFIT, lambda: parse_exit(str(table.get(TAKE_PROFIT, ""))))
    stop_loss = _read(errors, STOP_LOSS, lambda: parse_exit(str(table.get(STOP_LOSS, ""))))
    default = table.get(DEFAULT, False)
    if not isinstance(default, bool):
        errors[DEFAULT] = "true or false"
    if not instrument:
        for field, spec in ((TAKE_PROFIT, take_profit), (STOP_LOSS, stop_loss)):
            if spec is not None and spec.unit is ExitUnit.ABSOLUTE:
                errors.setdefault(
                    field, "an absolute price needs an instrument preset: use ticks or %"
                )
    if tif in (TimeInForce.IOC, TimeInForce.FOK) and (take_profit or stop_loss) is not None:
        assert tif is not None
        errors.setdefault(TIF, f"{tif.value} would cancel the entry before its exits rest")
    if errors or quantity is None or order_type is None or tif is None or offset is None:
        return None, errors
    preset = OrderPreset(
        name=name,
        quantity=quantity,
        instrument=instrument,
        asset_class=None if instrument else asset,
        order_type=order_type,
        tif=tif,
        limit_offset_ticks=offset,
        take_profit=take_profit,
        stop_loss=stop_loss,
        default=bool(default),
    )
    return preset, {}


def preset_from_table(table: Mapping[str, Any]) -> OrderPreset:
    """Build a preset from a settings table.

    Raises:
        PresetError: the first problem, with its field.
    """
    preset, errors = read_preset(table)
    if preset is None:
        field, message = next(iter(errors.items()))
        raise PresetError(message, field)
    return preset


def preset_table(preset: OrderPreset) -> dict[str, Any]:
    """The settings table of ``preset`` (what :func:`read_preset` reads back identically)."""
    table: dict[str, Any] = {NAME: preset.name}
    if preset.instrument:
        table["instrument"] = preset.instrument
    elif preset.asset_class is not None:
        table["asset_class"] = preset.asset_class.value
    table |= {
        QUANTITY: f"{preset.quantity:f}",
        ORDER_TYPE: preset.order_type.value,
        TIF: preset.tif.value,
        LIMIT_OFFSET: preset.limit_offset_ticks,
        TAKE_PROFIT: "" if preset.take_profit is None else str(preset.take_profit),
        STOP_LOSS: "" if preset.stop_loss is None else str(preset.stop_loss),
        DEFAULT: preset.default,
    }
    return table


def check_presets(presets: Sequence[OrderPreset]) -> dict[int, PresetErrors]:
    """Rules across presets: names are unique, one default per instrument or asset class.

    Returns:
        The problems by preset index, then by field (empty when all is well).
    """
    errors: dict[int, PresetErrors] = {}
    names: dict[str, int] = {}
    defaults: dict[str, int] = {}
    for index, preset in enumerate(presets):
        key = preset.name.casefold()
        if key in names:
            errors.setdefault(index, {})[NAME] = f"another preset is named {preset.name!r}"
        names.setdefault(key, index)
        if preset.default:
            if preset.scope in defaults:
                other = presets[defaults[preset.scope]].name
                errors.setdefault(index, {})[DEFAULT] = (
                    f"{other!r} is already the default for {preset.scope}"
                )
            defaults.setdefault(preset.scope, index)
    return errors


def _read[T](errors: PresetErrors, field: str, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except DomainError as exc:  # PresetError included
        errors[field] = str(exc)
        return None


def _order_type(value: object) -> OrderType:
    for kind in ENTRY_TYPES:
        if kind.value == str(value).strip().upper():
            return kind
    raise PresetError(f"{value!r}: a preset enters with LMT or MKT")


def _tif(value: object) -> TimeInForce:
    try:
        return TimeInForce(str(value).strip().upper())
    except ValueError:
        names = ", ".join(t.value for t in TimeInForce)
        raise PresetError(f"{value!r} is not one of {names}") from None


def _offset(value: object) -> int:
    if isinstance(value, bool):
        raise PresetError("a whole number of ticks")
    try:
        ticks = int(str(value).strip() or "0")
    except ValueError:
        raise PresetError(f"{value!r}: a whole number of ticks (0 joins the touch)") from None
    if abs(ticks) > MAX_OFFSET_TICKS:
        raise PresetError(f"at most {MAX_OFFSET_TICKS} ticks either way")
    return ticks
