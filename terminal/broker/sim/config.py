"""Configuration of the simulated exchange: universe, tick rate, latency, sessions, money."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from terminal.domain.commission import CommissionModel

#: Seconds of trading per year used to scale annual volatility (252 days × 6.5 h).
TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600


class SimConfigError(ValueError):
    """The universe file or a simulator setting is invalid."""


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """One instrument of the simulated universe."""

    symbol: str
    name: str
    price: float
    vol: float
    adv: float
    optionable: bool = False
    etf: bool = False

    def __post_init__(self) -> None:
        if not self.symbol:
            raise SimConfigError("universe: an instrument has no symbol")
        if not self.price > 0:
            raise SimConfigError(f"universe: {self.symbol}: price must be positive")
        if not 0 < self.vol < 5:
            raise SimConfigError(f"universe: {self.symbol}: vol must be in (0, 5)")
        if not self.adv > 0:
            raise SimConfigError(f"universe: {self.symbol}: adv must be positive")


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """US equity session times (market time zone). Used only when sessions are on."""

    timezone: str = "America/New_York"
    pre_open: dt.time = dt.time(4, 0)
    regular_open: dt.time = dt.time(9, 30)
    regular_close: dt.time = dt.time(16, 0)
    post_close: dt.time = dt.time(20, 0)


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Everything that shapes the simulated exchange.

    Attributes:
        universe: The instruments; defaults to the packaged ``universe.toml``.
        tick_interval: Seconds between market steps when :meth:`SimBroker.run` drives it.
        quote_fraction: Share of instruments whose quote changes in one step (0–1].
        trade_probability: Chance that an instrument whose quote changed also prints a trade.
        storm: Volatility multiplier (1 calm, 3+ a storm); also widens spreads.
        jumps_per_day: Expected price jumps per instrument per trading day.
        jump_size: Standard deviation of a jump's log-return.
        vol_of_vol: Volatility of the log-volatility process (clustering strength).
        vol_mean_reversion: Per-hour mean-reversion speed of log-volatility.
        ack_latency: Virtual seconds between a request and its acknowledgement.
        fill_latency: Virtual seconds between an execution and its report.
        sessions: Simulate pre-market, regular and after-hours sessions (else 24 h trading).
        session_times: The session boundaries when ``sessions`` is on.
        day_close: Market-time-zone time at which DAY orders expire.
        starting_cash: Cash of the simulated account.
        margin_rate: Initial margin for stock positions (0.25 gives 4× buying power).
        commissions: The commission schedule.
        price_band: Orders priced further than this fraction from the market are rejected.
        depth_levels: Levels per side in the order books.
        history_days: Days of one-minute bars generated for backfill.
        daily_history_days: Days of daily bars generated for long views.
        account_id: The simulated account's id.
        option_quote_interval: Seconds a subscribed option chain waits at least between two
            quotes (its underlying's moves in between are quoted then). The exchange prices a
            whole chain per quote, with an implied-volatility solve; quoting it on every step
            of a storm (100 a second) cost the terminal 9 ms a step for quotes no one can read.
    """

    universe: tuple[InstrumentSpec, ...] = field(default_factory=lambda: load_universe())
    tick_interval: float = 0.1
    quote_fraction: float = 0.3
    trade_probability: float = 0.5
    storm: float = 1.0
    jumps_per_day: float = 0.5
    jump_size: float = 0.02
    vol_of_vol: float = 0.8
    vol_mean_reversion: float = 2.0
    ack_latency: float = 0.0
    fill_latency: float = 0.0
    sessions: bool = False
    session_times: SessionTimes = field(default_factory=SessionTimes)
    day_close: dt.time = dt.time(16, 0)
    starting_cash: Decimal = Decimal(1_000_000)
    margin_rate: Decimal = Decimal("0.25")
    commissions: CommissionModel = field(default_factory=CommissionModel)
    price_band: float = 0.25
    depth_levels: int = 10
    history_days: int = 5
    daily_history_days: int = 500
    account_id: str = "SIM000001"
    option_quote_interval: float = 0.25

    def __post_init__(self) -> None:
        if not self.universe:
            raise SimConfigError("the universe is empty")
        symbols = [s.symbol for s in self.universe]
        if len(set(symbols)) != len(symbols):
            raise SimConfigError("the universe lists a symbol twice")
        if self.option_quote_interval < 0:
            raise SimConfigError("option_quote_interval must be zero or more")
        if self.tick_interval <= 0:
            raise SimConfigError("tick_interval must be positive")
        if not 0 < self.quote_fraction <= 1:
            raise SimConfigError("quote_fraction must be in (0, 1]")
        if not 0 <= self.trade_probability <= 1:
            raise SimConfigError("trade_probability must be in [0, 1]")
        if self.storm <= 0:
            raise SimConfigError("storm must be positive")
        if self.ack_latency < 0 or self.fill_latency < 0:
            raise SimConfigError("latencies must not be negative")
        if not 1 <= self.depth_levels <= 50:
            raise SimConfigError("depth_levels must be in 1..50")


def parse_universe(data: dict[str, Any], source: str = "universe") -> tuple[InstrumentSpec, ...]:
    """Build the instrument specs from a parsed universe TOML document."""
    rows = data.get("instrument")
    if not isinstance(rows, list) or not rows:
        raise SimConfigError(f"{source}: needs at least one [[instrument]] table")
    known = {"symbol", "name", "price", "vol", "adv", "optionable", "etf"}
    specs = []
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise SimConfigError(f"{source}: unknown keys {sorted(unknown)}")
        try:
            specs.append(
                InstrumentSpec(
                    symbol=str(row["symbol"]).strip().upper(),
                    name=str(row.get("name", row["symbol"])),
                    price=float(row["price"]),
                    vol=float(row["vol"]),
                    adv=float(row["adv"]),
                    optionable=bool(row.get("optionable", False)),
                    etf=bool(row.get("etf", False)),
                )
            )
        except KeyError as exc:
            raise SimConfigError(f"{source}: an instrument misses {exc.args[0]!r}") from None
    return tuple(specs)


def load_universe(path: Path | str | None = None) -> tuple[InstrumentSpec, ...]:
    """Read a universe TOML file (the packaged default when ``path`` is None)."""
    if path is None:
        text = resources.files(__package__).joinpath("universe.toml").read_text("utf-8")
        return parse_universe(tomllib.loads(text), "universe.toml")
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SimConfigError(f"{path}: {exc}") from None
    return parse_universe(data, str(path))


def synthetic_universe(count: int, seed: int = 0) -> tuple[InstrumentSpec, ...]:
    """Return ``count`` made-up instruments (benchmarks and large tests)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    prices = np.round(np.exp(rng.uniform(np.log(5), np.log(800), count)), 2)
    vols = rng.uniform(0.12, 0.7, count)
    advs = np.exp(rng.uniform(np.log(2e5), np.log(5e7), count))
    return tuple(
        InstrumentSpec(f"SYM{i:04d}", f"Synthetic {i}", float(p), float(v), float(a), i % 10 == 0)
        for i, (p, v, a) in enumerate(zip(prices, vols, advs, strict=True))
    )
