"""The simulated market: every instrument's price, spread, book and prints as numpy arrays.

One :meth:`Market.step` moves the whole universe at once (no Python loop over instruments):
log-normal returns whose volatility follows a mean-reverting log-volatility process (clustering),
Poisson jumps that also lift volatility, spreads that widen with price, illiquidity and
volatility, ten-level books whose sizes drift around a liquidity-dependent target, and trade
prints at the touch. Prices are kept in integer ticks so the books and fills are exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from terminal.broker.sim.config import TRADING_SECONDS_PER_YEAR, SimConfig

type FloatArray = npt.NDArray[np.float64]
type IntArray = npt.NDArray[np.int64]
type BoolArray = npt.NDArray[np.bool_]

_TRADING_DAY_SECONDS = 6.5 * 3600


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one market step changed.

    Attributes:
        quoted: Indices of instruments whose quote (and book) changed.
        traded: Indices of instruments that printed a trade, one print each.
        trade_ticks: Trade prices in ticks, aligned with ``traded``.
        trade_sizes: Trade sizes, aligned with ``traded``.
        trade_sides: Aggressor side (+1 buyer lifted the offer, -1 seller hit the bid).
        stamp: ``time.perf_counter()`` when the venue made the step (0: unknown, stamp when
            published). A market process stamps its steps, so tick-to-pixels counts the wire.
    """

    quoted: IntArray
    traded: IntArray
    trade_ticks: IntArray
    trade_sizes: FloatArray
    trade_sides: IntArray
    stamp: float = 0.0


class Market:
    """The state of every instrument, advanced in vectorised steps.

    Args:
        config: The simulator configuration (universe, storm, jumps, depth).
        rng: The random generator; the market draws only from it, so a seed fixes the path.
    """

    def __init__(self, config: SimConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.rng = rng
        specs = config.universe
        self.symbols: list[str] = [s.symbol for s in specs]
        self.index: dict[str, int] = {s: i for i, s in enumerate(self.symbols)}
        n = len(specs)
        self.n = n
        self.levels = config.depth_levels
        self.tick = np.full(n, 0.01)
        self.base_vol: FloatArray = np.array([s.vol for s in specs], dtype=np.float64)
        self.adv: FloatArray = np.array([s.adv for s in specs], dtype=np.float64)
        self.mid: FloatArray = np.array([s.price for s in specs], dtype=np.float64)
        self.start_price: FloatArray = self.mid.copy()
        self.logvol: FloatArray = np.zeros(n)
        self.halted: BoolArray = np.zeros(n, dtype=np.bool_)
        dollar_adv = self.adv * self.mid
        self._spread_frac: FloatArray = 2e-5 + 5.0 / np.sqrt(dollar_adv)
        lot = np.clip(np.round(self.adv / 23_400 * 4 / 100) * 100, 100, 50_000)
        growth = 1 + 0.15 * np.arange(self.levels)
        self._target: FloatArray = lot[:, None] * growth[None, :]
        self.bid_sizes: FloatArray = self._target.copy()
        self.ask_sizes: FloatArray = self._target.copy()
        self.bid_ticks: IntArray = np.zeros(n, dtype=np.int64)
        self.ask_ticks: IntArray = np.zeros(n, dtype=np.int64)
        self._requote(np.arange(n), jitter=False)
        self.last: FloatArray = (self.bid_ticks + self.ask_ticks) / 2 * self.tick
        self.last_size: FloatArray = np.zeros(n)
        self.volume: FloatArray = np.zeros(n)
        self.prev_close: FloatArray = self.start_price.copy()

    # -- derived views ----------------------------------------------------------------------------
    @property
    def bid(self) -> FloatArray:
        """Best bids as prices."""
        return np.asarray(self.bid_ticks * self.tick, dtype=np.float64)

    @property
    def ask(self) -> FloatArray:
        """Best asks as prices."""
        return np.asarray(self.ask_ticks * self.tick, dtype=np.float64)

    @property
    def sigma(self) -> FloatArray:
        """Current annualised volatility of every instrument."""
        return np.asarray(self.base_vol * np.exp(self.logvol) * self.config.storm, np.float64)

    def touch_mid(self, i: int) -> float:
        """Return the midpoint of instrument ``i``'s best bid and ask."""
        return float((self.bid_ticks[i] + self.ask_ticks[i]) / 2 * self.tick[i])

    # -- evolution --------------------------------------------------------------------------------
    def step(self, dt: float, activity: float = 1.0) -> StepResult:
        """Advance every instrument by ``dt`` seconds.

        Args:
            dt: Elapsed market time in seconds.
            activity: Scales the share of instruments that requote (extended hours are quieter).
        """
        cfg, rng, n = self.config, self.rng, self.n
        live = ~self.halted
        hours = dt / 3600
        # Volatility clustering: mean-reverting log-volatility.
        shocks = rng.standard_normal((3, n))
        self.logvol += np.where(
            live,
            -cfg.vol_mean_reversion * self.logvol * hours
            + cfg.vol_of_vol * np.sqrt(hours) * shocks[0],
            0.0,
        )
        np.clip(self.logvol, -1.5, 2.0, out=self.logvol)
        sig = self.sigma * np.sqrt(dt / TRADING_SECONDS_PER_YEAR)
        ret = sig * shocks[1] - 0.5 * sig * sig
        jump_count = rng.poisson(cfg.jumps_per_day * dt / _TRADING_DAY_SECONDS, n)
        jumped = jump_count > 0
        if jumped.any():
            sizes = rng.normal(0.0, cfg.jump_size, n) * jumped
            ret += sizes
            self.logvol += np.abs(sizes) * 15
        self.mid *= np.exp(np.where(live, ret, 0.0))
        # Which instruments requote, and which of those print a trade.
        draws = rng.random((2, n))
        quoted_mask = live & (draws[0] < cfg.quote_fraction * activity)
        quoted = np.flatnonzero(quoted_mask).astype(np.int64)
        self._requote(quoted, jitter=True)
        self._evolve_sizes(quoted, dt)
        traded = quoted[draws[1][quoted] < cfg.trade_probability]
        return self._print_trades(quoted, traded, ret[traded])

    def _requote(self, idx: IntArray, *, jitter: bool) -> None:
        if idx.size == 0:
            return
        tick = self.tick[idx]
        widen = (0.6 + 0.4 * np.exp(self.logvol[idx])) * self.config.storm
        spread = np.maximum(1, np.round(self.mid[idx] * self._spread_frac[idx] * widen / tick))
        if jitter:
            spread += self.rng.random(idx.size) < 0.2
        spread = spread.astype(np.int64)
        bid = np.floor(self.mid[idx] / tick - spread / 2).astype(np.int64)
        self.bid_ticks[idx] = np.maximum(bid, 1)
        self.ask_ticks[idx] = self.bid_ticks[idx] + spread

    def _evolve_sizes(self, idx: IntArray, dt: float) -> None:
        if idx.size == 0:
            return
        pull = min(1.0, 0.2 * dt)
        for sizes in (self.bid_sizes, self.ask_sizes):
            target = self._target[idx]
            noise = self.rng.normal(0.0, 0.15, target.shape) * target
            rows = sizes[idx] + pull * (target - sizes[idx]) + noise * min(1.0, np.sqrt(dt))
            sizes[idx] = np.maximum(np.round(rows / 100) * 100, 100)

    def _print_trades(self, quoted: IntArray, idx: IntArray, ret: FloatArray) -> StepResult:
        k = idx.size
        buy_prob = np.clip(0.5 + np.sign(ret) * 0.15, 0.0, 1.0)
        sides = np.where(self.rng.random(k) < buy_prob, 1, -1).astype(np.int64)
        raw = np.exp(self.rng.normal(np.log(150), 1.0, k))
        lots = self.rng.random(k) < 0.7
        sizes = np.where(
            lots, np.maximum(np.round(raw / 100), 1) * 100, np.maximum(np.round(raw), 1)
        )
        touch = np.where(sides > 0, self.ask_sizes[idx, 0], self.bid_sizes[idx, 0])
        sizes = np.minimum(sizes, touch).astype(np.float64)
        ticks = np.where(sides > 0, self.ask_ticks[idx], self.bid_ticks[idx]).astype(np.int64)
        self.last[idx] = ticks * self.tick[idx]
        self.last_size[idx] = sizes
        self.volume[idx] += sizes
        return StepResult(
            quoted=quoted,
            traded=idx,
            trade_ticks=ticks,
            trade_sizes=sizes,
            trade_sides=sides,
        )

    # -- liquidity taken by the matching engine ----------------------------------------------------
    def take(
        self, i: int, side: int, quantity: float, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        """Take up to ``quantity`` from instrument ``i``'s book, walking levels.

        Args:
            i: Instrument index.
            side: +1 to buy (take offers), -1 to sell (hit bids).
            quantity: Quantity wanted.
            limit_ticks: Worst acceptable price in ticks, or None for a market order.

        Returns:
            ``(price_ticks, size)`` per level taken, best first. Taken liquidity leaves the book:
            an emptied touch level moves the quote (market impact).
        """
        fills: list[tuple[int, float]] = []
        remaining = quantity
        sizes = self.ask_sizes if side > 0 else self.bid_sizes
        for level in range(self.levels):
            price = int(self.ask_ticks[i] + level if side > 0 else self.bid_ticks[i] - level)
            if remaining <= 0 or price <= 0:
                break
            if limit_ticks is not None and (
                price > limit_ticks if side > 0 else price < limit_ticks
            ):
                break
            size = float(min(sizes[i, level], remaining))
            if size > 0:
                fills.append((price, size))
                sizes[i, level] -= size
                remaining -= size
        self._collapse_touch(i, side)
        return fills

    def book_levels(self, i: int, side: int) -> list[tuple[int, float]]:
        """Return ``(price_ticks, size)`` of instrument ``i``'s book on the taker's ``side``."""
        sizes = self.ask_sizes[i] if side > 0 else self.bid_sizes[i]
        found = []
        for level in range(self.levels):
            price = int(self.ask_ticks[i] + level if side > 0 else self.bid_ticks[i] - level)
            if price <= 0:
                break
            if sizes[level] > 0:
                found.append((price, float(sizes[level])))
        return found

    def available(self, i: int, side: int, limit_ticks: int | None) -> float:
        """Return the quantity a taker on ``side`` could get at or better than ``limit_ticks``."""
        sizes = self.ask_sizes[i] if side > 0 else self.bid_sizes[i]
        if limit_ticks is None:
            return float(sizes.sum())
        offsets = np.arange(self.levels)
        prices = self.ask_ticks[i] + offsets if side > 0 else self.bid_ticks[i] - offsets
        ok = prices <= limit_ticks if side > 0 else (prices >= limit_ticks) & (prices > 0)
        return float(sizes[ok].sum())

    def _collapse_touch(self, i: int, side: int) -> None:
        sizes = self.ask_sizes if side > 0 else self.bid_sizes
        empty = 0
        while empty < self.levels and sizes[i, empty] <= 0:
            empty += 1
        if empty == 0:
            return
        sizes[i] = np.concatenate([sizes[i, empty:], self._target[i, self.levels - empty :]])
        if side > 0:
            self.ask_ticks[i] += empty
        else:
            self.bid_ticks[i] = max(1, int(self.bid_ticks[i]) - empty)
        self.mid[i] = (self.bid_ticks[i] + self.ask_ticks[i]) / 2 * self.tick[i]

    def continue_from(
        self, prices: Mapping[str, tuple[float, float, float]], *, new_day: bool
    ) -> list[str]:
        """Continue a saved market: ``prices`` maps a symbol to (mid, last, previous close).

        The saved mid becomes the starting price (history, strikes and books are built around
        it), so the market picks up where it stopped. With ``new_day`` the saved last is the
        previous close. Returns the saved symbols this universe does not list.
        """
        unknown = []
        idx = []
        for symbol, (mid, last, prev_close) in prices.items():
            i = self.index.get(symbol)
            if i is None:
                unknown.append(symbol)
                continue
            if not 0 < mid < math.inf:
                continue  # nothing usable saved: this one starts at its universe price
            idx.append(i)
            self.mid[i] = self.start_price[i] = mid
            good_last = last if 0 < last < math.inf else mid
            self.last[i] = good_last
            self.prev_close[i] = (
                good_last if new_day or not 0 < prev_close < math.inf else prev_close
            )
        if idx:
            self._requote(np.asarray(idx, dtype=np.int64), jitter=False)
        return unknown

    def halt(self, key: str, halted: bool) -> None:
        """Freeze (or release) one instrument; unknown keys are ignored."""
        i = self.index.get(key)
        if i is not None:
            self.halted[i] = halted

    def new_day(self) -> None:
        """Roll the trading day: today's last becomes the previous close, volume restarts."""
        self.prev_close = self.last.copy()
        self.volume[:] = 0.0
