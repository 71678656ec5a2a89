"""Fakes and builders shared by the risk tests (no tests live here).

The fakes implement the QuoteLookup and PortfolioView protocols of terminal.risk.context with
plain dictionaries, so each test states the market and the book it needs in one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import count

from terminal.domain import (
    Instrument,
    ManualClock,
    OptionQuote,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    Quote,
    RiskReason,
    Verdict,
)
from terminal.risk import RiskEngine, TradingStateMachine
from terminal.settings import RiskLimits

AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
AAPL_CALL = Instrument.option("AAPL", dt.date(2026, 3, 20), 150, "C")

#: Monday 5 January 2026, 11:00 in New York (EST): a plain trading morning.
TRADING_MORNING = dt.datetime(2026, 1, 5, 16, 0, tzinfo=dt.UTC)


class FakeQuotes:
    """A last-quote cache backed by a dict."""

    def __init__(self, *quotes: Quote) -> None:
        self.quotes = {q.key: q for q in quotes}

    def last_quote(self, key: str) -> Quote | None:
        return self.quotes.get(key)

    def set(self, quote: Quote) -> None:
        self.quotes[quote.key] = quote


class FakeOptionQuotes:
    """An option-quote cache (with the feed's Greeks) backed by a dict."""

    def __init__(self) -> None:
        self.quotes: dict[str, OptionQuote] = {}

    def last_option_quote(self, key: str) -> OptionQuote | None:
        return self.quotes.get(key)

    def set(self, quote: OptionQuote) -> None:
        self.quotes[quote.key] = quote


@dataclass
class FakePortfolio:
    """Positions and marks in dicts; gross exposure is computed from them unless overridden."""

    cash_equity: Decimal = Decimal(10_000_000)
    pnl: Decimal = Decimal(0)
    held: dict[str, Position] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)
    gross_override: Decimal | None = None
    day_pnl_established: bool = True

    def hold(self, instrument: Instrument, quantity: int | str, mark: str | None = None) -> None:
        self.held[instrument.key] = Position(instrument, Decimal(quantity), Decimal(mark or 0))
        if mark is not None:
            self.marks[instrument.key] = Decimal(mark)

    def position(self, key: str) -> Position | None:
        return self.held.get(key)

    def positions(self) -> Iterable[Position]:
        return self.held.values()

    def equity(self) -> Decimal:
        return self.cash_equity

    def gross_exposure(self) -> Decimal:
        if self.gross_override is not None:
            return self.gross_override
        return sum(
            (abs(p.market_value(self.marks.get(k, Decimal(0)))) for k, p in self.held.items()),
            Decimal(0),
        )

    def day_pnl(self) -> Decimal:
        return self.pnl

    def mark(self, key: str) -> Decimal | None:
        return self.marks.get(key)


def quote(
    key: str = "AAPL",
    bid: float = 149.99,
    ask: float = 150.01,
    last: float = 150.0,
) -> Quote:
    return Quote(key, bid=bid, ask=ask, last=last)


def limit_buy(qty: int | str = 100, price: str = "150.00", inst: Instrument = AAPL) -> OrderIntent:
    return OrderIntent(inst, OrderSide.BUY, Decimal(qty), OrderType.LIMIT, Decimal(price))


def limit_sell(qty: int | str = 100, price: str = "150.00", inst: Instrument = AAPL) -> OrderIntent:
    return OrderIntent(inst, OrderSide.SELL, Decimal(qty), OrderType.LIMIT, Decimal(price))


def market(side: OrderSide, qty: int | str = 100, inst: Instrument = AAPL) -> OrderIntent:
    return OrderIntent(inst, side, Decimal(qty), OrderType.MARKET)


_ids = count(1)


def working(intent: OrderIntent, status: OrderStatus = OrderStatus.ACCEPTED) -> Order:
    """Return an order for ``intent`` that is at the broker."""
    return Order(f"T{next(_ids)}", intent, status, TRADING_MORNING, TRADING_MORNING)


class Desk:
    """A risk engine wired to fakes, with the market at AAPL 149.99 / 150.01, last 150."""

    def __init__(self, limits: RiskLimits | None = None, when: dt.datetime = TRADING_MORNING):
        self.clock = ManualClock(when)
        self.quotes = FakeQuotes(quote(), quote("MSFT", 399.9, 400.1, 400.0))
        self.option_quotes = FakeOptionQuotes()
        self.portfolio = FakePortfolio()
        self.state = TradingStateMachine(self.clock)
        self.engine = RiskEngine(
            limits or RiskLimits(),
            self.clock,
            self.quotes,
            self.portfolio,
            self.state,
            self.option_quotes,
        )

    def limits(self, **changes: object) -> None:
        self.engine.update_limits(replace(self.engine.limits, **changes))  # type: ignore[arg-type]

    def check(self, intent: OrderIntent, open_orders: Sequence[Order] = ()) -> Verdict:
        return self.engine.check(intent, open_orders)

    def reasons(
        self, intent: OrderIntent, rule: str, open_orders: Sequence[Order] = ()
    ) -> list[RiskReason]:
        """Return only the reasons ``rule`` gave for ``intent``."""
        return [r for r in self.check(intent, open_orders).reasons if r.rule == rule]

    def stage(self, intent: OrderIntent) -> Verdict:
        """Check then record, as the order manager does when a trader stages an order."""
        verdict = self.check(intent)
        self.engine.record_staged(intent)
        return verdict
