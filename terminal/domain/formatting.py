"""How numbers read to a trader: prices on the instrument's tick, unknown values as "—".

This is the one place that turns prices, changes, percentages, quantities and money into text,
for every reader: risk reasons, alerts, the console runner, the smoke test's JSON and the
window's panes. Use it instead of ``f"{x:.2f}"`` or ``str(x)``:

>>> from decimal import Decimal
>>> format_price(228.42000000000002)              # float noise is gone
'228.42'
>>> format_price(Decimal("150"), Decimal("0.01"))  # always the tick's decimals
'150.00'
>>> format_price(0.0525, Decimal("0.0001"))
'0.0525'
>>> format_price(float("nan"))                     # unknown, never "nan"
'—'
>>> format_change(0.42, signed=True)
'+0.42'
>>> format_percent(float("nan"))
'—'
>>> format_percent(1.234)
'+1.23%'
>>> format_quantity(Decimal("10000"))
'10,000'
>>> format_money(Decimal("-1234.5"))
'-1,234.50'

With an :class:`~terminal.domain.instruments.Instrument` at hand, ``instrument.format_price(x)``
is ``format_price(x, instrument.tick_size)``.

Rules:
    * Unknown is :data:`UNKNOWN` ("—"): ``None``, NaN and infinities (market data is float and
      NaN where the broker sent nothing).
    * A price shows the tick's decimals (tick 0.01: two, 0.0001: four, 1: none). A price that
      lies between ticks (a midpoint, an average fill price) shows the extra digits it really
      has, up to :data:`MAX_DECIMALS`, so nothing is rounded away silently; float noise below
      1e-8 is dropped first.
    * ``signed`` puts ``+`` before a positive value; zero has no sign ("0.00", never "-0.00").
    * No thousands separators in prices (they read as typed into a ticket); quantities and money
      have them.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

#: What an unknown value reads as.
UNKNOWN = "—"
#: The tick most US stocks and options trade in (used when no instrument is at hand).
DEFAULT_TICK = Decimal("0.01")
#: Float market data is rounded to this many decimals before it is shown (drops binary noise).
MAX_DECIMALS = 8

type Number = float | int | Decimal

#: Room for any float's magnitude (the default 28 digits cannot quantize 1E+30 to cents).
_WIDE = Context(prec=400)


def _rounded(value: Decimal, places: int) -> Decimal:
    """Return ``value`` rounded to ``places`` decimals, without the sign of a negative zero."""
    try:
        shown = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN, _WIDE)
    except InvalidOperation:  # beyond even the wide context: show it as it is
        shown = value
    return abs(shown) if shown == 0 else shown


def _known(value: Number | None) -> Decimal | None:
    """Return ``value`` as a finite Decimal free of float noise, or None when it is unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(round(value, MAX_DECIMALS)))
    try:
        known = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not known.is_finite():
        return None
    exponent = known.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        # A Decimal made from a float's repr keeps its noise (228.42000000000002).
        known = _rounded(known, MAX_DECIMALS)
    return known


def tick_decimals(tick: Decimal) -> int:
    """Return how many decimals a price on ``tick`` shows (0.01: 2, 0.05: 2, 0.0001: 4, 1: 0)."""
    exponent = tick.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _decimals(value: Decimal, minimum: int) -> int:
    exponent = value.normalize().as_tuple().exponent
    needed = -exponent if isinstance(exponent, int) else 0
    return min(max(minimum, needed), max(minimum, MAX_DECIMALS))


def format_price(
    value: Number | None, tick: Decimal = DEFAULT_TICK, *, signed: bool = False
) -> str:
    """Return ``value`` as a price on ``tick``: ``"228.42"``; ``"—"`` when unknown.

    Args:
        value: The price (float market data or a Decimal from an order or fill).
        tick: The instrument's tick size; it sets the decimals shown.
        signed: Show ``+`` for a positive value (a change or an offset).
    """
    known = _known(value)
    if known is None:
        return UNKNOWN
    places = _decimals(known, tick_decimals(tick))
    shown = _rounded(known, places)
    return f"{shown:+f}" if signed and shown else f"{shown:f}"


def format_change(
    value: Number | None, tick: Decimal = DEFAULT_TICK, *, signed: bool = True
) -> str:
    """Return a price change on ``tick`` with its sign: ``"+0.42"``, ``"-1.05"``; ``"—"``."""
    return format_price(value, tick, signed=signed)


def format_percent(value: Number | None, decimals: int = 2, *, signed: bool = True) -> str:
    """Return a percentage: ``"+1.23%"``; ``"—"`` when unknown (no previous close, NaN)."""
    known = _known(value)
    if known is None:
        return UNKNOWN
    shown = _rounded(known, decimals)
    return f"{shown:+f}%" if signed and shown else f"{shown:f}%"


def format_quantity(value: Number | None) -> str:
    """Return a quantity with separators and no trailing zeros: ``"10,000"``, ``"0.5"``."""
    known = _known(value)
    if known is None:
        return UNKNOWN
    known = abs(known) if known == 0 else known
    if known == known.to_integral_value():
        return f"{known:,.0f}"
    return f"{known.normalize():,f}"


def format_money(value: Number | None, *, signed: bool = False) -> str:
    """Return an amount of money with cents and separators: ``"1,234,567.89"``; ``"—"``."""
    known = _known(value)
    if known is None:
        return UNKNOWN
    shown = _rounded(known, 2)
    return f"{shown:+,.2f}" if signed and shown else f"{shown:,.2f}"
