"""ib_async market data (tickers, depth, option computations, bars) -> domain market values.

Every price goes through :func:`clean_price`, so IB's "no value" markers (``nan``, ``-1``,
unset doubles) show as NaN and never as a price. Sizes keep 0 (a real size) but lose sentinels.

One deliberate exception: an option bid of exactly 0 with a positive bid size is kept as 0.0.
It is a real quote (the market pays nothing for a worthless option; ib_async has already turned
"no bid", which IB sends as size 0, into -1), and a risk check valuing a short option at its bid
must see 0, not "unknown". Ask and last prices of 0 are never real and become NaN.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Sequence
from typing import Final
from zoneinfo import ZoneInfo

from ib_async import BarData, DOMLevel, OptionComputation, RealTimeBar, Ticker

from terminal.broker.ib.mapping_values import (
    NAN,
    clean_float,
    clean_price,
    clean_size,
    finite_or_nan,
    utc_or_none,
)
from terminal.domain import Bar, DepthBook, DepthLevel, Greeks, OptionQuote, Quote, Trade

#: IB market data types 3 (delayed) and 4 (delayed-frozen).
DELAYED_TYPES: Final = frozenset({3, 4})
#: Daily bars are dated by exchange day; a day starts at midnight in New York.
EXCHANGE_TZ: Final = ZoneInfo("America/New_York")
#: IB's "not computed" marker for delta, gamma, vega and theta.
NOT_COMPUTED: Final = -2.0


def quote_from_ticker(key: str, ticker: Ticker, stamp: float) -> Quote:
    """Return the level-1 quote in ``ticker``; a size whose price is missing is missing too."""
    bid, ask, last = clean_price(ticker.bid), clean_price(ticker.ask), clean_price(ticker.last)
    return Quote(
        key=key,
        bid=bid,
        ask=ask,
        last=last,
        bid_size=_size_with(bid, ticker.bidSize),
        ask_size=_size_with(ask, ticker.askSize),
        last_size=_size_with(last, ticker.lastSize),
        volume=clean_size(ticker.volume),
        prev_close=clean_price(ticker.close),
        time=utc_or_none(ticker.time),
        stamp=stamp,
        delayed=ticker.marketDataType in DELAYED_TYPES,
    )


def trade_from_ticker(key: str, ticker: Ticker) -> Trade | None:
    """Return the last trade print in ``ticker``, or ``None`` without a price, size or time.

    The ticker keeps its last print across updates: call this only for an update that carried
    a last-price tick (tick types 4 and 68), or the same print is reported twice.
    """
    price, size, time = (
        clean_price(ticker.last),
        clean_size(ticker.lastSize),
        utc_or_none(ticker.time),
    )
    if math.isnan(price) or not size > 0 or time is None:
        return None
    return Trade(key=key, price=price, size=size, time=time)


def depth_from_ticker(key: str, ticker: Ticker, stamp: float, levels: int) -> DepthBook:
    """Return the book in ``ticker`` (best first, at most ``levels`` a side).

    SMART depth lists one row per venue, so rows at the same price are merged into one level
    holding their total size; rows without a price or a positive size are dropped.
    """
    return DepthBook(
        key=key,
        bids=_book_side(ticker.domBids, levels, best_is_highest=True),
        asks=_book_side(ticker.domAsks, levels, best_is_highest=False),
        time=utc_or_none(ticker.time),
        stamp=stamp,
    )


def option_quote_from_ticker(key: str, ticker: Ticker, stamp: float) -> OptionQuote:
    """Return the quote, implied volatility and Greeks of an option ticker.

    Greeks come from IB's model computation, else the average of the bid and ask computations,
    else the last-trade computation; each value is checked against its valid range.
    """
    values = _computation(ticker)
    return OptionQuote(
        key=key,
        bid=_option_bid(ticker),
        ask=clean_price(ticker.ask),
        last=clean_price(ticker.last),
        iv=values["impliedVol"],
        greeks=Greeks(
            delta=values["delta"],
            gamma=values["gamma"],
            theta=values["theta"],
            vega=values["vega"],
        ),
        volume=clean_size(ticker.volume),
        open_interest=_open_interest(ticker),
        underlying_price=values["undPrice"],
        stamp=stamp,
    )


def bar_from_ib(bar: BarData | RealTimeBar) -> Bar:
    """Return a historical, kept-up-to-date or 5-second real-time bar as a domain bar.

    Intraday bars start at their (UTC) time; a daily bar, dated by exchange day, starts at
    midnight New York time. A missing volume (IB sends -1 for indices) is 0.
    """
    if isinstance(bar, RealTimeBar):
        start: dt.date = bar.time
        open_ = bar.open_
    else:
        start = bar.date
        open_ = bar.open
    return Bar(
        start=_bar_start(start),
        open=clean_price(open_),
        high=clean_price(bar.high),
        low=clean_price(bar.low),
        close=clean_price(bar.close),
        volume=_volume(bar.volume),
    )


# -- helpers ------------------------------------------------------------------------------------


def _size_with(price: float, size: object) -> float:
    return NAN if math.isnan(price) else clean_size(size)


def _book_side(
    rows: Sequence[DOMLevel], levels: int, *, best_is_highest: bool
) -> tuple[DepthLevel, ...]:
    sizes: dict[float, float] = {}
    for row in rows:
        price, size = clean_price(row.price), clean_size(row.size)
        if not math.isnan(price) and size > 0:
            sizes[price] = sizes.get(price, 0.0) + size
    best_first = sorted(sizes.items(), reverse=best_is_highest)[: max(levels, 0)]
    return tuple(DepthLevel(price=price, size=size) for price, size in best_first)


def _option_bid(ticker: Ticker) -> float:
    bid = clean_float(ticker.bid)
    if bid == 0 and clean_size(ticker.bidSize) > 0:
        return 0.0
    return bid if bid > 0 else NAN


def _open_interest(ticker: Ticker) -> float:
    """IB reports an option's open interest as call or put open interest (ticks 27/28)."""
    direct = clean_size(ticker.openInterest)
    if not math.isnan(direct):
        return direct
    right = ticker.contract.right[:1].upper() if ticker.contract is not None else ""
    if right == "C":
        return clean_size(ticker.callOpenInterest)
    if right == "P":
        return clean_size(ticker.putOpenInterest)
    return NAN


def _positive(value: object) -> float:
    number = finite_or_nan(value)
    return number if number > 0 else NAN


def _delta(value: object) -> float:
    number = finite_or_nan(value)
    return number if -1 <= number <= 1 else NAN


def _not_negative(value: object) -> float:
    number = finite_or_nan(value)
    return number if number >= 0 else NAN


def _theta(value: object) -> float:
    number = finite_or_nan(value)
    return NAN if number == NOT_COMPUTED else number


#: Each field of an IB option computation and the check that keeps only valid values.
_CHECKS: Final[dict[str, Callable[[object], float]]] = {
    "impliedVol": _positive,
    "delta": _delta,
    "gamma": _not_negative,
    "vega": _not_negative,
    "theta": _theta,
    "undPrice": clean_price,
}
_NOTHING: Final = dict.fromkeys(_CHECKS, NAN)


def _checked(computation: OptionComputation | None) -> dict[str, float] | None:
    """The computation's valid values, or ``None`` when it has neither volatility nor delta."""
    if computation is None:
        return None
    values = {name: check(getattr(computation, name)) for name, check in _CHECKS.items()}
    if math.isnan(values["impliedVol"]) and math.isnan(values["delta"]):
        return None
    return values


def _computation(ticker: Ticker) -> dict[str, float]:
    model = _checked(ticker.modelGreeks)
    if model is not None:
        return model
    sides = [v for v in (_checked(ticker.bidGreeks), _checked(ticker.askGreeks)) if v is not None]
    if sides:
        return {name: _mean([side[name] for side in sides]) for name in _CHECKS}
    return _checked(ticker.lastGreeks) or dict(_NOTHING)


def _mean(values: list[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return statistics.fmean(known) if known else NAN


def _bar_start(start: dt.date) -> dt.datetime:
    if isinstance(start, dt.datetime):
        return start.replace(tzinfo=dt.UTC) if start.tzinfo is None else start.astimezone(dt.UTC)
    return dt.datetime.combine(start, dt.time(), EXCHANGE_TZ).astimezone(dt.UTC)


def _volume(value: object) -> float:
    volume = clean_size(value)
    return 0.0 if math.isnan(volume) else volume
