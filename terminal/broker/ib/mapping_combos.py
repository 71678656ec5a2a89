"""Combos at IB: a combo order is one BAG contract with a ComboLeg per leg.

IB's BAG, as the adapter sends it:

- ``secType="BAG"``, the underlying's symbol, the combo's currency, routed ``SMART``; one
  ``ComboLeg`` per leg with the leg's qualified ``conId`` (so every leg is qualified first),
  its ratio, its action for a *bought* combo (BUY/SELL) and ``SMART``.
- The order's action is the combo's side: IB reverses every leg when a BAG is sold, as our
  domain does (:mod:`terminal.domain.combos`).
- The limit is the net price of one combo unit in IB's convention, which is ours: what buying
  one unit costs per share of the multiplier, a debit positive and a credit negative (a credit
  spread is *bought* at a negative limit). So the limit goes through unchanged, and a SELL at
  +1.20 means "sell for at least 1.20", as for any sell order. No per-leg prices
  (``orderComboLegs``) are sent: the core prices a combo as one net limit.
- IB guarantees (all legs in ratio or nothing) only SMART-routed US stock-vs-option and
  option-vs-option combos (IB knowledge base, "Non-Guaranteed Combination Orders", ibkr.info
  article 1323); for any other combo IB requires the ``NonGuaranteed`` smart-combo routing tag
  and may then fill its legs separately. Our combos are options on one underlying, with at most
  that underlying's stock, so only the currency decides: a US-dollar combo is guaranteed and is
  sent without the tag; any other is sent with ``NonGuaranteed=1`` (the adapter says so to the
  trader, and the order still counts only complete units).

Executions come back per leg (each with the leg's contract and the BAG's order id); TWS may also
report one execution of the BAG itself (secType BAG, the net price, combo units). That one
summarises the legs: :func:`is_bag_execution` finds it so it is never booked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ib_async import ComboLeg as IBComboLeg
from ib_async import Contract, TagValue

from terminal.broker.ib.mapping_contracts import ROUTING
from terminal.domain import Combo, UnknownInstrument

BAG: Final = "BAG"
#: Currencies in which IB guarantees SMART-routed stock/option and option/option combos.
GUARANTEED_CURRENCIES: Final = frozenset({"USD"})
NON_GUARANTEED: Final = "NonGuaranteed"


def bag_contract(combo: Combo, leg_contracts: Mapping[str, Contract]) -> Contract:
    """Return the BAG contract for ``combo`` from its legs' qualified contracts (by leg key).

    Raises:
        UnknownInstrument: a leg was not qualified (no contract or no conId).
    """
    legs: list[IBComboLeg] = []
    for leg in combo.legs:
        contract = leg_contracts.get(leg.instrument.key)
        if contract is None or not contract.conId:
            raise UnknownInstrument(f"{leg.instrument.key}: combo leg not qualified at IB")
        legs.append(
            IBComboLeg(
                conId=contract.conId, ratio=leg.ratio, action=leg.side.value, exchange=ROUTING
            )
        )
    return Contract(
        secType=BAG,
        symbol=combo.underlying,
        currency=combo.currency,
        exchange=ROUTING,
        comboLegs=legs,
    )


def is_guaranteed(combo: Combo) -> bool:
    """True when IB guarantees ``combo`` SMART-routed (a US stock/option or option combo)."""
    return combo.currency in GUARANTEED_CURRENCIES


def combo_routing_params(combo: Combo) -> list[TagValue]:
    """The smart-combo routing parameters IB requires for ``combo`` (none when guaranteed)."""
    return [] if is_guaranteed(combo) else [TagValue(NON_GUARANTEED, "1")]


def is_bag_execution(contract: Contract | None) -> bool:
    """True for TWS's execution of the BAG itself (the legs' executions are the trades)."""
    return contract is not None and contract.secType == BAG
