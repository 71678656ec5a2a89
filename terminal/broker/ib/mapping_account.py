"""IB positions and account values -> broker positions and an account snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Final

from ib_async import AccountValue
from ib_async import Position as IBPosition

from terminal.broker.base import BrokerPosition
from terminal.broker.ib.mapping_values import decimal_or_none, tidy_decimal
from terminal.domain import AccountSnapshot, Instrument
from terminal.domain.values import ZERO, money

#: Snapshot field -> IB account tags, the first one present wins.
ACCOUNT_TAGS: Final[dict[str, tuple[str, ...]]] = {
    "equity": ("NetLiquidation",),
    "cash": ("TotalCashValue",),
    "buying_power": ("BuyingPower",),
    "margin_used": ("MaintMarginReq", "InitMarginReq"),
    "realized_pnl": ("RealizedPnL",),
    "unrealized_pnl": ("UnrealizedPnL",),
}
#: Currencies in order of preference; after them, the account's own currency (e.g. EUR).
PREFERRED_CURRENCIES: Final = ("USD", "BASE")
#: No account holds 10**18 of anything: such a value is IB's unset double written as text.
ABSURD_AMOUNT: Final = Decimal(10**18)


def position_from_ib(position: IBPosition, instrument: Instrument) -> BrokerPosition:
    """Return IB's position in ``instrument``, its average cost as a price per unit.

    IB's ``avgCost`` includes the multiplier (an option bought at 1.50 costs 150 a contract),
    so it is divided by the instrument's multiplier.
    """
    quantity = decimal_or_none(position.position, signed=True) or ZERO
    cost = decimal_or_none(position.avgCost) or ZERO
    return BrokerPosition(
        instrument=instrument,
        quantity=quantity,
        avg_cost=tidy_decimal(cost / instrument.multiplier),
    )


def account_from_values(
    account_id: str, values: Iterable[AccountValue], time: dt.datetime | None
) -> AccountSnapshot:
    """Return the snapshot of ``account_id`` from IB's account values.

    Values of other accounts, of model portfolios and that do not parse as numbers are
    ignored; a tag IB did not send stays 0.
    """
    found: dict[tuple[str, str], Decimal] = {}
    currencies: list[str] = []
    for value in values:
        if value.account != account_id or value.modelCode:
            continue
        number = _number(value.value)
        if number is None:
            continue
        found[(value.tag, value.currency)] = number
        if value.currency and value.currency not in currencies:
            currencies.append(value.currency)
    order: list[str] = [c for c in PREFERRED_CURRENCIES if c in currencies]
    order += [c for c in currencies if c not in PREFERRED_CURRENCIES]
    fields: dict[str, Decimal] = {}
    currency = "USD"
    for field, tags in ACCOUNT_TAGS.items():
        hit = next(((t, c) for t in tags for c in order if (t, c) in found), None)
        if hit is None:
            continue
        fields[field] = money(found[hit])
        if field == "equity" and hit[1] != "BASE":
            currency = hit[1]
    return AccountSnapshot(
        account_id=account_id,
        currency=currency,
        cash=fields.get("cash", ZERO),
        equity=fields.get("equity", ZERO),
        buying_power=fields.get("buying_power", ZERO),
        margin_used=fields.get("margin_used", ZERO),
        realized_pnl=fields.get("realized_pnl", ZERO),
        unrealized_pnl=fields.get("unrealized_pnl", ZERO),
        time=time,
    )


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not number.is_finite() or abs(number) >= ABSURD_AMOUNT:
        return None
    return number
