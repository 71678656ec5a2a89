"""The gateway's reference data: a few US stocks and an option chain on two of them.

conIds of the stocks are the real ones (AAPL 265598, MSFT 272093, SPY 756733); option conIds are
made up, stable for a given day. Option expiries are Fridays after today, strikes a band around
the stock's starting price, so a chain request always shows a live-looking chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_TICK = 0.01
STOCK_EXCHANGES = ("SMART", "AMEX", "NYSE", "CBOE", "ARCA", "ISLAND", "BATS", "IEX")
OPTION_EXCHANGES = ("SMART", "CBOE", "AMEX", "ISE", "PHLX", "BOX", "MIAX")
OPTION_CHAIN_EXCHANGES = ("SMART", "CBOE", "AMEX")
"""Exchanges reqSecDefOptParams lists a chain for (real TWS sends one message per exchange)."""


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """The 12 contract fields a request carries; empty or zero means "not given"."""

    con_id: int = 0
    symbol: str = ""
    sec_type: str = ""
    last_trade_date: str = ""
    strike: float = 0.0
    right: str = ""
    multiplier: str = ""
    exchange: str = ""
    primary_exchange: str = ""
    currency: str = ""
    local_symbol: str = ""
    trading_class: str = ""


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable contract as TWS describes it in contractDetails."""

    con_id: int
    symbol: str
    sec_type: str
    primary_exchange: str
    local_symbol: str
    trading_class: str
    market_name: str
    long_name: str
    valid_exchanges: tuple[str, ...]
    stock_type: str = ""
    currency: str = "USD"
    min_tick: float = MIN_TICK
    multiplier: str = ""
    expiry: str = ""
    strike: float = 0.0
    right: str = ""
    underlying_con_id: int = 0
    underlying_symbol: str = ""
    isin: str = ""
    industry: str = ""
    category: str = ""
    subcategory: str = ""

    @property
    def is_option(self) -> bool:
        """True for an option (priced from its underlying)."""
        return self.sec_type == "OPT"

    @property
    def contract_multiplier(self) -> float:
        """Shares per contract: 100 for options, 1 for stocks."""
        return float(self.multiplier) if self.multiplier else 1.0


@dataclass(frozen=True, slots=True)
class StockSeed:
    """A stock in the default universe, with its starting price and volatility."""

    symbol: str
    con_id: int
    price: float
    primary_exchange: str
    long_name: str
    stock_type: str
    market_name: str
    isin: str
    industry: str
    category: str
    subcategory: str
    volatility: float
    has_options: bool = False
    currency: str = "USD"


DEFAULT_STOCKS = (
    StockSeed(
        "AAPL",
        265598,
        190.00,
        "NASDAQ",
        "APPLE INC",
        "COMMON",
        "NMS",
        "US0378331005",
        "Technology",
        "Computers",
        "Computers",
        0.28,
        has_options=True,
    ),
    StockSeed(
        "MSFT",
        272093,
        420.00,
        "NASDAQ",
        "MICROSOFT CORP",
        "COMMON",
        "NMS",
        "US5949181045",
        "Technology",
        "Software",
        "Applications Software",
        0.25,
    ),
    StockSeed(
        "SPY",
        756733,
        500.00,
        "ARCA",
        "SPDR S&P 500 ETF TRUST",
        "ETF",
        "SPY",
        "US78462F1030",
        "Funds",
        "Equity Fund",
        "Growth&Income-Large Cap",
        0.15,
        has_options=True,
    ),
)


def option_expiries(today: dt.date) -> list[str]:
    """The next three Fridays and the two monthly (third-Friday) expiries after them."""
    fridays: list[dt.date] = []
    day = today + dt.timedelta(days=1)
    while len(fridays) < 3:
        if day.weekday() == 4:
            fridays.append(day)
        day += dt.timedelta(days=1)
    monthly: list[dt.date] = []
    year, month = fridays[-1].year, fridays[-1].month
    while len(monthly) < 2:
        third = _third_friday(year, month)
        if third > fridays[-1]:
            monthly.append(third)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [d.strftime("%Y%m%d") for d in sorted(set(fridays + monthly))]


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def option_strikes(price: float) -> list[float]:
    """Strikes every 5 from 80 % to 120 % of the price (the band a chain usually shows)."""
    low, high = int(price * 0.8 // 5) * 5, int(price * 1.2 // 5 + 1) * 5
    return [float(k) for k in range(low, high + 1, 5)]


def occ_symbol(symbol: str, expiry: str, right: str, strike: float) -> str:
    """The OCC local symbol IB shows for US options, e.g. ``AAPL  250117C00190000``."""
    return f"{symbol:<6}{expiry[2:]}{right}{round(strike * 1000):08d}"


@dataclass
class Universe:
    """Every instrument the gateway knows, by conId and by symbol."""

    today: dt.date
    by_con_id: dict[int, Instrument] = field(default_factory=dict)
    stocks: dict[str, Instrument] = field(default_factory=dict)
    seeds: dict[str, StockSeed] = field(default_factory=dict)
    options: dict[str, list[Instrument]] = field(default_factory=dict)
    _next_option_con_id: int = 700_000_001

    @classmethod
    def default(cls, today: dt.date, stocks: Iterable[StockSeed] = DEFAULT_STOCKS) -> Universe:
        """The standard universe: AAPL, MSFT, SPY; options on AAPL and SPY."""
        universe = cls(today)
        for seed in stocks:
            universe.add_stock(seed)
        return universe

    def add_stock(self, seed: StockSeed) -> Instrument:
        """Add a stock (and its option chain when ``seed.has_options``)."""
        if seed.symbol in self.stocks or seed.con_id in self.by_con_id:
            raise ValueError(f"{seed.symbol} / conId {seed.con_id} already exists")
        stock = Instrument(
            con_id=seed.con_id,
            symbol=seed.symbol,
            sec_type="STK",
            primary_exchange=seed.primary_exchange,
            local_symbol=seed.symbol,
            trading_class=seed.market_name,
            market_name=seed.market_name,
            long_name=seed.long_name,
            valid_exchanges=STOCK_EXCHANGES,
            stock_type=seed.stock_type,
            isin=seed.isin,
            industry=seed.industry,
            category=seed.category,
            subcategory=seed.subcategory,
            currency=seed.currency,
        )
        self.stocks[seed.symbol] = stock
        self.seeds[seed.symbol] = seed
        self.by_con_id[stock.con_id] = stock
        if seed.has_options:
            self.options[seed.symbol] = self._make_options(stock, seed.price)
        return stock

    def _make_options(self, stock: Instrument, price: float) -> list[Instrument]:
        chain: list[Instrument] = []
        for expiry in option_expiries(self.today):
            for strike in option_strikes(price):
                for right in ("C", "P"):
                    option = Instrument(
                        con_id=self._next_option_con_id,
                        symbol=stock.symbol,
                        sec_type="OPT",
                        primary_exchange="",
                        local_symbol=occ_symbol(stock.symbol, expiry, right, strike),
                        trading_class=stock.symbol,
                        market_name=stock.symbol,
                        long_name=stock.long_name,
                        valid_exchanges=OPTION_EXCHANGES,
                        multiplier="100",
                        expiry=expiry,
                        strike=strike,
                        right=right,
                        underlying_con_id=stock.con_id,
                        underlying_symbol=stock.symbol,
                        industry=stock.industry,
                        category=stock.category,
                        subcategory=stock.subcategory,
                        currency=stock.currency,
                    )
                    self._next_option_con_id += 1
                    self.by_con_id[option.con_id] = option
                    chain.append(option)
        return chain

    def underlying(self, instrument: Instrument) -> Instrument:
        """The stock an instrument is priced from (itself for a stock)."""
        if instrument.is_option:
            return self.by_con_id[instrument.underlying_con_id]
        return instrument

    def chain(self, symbol: str) -> tuple[list[str], list[float]]:
        """Expiries and strikes listed for options on ``symbol`` (empty when none)."""
        options = self.options.get(symbol, [])
        return (
            sorted({o.expiry for o in options}),
            sorted({o.strike for o in options}),
        )

    def match(self, spec: ContractSpec) -> list[Instrument]:
        """Every instrument a (possibly partial) contract description names."""
        if spec.con_id > 0:
            found = self.by_con_id.get(spec.con_id)
            candidates = [found] if found else []
        elif spec.symbol:
            symbol = spec.symbol.upper()
            candidates = [self.stocks[symbol]] if symbol in self.stocks else []
            candidates += self.options.get(symbol, [])
        elif spec.local_symbol:
            candidates = [i for i in self.by_con_id.values() if i.local_symbol == spec.local_symbol]
        else:
            candidates = []
        return [i for i in candidates if _fits(i, spec)]


def _fits(inst: Instrument, spec: ContractSpec) -> bool:
    right = {"CALL": "C", "PUT": "P", "?": ""}.get(spec.right.upper(), spec.right.upper())
    checks = (
        not spec.sec_type or spec.sec_type.upper() == inst.sec_type,
        not spec.last_trade_date or inst.expiry.startswith(spec.last_trade_date),
        not spec.strike or abs(spec.strike - inst.strike) < 1e-6,
        not right or right == inst.right,
        not spec.multiplier or spec.multiplier == inst.multiplier,
        not spec.exchange or spec.exchange.upper() in inst.valid_exchanges,
        not spec.currency or spec.currency.upper() == inst.currency,
        not spec.local_symbol or spec.local_symbol == inst.local_symbol,
        not spec.trading_class or spec.trading_class == inst.trading_class,
        inst.is_option
        or not spec.primary_exchange
        or spec.primary_exchange.upper() in _primary_aliases(inst.primary_exchange),
    )
    return all(checks)


def _primary_aliases(primary: str) -> set[str]:
    # IB still accepts the old name ISLAND for NASDAQ listings.
    return {primary, "ISLAND"} if primary == "NASDAQ" else {primary}
