"""What an instrument is, in words a trader reads at a glance (the ticket's header).

An option key such as ``AAPL 20260109 C 230`` is exact but easy to misread as the stock; the
header says OPTION, the right spelled out, the expiry as a date with the days left, and the
contract size.
"""

from __future__ import annotations

import datetime as dt

from terminal.domain import AssetClass, Instrument, OptionRight

_KINDS = {
    AssetClass.STOCK: "STOCK",
    AssetClass.ETF: "ETF",
    AssetClass.INDEX: "INDEX",
    AssetClass.OPTION: "OPTION",
}
_RIGHTS = {OptionRight.CALL: "CALL", OptionRight.PUT: "PUT"}


def kind(instrument: Instrument) -> str:
    """``STOCK``, ``ETF``, ``INDEX`` or ``OPTION``."""
    return _KINDS.get(instrument.asset_class, instrument.asset_class.value)


def title(instrument: Instrument) -> str:
    """``AAPL`` for a stock; ``AAPL 230 CALL 09 Jan 26`` for an option."""
    if not instrument.is_option:
        return instrument.key
    strike, right, expiry = instrument.strike, instrument.right, instrument.expiry
    assert strike is not None
    assert right is not None
    assert expiry is not None
    return f"{instrument.underlying} {strike.normalize():f} {_RIGHTS[right]} {expiry:%d %b %y}"


def details(instrument: Instrument, today: dt.date) -> str:
    """The line under the title: the company for a stock; for an option its underlying,
    expiry with the days left, and the contract size."""
    if not instrument.is_option:
        return instrument.description or kind(instrument)
    assert instrument.expiry is not None
    days = (instrument.expiry - today).days
    left = "expires today" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
    if days < 0:
        left = "expired"
    size = f"{instrument.multiplier.normalize():f}"
    return (
        f"Option on {instrument.underlying} · expires {instrument.expiry:%a %d %b %Y} ({left}) · "
        f"{size} shares per contract"
    )
