"""The pre-trade risk engine: runs every rule on an intent and returns the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from terminal.domain.clock import Clock
from terminal.domain.instruments import Instrument
from terminal.domain.orders import Order, OrderIntent
from terminal.domain.values import ZERO
from terminal.domain.verdicts import Verdict
from terminal.risk.combos import combo_figures, combo_price
from terminal.risk.context import CheckContext, PortfolioView, QuoteLookup
from terminal.risk.greeks import (
    GreeksExposure,
    GreeksSource,
    OptionQuoteLookup,
    check_figures,
    holdings_by_underlying,
)
from terminal.risk.history import StagingHistory
from terminal.risk.pricing import reference_price, to_decimal, usable
from terminal.risk.rules import RULES
from terminal.risk.state import TradingStateMachine
from terminal.risk.usage import LimitUsage, limit_usages
from terminal.settings import RiskLimits


class RiskEngine:
    """Check order intents against the limits and report live limit utilisation.

    Call :meth:`check` when an intent is staged, then :meth:`record_staged` with it, so the
    orders-per-second and duplicate rules see it for later intents (not for itself).
    """

    def __init__(
        self,
        limits: RiskLimits,
        clock: Clock,
        quotes: QuoteLookup,
        portfolio: PortfolioView,
        state: TradingStateMachine,
        option_quotes: OptionQuoteLookup | None = None,
    ) -> None:
        self._clock = clock
        self._greeks = GreeksSource(quotes, option_quotes)
        self._quotes = quotes
        self._portfolio = portfolio
        self._state = state
        self._history = StagingHistory(limits.duplicate_window_seconds)
        self._limits = limits
        self._market_tz = ZoneInfo(limits.market_timezone)

    @property
    def limits(self) -> RiskLimits:
        """Return the limits in force."""
        return self._limits

    def update_limits(self, limits: RiskLimits) -> None:
        """Apply new limits from the next check on.

        Raises:
            zoneinfo.ZoneInfoNotFoundError: the market time zone is unknown (limits unchanged).
        """
        tz = ZoneInfo(limits.market_timezone)
        self._limits = limits
        self._market_tz = tz
        self._history.set_duplicate_window(limits.duplicate_window_seconds)

    def check(
        self,
        intent: OrderIntent,
        open_orders: Sequence[Order],
        *,
        recheck: bool = False,
        oca_group: str | None = None,
    ) -> Verdict:
        """Return the verdict on ``intent`` with every reason found.

        Args:
            intent: The order the trader asked for.
            open_orders: Orders not yet terminal, not including the one being checked.
            recheck: The intent was staged before (approval, modification): skip the rules
                about staging itself (rate, duplicate), which counted it then.
            oca_group: The OCA group ``intent`` is (or will be) in: its siblings among
                ``open_orders`` cancel it, so the position limit weighs them as one.
        """
        now = self._clock.now()
        key = intent.instrument.key
        portfolio = self._portfolio
        position = portfolio.position(key)
        figures = None
        if intent.combo is not None:
            # Valued as one instrument from its legs' quotes (see terminal.risk.combos).
            quote = None
            figures = combo_figures(intent, intent.combo, self._quotes)
            price, source = combo_price(intent, figures.net)
        else:
            quote = self._quotes.last_quote(key)
            price, source = reference_price(intent, quote)
            if price is None:
                mark = portfolio.mark(key)
                if mark is not None and mark > 0:
                    price, source = mark, "mark"
        self._history.prune(now)
        state = self._state
        ctx = CheckContext(
            limits=self._limits,
            now=now,
            market_tz=self._market_tz,
            quote=quote,
            portfolio=portfolio,
            state=state.state,
            state_reason=state.reason,
            open_orders=open_orders,
            history=self._history,
            position=position.quantity if position is not None else ZERO,
            price=price,
            price_source=source,
            recheck=recheck,
            oca_group=oca_group,
            combo=figures,
            greeks=check_figures(
                intent, self._holdings(), self._greeks, now, lambda u: self._spot(u, intent, price)
            ),
        )
        reasons = []
        for rule in RULES:
            found = rule(intent, ctx)
            if found:
                reasons.extend(found)
        return Verdict.of(tuple(reasons))

    def _spot(self, underlying: str, intent: OrderIntent, price: Decimal | None) -> Decimal | None:
        """The underlying's price for delta dollars (see :meth:`_underlying_price`), else, for
        an order on the underlying itself, the order's price."""
        spot = self._underlying_price(underlying)
        if spot is not None:
            return spot
        return price if intent.combo is None and intent.instrument.key == underlying else None

    def _underlying_price(self, underlying: str) -> Decimal | None:
        """The underlying's quote (last, else mid), else the position's mark (None: unknown)."""
        quote = self._quotes.last_quote(underlying)
        if quote is not None and usable(quote.mark):
            return to_decimal(quote.mark)
        mark = self._portfolio.mark(underlying)
        return mark if mark is not None and mark > 0 else None

    def _holdings(self) -> list[tuple[Instrument, Decimal]]:
        return [(p.instrument, p.quantity) for p in self._portfolio.positions() if p.quantity]

    def portfolio_greeks(self) -> list[GreeksExposure]:
        """Return the Greeks of every underlying held, by underlying symbol (see
        :mod:`terminal.risk.greeks` for units and where each contract's Greeks come from)."""
        now = self._clock.now()
        grouped = holdings_by_underlying(self._holdings())
        return [self._greeks.exposure(u, grouped[u], now) for u in sorted(grouped)]

    def record_staged(self, intent: OrderIntent) -> None:
        """Remember a staged intent for the orders-per-second and duplicate rules."""
        self._history.record(intent, self._clock.now())

    def orders_last_second(self) -> int:
        """Return how many intents were staged in the last second."""
        now = self._clock.now()
        self._history.prune(now)
        return self._history.count_last_second(now)

    def utilisation(self, open_orders: Sequence[Order]) -> list[LimitUsage]:
        """Return how close the account is to each live limit."""
        return limit_usages(
            self._limits,
            self._portfolio,
            open_orders,
            self.orders_last_second(),
            self._delta_dollars(),
        )

    def _delta_dollars(self) -> dict[str, Decimal]:
        """|delta| × price of every underlying with an option held, as the concentration rule
        weighs it (an underlying whose price is unknown is left out: its positions are then
        weighed one by one)."""
        now = self._clock.now()
        figures: dict[str, Decimal] = {}
        for underlying, held in holdings_by_underlying(self._holdings()).items():
            if not any(instrument.is_option for instrument, _ in held):
                continue
            price = self._underlying_price(underlying)
            if price is not None:
                delta = self._greeks.exposure(underlying, held, now).delta
                figures[underlying] = abs(to_decimal(delta)) * price
        return figures
