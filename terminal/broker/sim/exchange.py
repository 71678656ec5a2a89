"""The simulated exchange without its connection: market, books, options, matching, account.

:class:`SimExchange` owns the state; :class:`~terminal.broker.sim.broker.SimBroker` wraps it in
the Broker port (events, latency, subscriptions, faults).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import numpy as np

from terminal.broker.sim.account import SimAccount
from terminal.broker.sim.config import SimConfig
from terminal.broker.sim.history import (
    BarArrays,
    LiveBars,
    concat,
    daily_history,
    minute_history,
    resample,
    tail,
)
from terminal.broker.sim.market import Market, StepResult
from terminal.broker.sim.matching import MatchingEngine, Print
from terminal.broker.sim.options import OptionBook
from terminal.broker.sim.sessions import Phase, SessionCalendar
from terminal.broker.sim.venue import SimVenue
from terminal.domain import Bar, Clock, Fill, Instrument, Order, Timeframe, UnknownInstrument
from terminal.domain.values import ZERO


class SimExchange:
    """Everything the simulated exchange knows, advanced by :meth:`advance`.

    Args:
        clock: Where time comes from (virtual in tests, wall time in the app).
        config: The simulator configuration.
        seed: Fixes the market path, the option tape and the history.
        prices: A saved market to continue (symbol -> mid, last, previous close), else the
            universe's prices.
        prices_day: The trading day ``prices`` were saved on (another day: last is the close).
    """

    def __init__(
        self,
        clock: Clock,
        config: SimConfig,
        seed: int,
        prices: Mapping[str, tuple[float, float, float]] | None = None,
        prices_day: dt.date | None = None,
    ) -> None:
        self.clock = clock
        self.config = config
        self.seed = seed
        self.start = clock.now()
        self.calendar = SessionCalendar(config)
        self.day = self.calendar.trading_day(self.start)
        self.market = Market(config, np.random.default_rng([seed, 0]))
        #: Saved symbols this universe does not list (a paper account continued).
        self.unlisted: list[str] = []
        if prices:
            # Before the option book and the history: both are built around starting prices.
            self.unlisted = self.market.continue_from(prices, new_day=prices_day != self.day)
        self.option_rng = np.random.default_rng([seed, 3])
        specs = config.universe
        self.options = OptionBook(
            self.market.symbols,
            self.market.start_price,
            [s.optionable for s in specs],
            self.start.date(),
            config.option_quote_interval,
        )
        self.venue = SimVenue(self.market, self.options, clock)
        self.account = SimAccount(config.account_id, config.starting_cash, config.margin_rate)
        self.engine = MatchingEngine(self.venue, config.commissions, self.book_fill, clock)
        self.bars = LiveBars(self.market.last.copy(), self.start)
        self.stocks = {
            s.symbol: Instrument.stock(s.symbol, etf=s.etf, description=s.name) for s in specs
        }
        self._minutes: dict[int, BarArrays] = {}
        self._days: dict[int, BarArrays] = {}
        self.steps = 0
        self._excess: tuple[tuple[int, int], Decimal] | None = None

    def book_fill(self, fill: Fill) -> None:
        """Book an execution in the account (the matching engine's ``on_fill``)."""
        self.account.apply(fill)

    def invalidate(self) -> None:
        """Forget cached valuations (the account was replaced)."""
        self._excess = None

    # -- reference data ---------------------------------------------------------------------------
    def instrument(self, text: str) -> Instrument:
        """Resolve a stock symbol or an option key to a listed instrument."""
        symbol = text.strip().upper()
        if symbol in self.stocks:
            return self.stocks[symbol]
        parts = symbol.split()
        if len(parts) == 4 and parts[2] in ("C", "P"):
            try:
                expiry = dt.date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:]))
                contract = Instrument.option(parts[0], expiry, Decimal(parts[3]), parts[2])
            except (ValueError, ArithmeticError):
                contract = None
            if contract is not None and self.options.is_listed(contract):
                self.venue.register(contract)
                return contract
        raise UnknownInstrument(f"unknown instrument {text!r}")

    def known(self, instrument: Instrument) -> bool:
        """Return True when ``instrument`` trades here."""
        if instrument.is_option:
            listed = self.options.is_listed(instrument)
            if listed:
                self.venue.register(instrument)
            return listed
        return instrument.key in self.stocks

    def tradable(self, order: Order) -> bool:
        """Return True when ``order``'s instrument trades here (a combo: every leg does)."""
        combo = order.intent.combo
        if combo is None:
            return self.known(order.instrument)
        if not all(self.known(leg.instrument) for leg in combo.legs):
            return False
        # Matched when its underlying moves (see _match), like an option.
        self.venue.register(order.instrument)
        return True

    # -- marks ------------------------------------------------------------------------------------
    def mark(self, instrument: Instrument) -> Decimal:
        """Return a Decimal mark (mid of the touch) for valuing a position."""
        bid, ask = self.venue.touch(instrument.key)
        return Decimal(bid + ask) / 2 * instrument.tick_size

    def underlying_mark(self, symbol: str) -> Decimal:
        """Return the mark of a stock by symbol (0 when unknown)."""
        inst = self.stocks.get(symbol)
        return self.mark(inst) if inst is not None else ZERO

    # -- pre-trade checks -------------------------------------------------------------------------
    def check(self, order: Order, halted: set[str]) -> str | None:
        """Return why the exchange refuses ``order``, or None when it accepts it."""
        inst, intent = order.instrument, order.intent
        if not self.tradable(order):
            return f"unknown instrument {inst.key}"
        if inst.key in halted or (inst.underlying or "") in halted:
            return f"{inst.key} is halted"
        if intent.combo is not None:
            return self._check_combo(order) if order.parent_id is None else None
        reference = self.mark(inst)
        band = Decimal(repr(self.config.price_band))
        if inst.is_option:
            band, floor = band * 4, Decimal("0.50")
        else:
            floor = ZERO
        for name, price in (("limit", intent.limit_price), ("stop", intent.stop_price)):
            if price is not None and abs(price - reference) > max(band * reference, floor):
                return (
                    f"{name} price {price} is too far from the market ({reference:.2f}); "
                    f"more than {band * 100:.0f}% away"
                )
        if order.parent_id is None:
            return self._check_buying_power(order, reference)
        return None

    def _check_buying_power(self, order: Order, reference: Decimal) -> str | None:
        inst, intent = order.instrument, order.intent
        held = self.account.quantity(inst.key)
        signed = intent.signed_quantity
        opening = (
            abs(signed)
            if held == 0 or (held > 0) == (signed > 0)
            else max(abs(signed) - abs(held), ZERO)
        )
        if opening == 0:
            return None
        price = intent.limit_price or intent.stop_price or reference
        und = self.underlying_mark(inst.underlying or "")
        need = self.account.requirement(inst, opening * intent.side.sign, price, und)
        need += self.config.commissions.estimate(inst, opening, price)
        available = self._excess_liquidity()
        if need > available:
            return (
                f"insufficient buying power: the order needs ${need:,.2f} of margin, "
                f"${available:,.2f} is available"
            )
        return None

    def _check_combo(self, order: Order) -> str | None:
        """Buying power for a combo: each leg margined on its own (conservative: a spread's
        short leg is margined as if naked), plus each leg's commission."""
        intent = order.intent
        combo = intent.combo
        assert combo is not None
        need = ZERO
        for leg in combo.legs:
            inst = leg.instrument
            quantity = intent.quantity * leg.ratio
            signed = quantity * intent.side.sign * leg.sign
            held = self.account.quantity(inst.key)
            if held != 0 and (held > 0) != (signed > 0):
                continue  # closes (part of) a position: no new margin
            price = self.mark(inst)
            und = self.underlying_mark(inst.underlying or "")
            need += self.account.requirement(inst, signed, price, und)
            need += self.config.commissions.estimate(inst, quantity, price)
        available = self._excess_liquidity()
        if need > available:
            return (
                f"insufficient buying power: the combo's legs need ${need:,.2f} of margin, "
                f"${available:,.2f} is available"
            )
        return None

    def _excess_liquidity(self) -> Decimal:
        # Marks move only when the market steps and positions only on fills: cache in between.
        stamp = (self.steps, len(self.account.fills))
        if self._excess is None or self._excess[0] != stamp:
            value = self.account.excess_liquidity(self.mark, self.underlying_mark)
            self._excess = (stamp, value)
        return self._excess[1]

    # -- evolution --------------------------------------------------------------------------------
    def roll_day(self, now: dt.datetime) -> bool:
        """Expire DAY orders and roll the market's day when a close has passed."""
        day = self.calendar.trading_day(now)
        if day == self.day:
            return False
        self.day = day
        self.engine.expire_day_orders(day)
        self.market.new_day()
        return True

    def advance(self, dt_seconds: float, now: dt.datetime) -> StepResult | None:
        """Move the market by ``dt_seconds`` and match; return what changed (None when closed)."""
        phase = self.calendar.phase(now)
        if not phase.is_open or dt_seconds <= 0:
            return None
        res = self.market.step(dt_seconds, phase.activity)
        self.absorb(res, now)
        return res

    def absorb(self, res: StepResult, now: dt.datetime) -> None:
        """Take in a step the market made (here, or in the market process): bars and matching."""
        self.steps += 1
        m = self.market
        prices = res.trade_ticks * m.tick[res.traded]
        self.bars.update(now, res.traded, prices, res.trade_sizes)
        if self.engine.working:
            self._match(res, self.calendar.phase(now) is Phase.REGULAR)

    def _match(self, res: StepResult, regular: bool) -> None:
        quoted = set(res.quoted.tolist())
        prints: dict[int, Print] = {
            i: (t, s, side)
            for i, t, s, side in zip(
                res.traded.tolist(),
                res.trade_ticks.tolist(),
                res.trade_sizes.tolist(),
                res.trade_sides.tolist(),
                strict=True,
            )
        }
        for key in list(self.engine.working):
            i = self.market.index.get(key)
            if i is None:
                inst = self.venue.instruments[key]
                if self.market.index.get(inst.underlying or "") in quoted:
                    self.engine.match_key(key, None, regular)
            elif i in quoted:
                self.engine.match_key(key, prints.get(i), regular)

    # -- history ----------------------------------------------------------------------------------
    def _minute_history(self, i: int) -> BarArrays:
        if i not in self._minutes:
            spec = self.config.universe[i]
            # The history ends where the live market starts (a continued paper market included).
            start_price = float(self.market.start_price[i])
            self._minutes[i] = minute_history(
                self.seed, i, start_price, spec.vol, spec.adv, self.start, self.config.history_days
            )
        return self._minutes[i]

    def _daily_history(self, i: int) -> BarArrays:
        if i not in self._days:
            spec = self.config.universe[i]
            minutes = self._minute_history(i)
            first_day = dt.datetime.fromtimestamp(int(minutes.start[0]), dt.UTC).date()
            self._days[i] = daily_history(
                self.seed, i, float(minutes.open[0]), spec.vol, spec.adv, first_day,
                self.config.daily_history_days,
            )  # fmt: skip
        return self._days[i]

    def history(self, key: str, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return the last ``count`` bars of a stock, history and live joined."""
        i = self.market.index.get(key)
        if i is None:
            raise UnknownInstrument(f"no bar history for {key!r}")
        minutes = concat([self._minute_history(i), self.bars.series(i)])
        if timeframe is Timeframe.M1:
            return minutes.to_bars(count)
        bars = resample(minutes, timeframe)
        if timeframe is Timeframe.D1:
            bars = concat([self._daily_history(i), bars])
        return bars.to_bars(count)

    def forming_bar(self, key: str, timeframe: Timeframe) -> Bar | None:
        """Return the bar of ``timeframe`` that the live prints are forming."""
        i = self.market.index.get(key)
        if i is None:
            return None
        window = self.bars.minute // timeframe.seconds * timeframe.seconds
        live = self.bars.series(i)
        hist = self._minute_history(i)
        cut = int(np.searchsorted(hist.start, window))
        recent = tail(hist, cut)
        bars = resample(concat([recent, live]), timeframe)
        return bars.to_bars(1)[0] if len(bars) else None
