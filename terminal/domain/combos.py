"""Combos: several legs (options, optionally one stock leg) traded as one instrument.

Price convention: a combo's *net price* is what buying one combo unit costs, per share of the
combo's multiplier. A debit is positive, a credit is negative (Interactive Brokers' BAG
convention: a credit spread is *bought* at a negative limit). Selling a combo reverses every leg,
so selling at +1.20 is the same trade as buying the reversed combo at −1.20.

One combo unit holds ``ratio`` of each leg. A leg's share of the net price is
``sign × ratio × leg price × leg multiplier / combo multiplier``: for option legs (all of one
multiplier, normally 100) that is ``± ratio × premium``; a stock leg of 100 shares in a buy-write
adds the share price once (100 × price × 1 / 100).

Tick: complex orders on US exchanges trade in pennies whatever the legs' own ticks, so a combo's
net price is on a 0.01 tick unless given otherwise; zero and negative prices are valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Protocol

from terminal.domain.errors import DomainError, InvalidPrice
from terminal.domain.formatting import Number, format_price
from terminal.domain.instruments import AssetClass, Instrument
from terminal.domain.orders import OrderSide
from terminal.domain.values import MAX_PRICE, round_to_tick, to_decimal

NAN = math.nan
COMBO_TICK = Decimal("0.01")


class InvalidCombo(DomainError):
    """A combo's legs do not make one tradable combo (see :class:`Combo`)."""


class BidAsk(Protocol):
    """Anything quoted with a bid and an ask (:class:`Quote`, :class:`OptionQuote`)."""

    @property
    def bid(self) -> float: ...

    @property
    def ask(self) -> float: ...


@dataclass(frozen=True, slots=True)
class ComboLeg:
    """One leg: ``ratio`` units of ``instrument`` bought or sold per combo unit."""

    instrument: Instrument
    ratio: int
    side: OrderSide

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", OrderSide(self.side))
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, int):
            raise InvalidCombo(f"{self.instrument.key}: leg ratio must be a whole number")
        if self.ratio <= 0:
            raise InvalidCombo(
                f"{self.instrument.key}: leg ratio must be positive, got {self.ratio} "
                "(use the leg's side to sell)"
            )

    @property
    def sign(self) -> int:
        return self.side.sign

    @property
    def signed_ratio(self) -> int:
        return self.side.sign * self.ratio

    @property
    def is_stock(self) -> bool:
        return not self.instrument.is_option

    def reversed(self) -> ComboLeg:
        return ComboLeg(self.instrument, self.ratio, self.side.opposite)

    def label(self) -> str:
        """``"+1 AAPL 20260116 C 230"``: the leg as it appears in a combo's key."""
        return f"{self.signed_ratio:+d} {self.instrument.key}"


@dataclass(frozen=True, slots=True)
class NetQuote:
    """Net bid/ask/mid of one combo unit in the combo's price convention (NaN when unknown).

    ``ask`` is what buying costs now (ask of bought legs, bid of sold legs); ``bid`` is what
    selling brings (bid of bought legs, ask of sold legs). ``bid <= ask`` always.
    """

    bid: float = NAN
    ask: float = NAN

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2 if math.isfinite(self.bid + self.ask) else NAN


def _leg_order(leg: ComboLeg) -> tuple[int, str, str, Decimal, str]:
    inst = leg.instrument
    expiry = f"{inst.expiry:%Y%m%d}" if inst.expiry is not None else ""
    right = inst.right.value if inst.right is not None else ""
    return (0 if leg.is_stock else 1, expiry, right, inst.strike or Decimal(0), leg.side.value)


@dataclass(frozen=True, slots=True)
class Combo:
    """Legs traded as one instrument (an IB BAG), validated on construction.

    Rules: at least two legs; whole positive ratios without a common factor (2:4:2 is 1:2:1
    bought twice); every option leg on one underlying, in one currency, with one multiplier; at
    most one stock leg, and only of that underlying; no instrument twice. Legs are kept in a
    canonical order (stock, then expiry, right, strike), so the same legs give the same
    :attr:`key` whatever order they were picked in.

    ``strategy`` names what the legs are ("vertical", "iron condor"; "custom" when hand-built);
    it appears in :attr:`description` only, never in the key.
    """

    legs: tuple[ComboLeg, ...]
    strategy: str = "custom"
    tick_size: Decimal = COMBO_TICK

    def __post_init__(self) -> None:
        legs = tuple(self.legs)
        if not legs:
            raise InvalidCombo("a combo needs legs; none were given")
        if len(legs) < 2:
            raise InvalidCombo(
                f"a combo needs at least two legs, got one ({legs[0].instrument.key}); "
                "trade a single contract from the ticket"
            )
        if self.tick_size <= 0:
            raise InvalidPrice("combo tick size must be positive")
        _check_legs(legs)
        object.__setattr__(self, "legs", tuple(sorted(legs, key=_leg_order)))

    # -- identity -------------------------------------------------------------------------

    @property
    def option_legs(self) -> tuple[ComboLeg, ...]:
        return tuple(leg for leg in self.legs if not leg.is_stock)

    @property
    def stock_leg(self) -> ComboLeg | None:
        return next((leg for leg in self.legs if leg.is_stock), None)

    @property
    def underlying(self) -> str:
        underlying = self.option_legs[0].instrument.underlying
        assert underlying is not None  # an option always has one (Instrument checks)
        return underlying

    @property
    def multiplier(self) -> Decimal:
        """The option legs' multiplier: turns net price × combo quantity into money."""
        return self.option_legs[0].instrument.multiplier

    @property
    def currency(self) -> str:
        return self.option_legs[0].instrument.currency

    @property
    def key(self) -> str:
        """Stable identity: ``"AAPL COMBO +1 AAPL 20260116 C 230 -1 AAPL 20260116 C 240"``."""
        return f"{self.underlying} COMBO " + " ".join(leg.label() for leg in self.legs)

    @property
    def description(self) -> str:
        """A trader's name for it: ``"AAPL 20260116 230/240 C vertical"``."""
        opts = [leg.instrument for leg in self.option_legs]
        expiries = "/".join(dict.fromkeys(f"{i.expiry:%Y%m%d}" for i in opts))
        strikes = sorted({i.strike for i in opts if i.strike is not None})
        rights = "/".join(
            sorted({i.right.value for i in opts if i.right is not None}, key="PC".index)
        )
        text = f"{self.underlying} {expiries} {'/'.join(f'{k.normalize():f}' for k in strikes)}"
        text = f"{text} {rights} {self.strategy}"
        stock = self.stock_leg
        if stock is not None:
            text = f"{stock.signed_ratio:+d} {stock.instrument.key} & {text}"
        return text

    @property
    def instrument(self) -> Instrument:
        """The combo as one instrument of the order path (asset class BAG, keyed by :attr:`key`).

        Orders, risk and the audit trail name the combo by this instrument; the legs travel
        with the order (``OrderIntent.combo``).
        """
        return Instrument(
            symbol=self.key,
            asset_class=AssetClass.COMBO,
            currency=self.currency,
            tick_size=self.tick_size,
            multiplier=self.multiplier,
            description=self.description,
            underlying=self.underlying,
        )

    def leg(self, key: str) -> ComboLeg | None:
        """The leg trading the instrument ``key``, if the combo has one."""
        return next((leg for leg in self.legs if leg.instrument.key == key), None)

    def reversed(self) -> Combo:
        """The same legs with every side flipped (buying it = selling this combo)."""
        return Combo(tuple(leg.reversed() for leg in self.legs), self.strategy, self.tick_size)

    # -- prices ---------------------------------------------------------------------------

    def leg_weight(self, leg: ComboLeg) -> Decimal:
        """The leg's signed weight in the net price (± ratio × leg multiplier / multiplier)."""
        return leg.signed_ratio * leg.instrument.multiplier / self.multiplier

    def net_price(self, leg_prices: Mapping[str, Decimal]) -> Decimal:
        """Net price of one combo unit from one price per leg (keyed by the leg's key).

        Raises:
            InvalidCombo: a leg has no price.
        """
        missing = [leg.instrument.key for leg in self.legs if leg.instrument.key not in leg_prices]
        if missing:
            raise InvalidCombo(f"{self.description}: no price for {', '.join(missing)}")
        return sum(
            (self.leg_weight(leg) * leg_prices[leg.instrument.key] for leg in self.legs),
            Decimal(0),
        )

    def net_quote(self, quotes: Mapping[str, BidAsk]) -> NetQuote:
        """Net bid/ask from the legs' quotes; a side is NaN when any leg lacks what it needs.

        Buying the combo pays the ask of each bought leg and receives the bid of each sold leg;
        selling it does the opposite. A zero bid is a price (far out-of-the-money options).
        """
        bid = ask = 0.0
        for leg in self.legs:
            quote = quotes.get(leg.instrument.key)
            weight = float(self.leg_weight(leg))
            leg_bid = _usable(quote.bid, allow_zero=True) if quote is not None else NAN
            leg_ask = _usable(quote.ask, allow_zero=False) if quote is not None else NAN
            if weight > 0:
                ask += weight * leg_ask
                bid += weight * leg_bid
            else:
                ask += weight * leg_bid
                bid += weight * leg_ask
        return NetQuote(bid, ask)

    def check_price(self, value: object) -> Decimal:
        """Validate ``value`` as a net price: finite, on the combo tick, any sign, not absurd."""
        try:
            price = to_decimal(value, "net price")
        except DomainError as exc:
            raise InvalidPrice(f"{self.description}: {exc}") from None
        if abs(price) > MAX_PRICE:
            raise InvalidPrice(f"{self.description}: net price {price:,f} is absurd")
        if price % self.tick_size != 0:
            raise InvalidPrice(
                f"{self.description}: net price {price} is not on the tick size {self.tick_size}"
            )
        return price

    def round_price(self, value: Decimal | float) -> Decimal:
        """Round a computed net price (a mid, say) to the combo's tick."""
        return round_to_tick(to_decimal(value, "net price"), self.tick_size)

    def notional(self, net_price: Decimal, quantity: Decimal) -> Decimal:
        """Money that changes hands for ``quantity`` combos at ``net_price`` (never negative)."""
        return abs(net_price) * quantity * self.multiplier

    def format_price(self, value: Number | None, *, signed: bool = False) -> str:
        """Net price as text on the combo tick; a credit reads as one ("-1.20")."""
        return format_price(value, self.tick_size, signed=signed)


def _usable(value: float, *, allow_zero: bool) -> float:
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        return NAN
    return value


def _check_legs(legs: tuple[ComboLeg, ...]) -> None:
    keys = [leg.instrument.key for leg in legs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise InvalidCombo(f"a combo lists each contract once; twice: {', '.join(duplicates)}")
    options = [leg.instrument for leg in legs if leg.instrument.is_option]
    stocks = [leg.instrument for leg in legs if not leg.instrument.is_option]
    if not options:
        raise InvalidCombo("a combo needs at least one option leg")
    underlyings = sorted({i.underlying or "" for i in options})
    if len(underlyings) > 1:
        raise InvalidCombo(
            f"every option leg must be on one underlying; got {', '.join(underlyings)}"
        )
    multipliers = sorted({i.multiplier for i in options})
    if len(multipliers) > 1:
        listed = ", ".join(f"{m.normalize():f}" for m in multipliers)
        raise InvalidCombo(
            f"{underlyings[0]}: option legs have different multipliers ({listed}); "
            "adjusted and standard contracts cannot be combined"
        )
    currencies = sorted({leg.instrument.currency for leg in legs})
    if len(currencies) > 1:
        raise InvalidCombo(f"a combo trades in one currency; got {', '.join(currencies)}")
    if len(stocks) > 1:
        raise InvalidCombo("a combo takes at most one stock leg")
    for stock in stocks:
        if stock.asset_class not in (AssetClass.STOCK, AssetClass.ETF):
            raise InvalidCombo(f"{stock.key}: only options and a stock leg make a combo")
        if stock.symbol != underlyings[0]:
            raise InvalidCombo(
                f"the stock leg must be the options' underlying {underlyings[0]}, "
                f"not {stock.symbol}"
            )
    ratios = [leg.ratio for leg in legs]
    common = reduce(math.gcd, ratios)
    if common > 1:
        reduced = ":".join(str(r // common) for r in ratios)
        raise InvalidCombo(
            f"leg ratios {':'.join(map(str, ratios))} share the factor {common}; "
            f"use {reduced} and a quantity {common} times larger"
        )
