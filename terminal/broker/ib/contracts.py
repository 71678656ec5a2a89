"""Qualified contracts, cached: symbol text in, an :class:`Instrument` and its IB contract out.

IB identifies everything by ``conId``; the core by :attr:`Instrument.key`. The book keeps both
directions so market data, executions and positions find their instrument without asking IB
again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from ib_async import Contract, ContractDetails

from terminal.broker.ib.mapping import (
    bag_contract,
    contract_for,
    instrument_from_contract,
    instrument_from_details,
    option_contract,
    parse_symbol,
)
from terminal.domain import Combo, Instrument, OptionRight, UnknownInstrument

#: Asks IB for a contract's details; ``urgent`` for an order's contract (ahead of queued data).
DetailsLookup = Callable[[Contract, bool], Awaitable[Sequence[ContractDetails]]]


class ContractBook:
    """Contracts qualified at IB, by instrument key and by conId."""

    def __init__(self, lookup: DetailsLookup) -> None:
        self._lookup = lookup
        self._by_key: dict[str, tuple[Contract, Instrument]] = {}
        self._by_con_id: dict[int, Instrument] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    async def qualify(self, text: str, *, urgent: bool = False) -> Instrument:
        """Resolve user input (``"AAPL"`` or an option key) to an instrument IB knows.

        ``urgent`` asks ahead of queued data requests (an order waits for the answer).

        Raises:
            UnknownInstrument: the text is not a symbol, or IB has no such security.
        """
        wanted = parse_symbol(text)
        cached = self._by_key.get(wanted.key)
        if cached is not None:
            return cached[1]
        return await self._qualify_contract(contract_for(wanted), wanted.key, urgent)

    async def qualify_instrument(
        self, instrument: Instrument, *, urgent: bool = False
    ) -> Instrument:
        """Qualify an instrument we already describe in full (a combo's leg): its currency,
        multiplier and exchange go to IB as they are, where :meth:`qualify` reads only a key
        (which names no currency, so a leg outside US dollars could not be found).

        Raises:
            UnknownInstrument: IB has no such security.
        """
        cached = self._by_key.get(instrument.key)
        if cached is not None:
            return cached[1]
        return await self._qualify_contract(contract_for(instrument), instrument.key, urgent)

    async def qualify_options(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float], multiplier: int
    ) -> list[Instrument]:
        """Qualify calls and puts at ``strikes``; strikes IB does not list are left out.

        The lookups are queued together (the data lane paces them), not one round trip after
        another: a chain of 20 strikes is 40 contracts.
        """

        async def one(strike: float, right: OptionRight) -> Instrument | None:
            key = Instrument.option(underlying.symbol, expiry, _strike(strike), right).key
            if key in self._by_key:
                return self._by_key[key][1]
            contract = option_contract(underlying, expiry, strike, right, multiplier)
            try:
                return await self._qualify_contract(contract, key)
            except UnknownInstrument:
                return None

        found = await asyncio.gather(
            *(one(s, r) for s in strikes for r in (OptionRight.CALL, OptionRight.PUT))
        )
        return [i for i in found if i is not None]

    async def _qualify_contract(
        self, contract: Contract, key: str, urgent: bool = False
    ) -> Instrument:
        details = await self._lookup(contract, urgent)
        if not details:
            raise UnknownInstrument(f"IB has no security definition for {key!r}")
        best = details[0]
        instrument = instrument_from_details(best)
        assert best.contract is not None
        self.remember(best.contract, instrument)
        return instrument

    def remember(self, contract: Contract, instrument: Instrument) -> None:
        self._by_key[instrument.key] = (contract, instrument)
        if contract.conId:
            self._by_con_id[contract.conId] = instrument

    def contract(self, instrument: Instrument) -> Contract:
        """The qualified contract of ``instrument`` (qualify it first)."""
        cached = self._by_key.get(instrument.key)
        if cached is None:
            raise UnknownInstrument(f"{instrument.key} has not been qualified at IB")
        return cached[0]

    def bag(self, combo: Combo) -> Contract:
        """The BAG contract of ``combo``, from its legs' qualified contracts (qualify them
        first: IB takes a combo leg only by conId)."""
        return bag_contract(
            combo, {leg.instrument.key: self.contract(leg.instrument) for leg in combo.legs}
        )

    def order_contract(self, order_instrument: Instrument, combo: Combo | None) -> Contract:
        """The contract an order is placed on: its instrument's, or the BAG of its combo."""
        return self.bag(combo) if combo is not None else self.contract(order_instrument)

    def known(self, instrument: Instrument) -> bool:
        return instrument.key in self._by_key

    def instrument_for(self, contract: Contract) -> Instrument:
        """The instrument of a contract IB reported (an execution, a position)."""
        known = self._by_con_id.get(contract.conId)
        if known is not None:
            return known
        instrument = instrument_from_contract(contract)
        self.remember(contract, instrument)
        return instrument

    def key_for(self, contract: Contract | None) -> str | None:
        if contract is None:
            return None
        known = self._by_con_id.get(contract.conId)
        return known.key if known is not None else None


def _strike(value: float) -> Decimal:
    return Decimal(str(value)).normalize()
