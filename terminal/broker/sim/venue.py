"""Routes the matching engine's liquidity requests to stock books or synthetic option books."""

from __future__ import annotations

from terminal.broker.sim.market import Market
from terminal.broker.sim.options import OptionBook
from terminal.domain import Clock, Instrument

_OPTION_LEVELS = 5


class SimVenue:
    """The books the matching engine trades against.

    Stock books are the market's ten-level books (taking liquidity moves them). Option books
    are quoted around the Black–Scholes value: the touch plus levels one tick apart.
    """

    def __init__(self, market: Market, options: OptionBook, clock: Clock) -> None:
        self.market = market
        self.options = options
        self.clock = clock
        self.instruments: dict[str, Instrument] = {}

    def register(self, instrument: Instrument) -> None:
        """Make an option contract tradable by key."""
        self.instruments[instrument.key] = instrument

    def _option_book(self, key: str) -> tuple[int, int, float]:
        inst = self.instruments[key]
        i = self.market.index[inst.underlying or ""]
        touch = self.options.touch(
            inst, self.market.touch_mid(i), float(self.market.sigma[i]), self.clock.now()
        )
        return touch.bid_ticks, touch.ask_ticks, touch.size

    def touch(self, key: str) -> tuple[int, int]:
        """Return best bid and ask in ticks."""
        i = self.market.index.get(key)
        if i is not None:
            return int(self.market.bid_ticks[i]), int(self.market.ask_ticks[i])
        bid, ask, _ = self._option_book(key)
        return bid, ask

    def available(self, key: str, side: int, limit_ticks: int | None) -> float:
        """Return the quantity a taker could get at ``limit_ticks`` or better."""
        i = self.market.index.get(key)
        if i is not None:
            return self.market.available(i, side, limit_ticks)
        return sum(size for _, size in self.option_levels(key, side, limit_ticks))

    def take(
        self, key: str, side: int, quantity: float, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        """Take liquidity up to ``quantity``; return ``(price_ticks, size)`` per level."""
        i = self.market.index.get(key)
        if i is not None:
            return self.market.take(i, side, quantity, limit_ticks)
        taken: list[tuple[int, float]] = []
        for price, size in self.option_levels(key, side, limit_ticks):
            if quantity <= 0:
                break
            amount = min(size, quantity)
            taken.append((price, amount))
            quantity -= amount
        return taken

    def levels(self, key: str, side: int) -> list[tuple[int, float]]:
        """Return ``(price_ticks, size)`` a taker on ``side`` sees, best first (nothing taken)."""
        i = self.market.index.get(key)
        if i is None:
            return self.option_levels(key, side, None)
        return self.market.book_levels(i, side)

    def option_levels(
        self, key: str, side: int, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        bid, ask, size = self._option_book(key)
        levels = []
        for level in range(_OPTION_LEVELS):
            price = ask + level if side > 0 else bid - level
            if price <= 0 or (
                limit_ticks is not None
                and (price > limit_ticks if side > 0 else price < limit_ticks)
            ):
                break
            levels.append((price, size * (1 + level)))
        return levels
