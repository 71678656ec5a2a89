"""Tradable instruments: stocks and ETFs, indices, equity options, and combos (BAG).

A combo's instrument (:attr:`terminal.domain.combos.Combo.instrument`) stands for the whole
combo in the order path: its symbol is the combo's key and its multiplier and tick the combo's;
its legs live in the :class:`~terminal.domain.combos.Combo` the order carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from terminal.domain.errors import InvalidPrice, UnknownInstrument
from terminal.domain.formatting import Number, format_price
from terminal.domain.values import to_price


class AssetClass(StrEnum):
    STOCK = "STK"
    ETF = "ETF"
    INDEX = "IND"
    OPTION = "OPT"
    #: A combo of legs traded as one (Interactive Brokers' BAG); see terminal.domain.combos.
    COMBO = "BAG"


class OptionRight(StrEnum):
    CALL = "C"
    PUT = "P"


@dataclass(frozen=True, slots=True)
class Instrument:
    """An instrument, identified by :attr:`key`.

    Stocks and ETFs are keyed by symbol (``"AAPL"``); options by an OCC-like key
    (``"AAPL 20261218 C 150"``). ``multiplier`` turns price × quantity into money (100 for
    US equity options).
    """

    symbol: str
    asset_class: AssetClass = AssetClass.STOCK
    currency: str = "USD"
    exchange: str = "SMART"
    tick_size: Decimal = Decimal("0.01")
    multiplier: Decimal = Decimal(1)
    description: str = ""
    underlying: str | None = None
    expiry: dt.date | None = None
    strike: Decimal | None = None
    right: OptionRight | None = None
    #: :attr:`key`, built once: it is read on every quote, order and risk check, and an
    #: option's key is a formatted date and strike (about 3 µs a build).
    _key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.symbol or not self.symbol.strip():
            raise UnknownInstrument("instrument symbol must not be empty")
        if self.tick_size <= 0:
            raise InvalidPrice(f"{self.symbol}: tick size must be positive")
        if self.asset_class is AssetClass.OPTION and (
            self.underlying is None
            or self.expiry is None
            or self.strike is None
            or self.right is None
        ):
            raise UnknownInstrument(
                f"{self.symbol}: an option needs underlying, expiry, strike and right"
            )
        object.__setattr__(self, "_key", self._build_key())

    def _build_key(self) -> str:
        if self.asset_class is AssetClass.OPTION:
            assert self.expiry is not None
            assert self.strike is not None
            assert self.right is not None
            return (
                f"{self.underlying} {self.expiry:%Y%m%d} {self.right.value} "
                f"{self.strike.normalize():f}"
            )
        return self.symbol

    @property
    def key(self) -> str:
        """The unique key used everywhere in the core (quotes, orders, positions)."""
        return self._key

    @property
    def is_option(self) -> bool:
        return self.asset_class is AssetClass.OPTION

    @property
    def is_combo(self) -> bool:
        return self.asset_class is AssetClass.COMBO

    def check_price(self, value: object) -> Decimal:
        """Validate ``value`` as a price for this instrument (positive, on tick, not absurd)."""
        try:
            return to_price(value, self.tick_size)
        except InvalidPrice as exc:
            raise InvalidPrice(f"{self.key}: {exc}") from None

    def format_price(self, value: Number | None, *, signed: bool = False) -> str:
        """Return ``value`` as text on this instrument's tick ("228.42"; "—" when unknown).

        See :func:`terminal.domain.formatting.format_price`.
        """
        return format_price(value, self.tick_size, signed=signed)

    @classmethod
    def stock(cls, symbol: str, *, etf: bool = False, **kwargs: Any) -> Instrument:
        """Build a stock (or ETF) instrument."""
        asset = AssetClass.ETF if etf else AssetClass.STOCK
        return cls(symbol=symbol.strip().upper(), asset_class=asset, **kwargs)

    @classmethod
    def option(
        cls,
        underlying: str,
        expiry: dt.date,
        strike: Decimal | str | int,
        right: OptionRight | str,
        **kwargs: Any,
    ) -> Instrument:
        """Build a US equity option (multiplier 100, tick 0.01 unless given)."""
        underlying = underlying.strip().upper()
        kwargs.setdefault("multiplier", Decimal(100))
        return cls(
            symbol=underlying,
            asset_class=AssetClass.OPTION,
            underlying=underlying,
            expiry=expiry,
            strike=Decimal(strike),
            right=OptionRight(right),
            **kwargs,
        )
