"""What a trader types -> an unqualified instrument, refused with a helpful message if unreadable.

A stock is its symbol (``"aapl"``; ``"brk.b"`` is IB's ``"BRK B"``); an option is written as its
key, ``"AAPL 20261218 C 150"``. Nothing here asks IB: qualification comes after.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from terminal.broker.ib.mapping_contracts import RIGHTS
from terminal.broker.ib.mapping_values import parse_yyyymmdd, tidy_decimal
from terminal.domain import Instrument
from terminal.domain.errors import UnknownInstrument

_EXPECTED: Final = "expected a symbol such as AAPL, or an option such as 'AAPL 20261218 C 150'"
#: A US ticker, optionally with a share class after a space (IB writes Berkshire B as "BRK B").
_STOCK_SYMBOL: Final = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,9}( [A-Z])?")
#: "BRK.B" and "BRK/B" are how people write share classes; IB wants "BRK B".
_SHARE_CLASS: Final = re.compile(r"([A-Z]{1,6})[./]([A-Z])")


def parse_symbol(text: str) -> Instrument:
    """Return the unqualified instrument a trader typed: a stock symbol or an option key.

    ``"aapl"`` is the stock AAPL, ``"brk.b"`` is IB's ``"BRK B"``, and an option is written as
    its key, ``"AAPL 20261218 C 150"``.

    Raises:
        UnknownInstrument: the text is neither, with a message saying what is expected.
    """
    words = text.strip().upper().split()
    if not words:
        raise UnknownInstrument(f"nothing entered: {_EXPECTED}")
    if len(words) >= 4 and words[-3].isdigit():
        return _parse_option(words)
    symbol = _stock_symbol(" ".join(words))
    if symbol is None:
        raise UnknownInstrument(f"{text.strip()!r} is not a symbol: {_EXPECTED}")
    return Instrument.stock(symbol)


def _stock_symbol(text: str) -> str | None:
    share_class = _SHARE_CLASS.fullmatch(text)
    if share_class is not None:
        text = f"{share_class[1]} {share_class[2]}"
    return text if _STOCK_SYMBOL.fullmatch(text) else None


def _parse_option(words: list[str]) -> Instrument:
    written = " ".join(words)
    underlying = _stock_symbol(" ".join(words[:-3]))
    if underlying is None:
        raise UnknownInstrument(f"{written!r}: {' '.join(words[:-3])!r} is not a symbol")
    expiry = parse_yyyymmdd(words[-3]) if len(words[-3]) == 8 else None
    if expiry is None:
        raise UnknownInstrument(f"{written!r}: the expiry must be a date written YYYYMMDD")
    right = RIGHTS.get(words[-2])
    if right is None:
        raise UnknownInstrument(f"{written!r}: the right must be C (call) or P (put)")
    try:
        strike = Decimal(words[-1])
    except InvalidOperation:
        strike = Decimal(0)
    if not strike.is_finite() or strike <= 0:
        raise UnknownInstrument(f"{written!r}: the strike must be a positive number")
    return Instrument.option(underlying, expiry, tidy_decimal(strike), right)
