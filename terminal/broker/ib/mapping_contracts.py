"""Instruments <-> IB contracts: what we ask IB for, and what IB's answers mean to us.

Stocks and ETFs are SMART-routed with no primary exchange; options are SMART-routed by
underlying, expiry, strike and right; indices (for reference data) keep their listing exchange.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Final

from ib_async import Contract, ContractDetails, Index, Option, OptionChain, Stock

from terminal.broker.ib.mapping_values import (
    clean_price,
    decimal_or_none,
    parse_yyyymmdd,
    tidy_decimal,
)
from terminal.domain import AssetClass, Instrument, OptionChainParams, OptionRight
from terminal.domain.errors import UnknownInstrument

ROUTING: Final = "SMART"
DEFAULT_TICK: Final = Decimal("0.01")
RIGHTS: Final = {
    "C": OptionRight.CALL,
    "CALL": OptionRight.CALL,
    "P": OptionRight.PUT,
    "PUT": OptionRight.PUT,
}


def contract_for(instrument: Instrument) -> Contract:
    """Return the IB contract to qualify, quote or trade ``instrument``.

    Options carry no trading class: should two classes share a key (SPX and SPXW on a third
    Friday) IB reports the ambiguity instead of our guessing the wrong contract.

    Raises:
        UnknownInstrument: an index without its listing exchange; a combo (see
            :func:`terminal.broker.ib.mapping_combos.bag_contract`).
    """
    currency = instrument.currency
    match instrument.asset_class:
        case AssetClass.STOCK | AssetClass.ETF:
            return Stock(instrument.symbol, ROUTING, currency)
        case AssetClass.INDEX:
            if instrument.exchange == ROUTING:
                raise UnknownInstrument(
                    f"{instrument.key}: an index needs its listing exchange (e.g. CBOE), not SMART"
                )
            return Index(instrument.symbol, instrument.exchange, currency)
        case AssetClass.OPTION:
            assert instrument.underlying is not None
            assert instrument.expiry is not None
            assert instrument.strike is not None
            assert instrument.right is not None
            return Option(
                instrument.underlying,
                f"{instrument.expiry:%Y%m%d}",
                float(instrument.strike),
                instrument.right.value,
                ROUTING,
                _multiplier_text(instrument.multiplier),
                currency,
            )
        case AssetClass.COMBO:
            # A BAG is built from its legs' qualified conIds (mapping_combos.bag_contract),
            # never qualified from the combo's own key.
            raise UnknownInstrument(
                f"{instrument.key}: a combo's BAG contract is built from its qualified legs"
            )


def option_contract(
    underlying: Instrument,
    expiry: dt.date,
    strike: float,
    right: OptionRight,
    multiplier: int = 100,
) -> Contract:
    """Return one cell of ``underlying``'s option chain, in its standard trading class.

    The class pins the contract to the chain :func:`chain_params_from` listed (AAPL, not the
    adjusted AAPL1 left by a corporate action; SPX, not SPXW).
    """
    return Option(
        underlying.symbol,
        f"{expiry:%Y%m%d}",
        float(strike),
        OptionRight(right).value,
        ROUTING,
        str(multiplier),
        underlying.currency,
        tradingClass=standard_trading_class(underlying.symbol),
    )


def standard_trading_class(symbol: str) -> str:
    """Return the trading class of a symbol's standard options (``"BRK B"`` -> ``"BRKB"``)."""
    return symbol.replace(" ", "")


def instrument_from_details(details: ContractDetails) -> Instrument:
    """Return the instrument IB describes in ``details`` (the answer to a qualification).

    Raises:
        UnknownInstrument: no contract, an unsupported security type or an unreadable option.
    """
    contract = details.contract
    if contract is None:
        raise UnknownInstrument("IB answered with contract details that hold no contract")
    symbol = contract.symbol.strip().upper()
    currency = contract.currency or "USD"
    tick = _tick_size(details.minTick)
    name = details.longName
    match contract.secType:
        case "STK":
            etf = details.stockType == "ETF"
            return Instrument.stock(
                symbol,
                etf=etf,
                currency=currency,
                exchange=ROUTING,
                tick_size=tick,
                description=name,
            )
        case "IND":
            exchange = contract.exchange or contract.primaryExchange or ROUTING
            return Instrument(
                symbol,
                AssetClass.INDEX,
                currency=currency,
                exchange=exchange,
                tick_size=tick,
                description=name,
            )
        case "OPT":
            underlying, expiry, strike, right, multiplier = _option_terms(contract, details)
            return Instrument.option(
                underlying,
                expiry,
                strike,
                right,
                multiplier=Decimal(multiplier),
                currency=currency,
                exchange=ROUTING,
                tick_size=tick,
                description=name,
            )
        case other:
            raise UnknownInstrument(
                f"{symbol}: IB security type {other or '(none)'} is not supported "
                "(stocks, ETFs, indices and their options only)"
            )


def instrument_from_contract(contract: Contract) -> Instrument:
    """Return the instrument of a contract IB reported without details (a position, a fill).

    The tick size and description are unknown then (0.01 and empty); qualify for the rest.
    """
    return instrument_from_details(ContractDetails(contract=contract))


def _option_terms(
    contract: Contract, details: ContractDetails
) -> tuple[str, dt.date, Decimal, OptionRight, int]:
    key = contract.localSymbol or contract.symbol
    expiry = parse_yyyymmdd(contract.lastTradeDateOrContractMonth) or parse_yyyymmdd(
        details.realExpirationDate
    )
    if expiry is None:
        raise UnknownInstrument(f"{key}: IB gave no readable expiry date")
    strike = decimal_or_none(contract.strike)
    if strike is None or strike <= 0:
        raise UnknownInstrument(f"{key}: IB gave no strike")
    right = RIGHTS.get(contract.right.strip().upper())
    if right is None:
        raise UnknownInstrument(f"{key}: IB gave option right {contract.right!r}")
    return contract.symbol, expiry, strike, right, _multiplier(contract.multiplier)


def chain_params_from(
    underlying: Instrument, chains: Sequence[OptionChain], today: dt.date
) -> OptionChainParams:
    """Return the expiries (today or later) and strikes of ``underlying``'s standard options.

    IB answers one chain per exchange and trading class: the SMART chain of the standard class
    is preferred, else the one listing most strikes.

    Raises:
        UnknownInstrument: no chain, or no expiry left.
    """
    if not chains:
        raise UnknownInstrument(f"{underlying.key} lists no options")
    standard = standard_trading_class(underlying.symbol)
    candidates = [c for c in chains if c.tradingClass == standard] or list(chains)
    chain = max(candidates, key=lambda c: (c.exchange == ROUTING, len(c.strikes)))
    expiries = {parse_yyyymmdd(text) for text in chain.expirations}
    live = sorted(day for day in expiries if day is not None and day >= today)
    strikes = sorted({s for s in map(clean_price, chain.strikes) if not math.isnan(s)})
    if not live or not strikes:
        raise UnknownInstrument(f"{underlying.key} lists no options expiring from {today}")
    return OptionChainParams(
        underlying=underlying.key,
        expiries=tuple(live),
        strikes=tuple(strikes),
        multiplier=_multiplier(chain.multiplier),
    )


def _tick_size(min_tick: float) -> Decimal:
    tick = decimal_or_none(min_tick)
    return tick if tick is not None and tick > 0 else DEFAULT_TICK


def _multiplier(text: str) -> int:
    """IB sends multipliers as text; an empty or odd one means the US standard, 100."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return 100
    return int(value) if value.is_finite() and value >= 1 and value == int(value) else 100


def _multiplier_text(multiplier: Decimal) -> str:
    return f"{tidy_decimal(multiplier):f}"
