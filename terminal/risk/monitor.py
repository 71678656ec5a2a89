"""Watch live limit utilisation and trip the kill switch on a daily-loss breach."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eventkit import Event

from terminal.domain.orders import Order
from terminal.risk.context import PortfolioView
from terminal.risk.engine import RiskEngine
from terminal.risk.pricing import fmt_money
from terminal.risk.state import TradingState, TradingStateMachine
from terminal.risk.usage import LimitUsage, UsageLevel


class RiskMonitor:
    """Re-evaluate limit utilisation after P&L or order updates and announce changes of level.

    Announcements are edge-triggered: a limit that stays at the same level is not announced
    again. The daily-loss callback fires once per breach and is armed again only when trading
    is ACTIVE and the loss is back under the limit (so re-arming while still over the limit
    does not immediately halt again, but a fresh breach later does). It never acts while the
    day's baseline is not established (``PortfolioView.day_pnl_established``).

    Events:
        utilisation_crossed(usage: LimitUsage): a limit rose to WARN or BREACH (from a lower
            level).
        utilisation_recovered(usage: LimitUsage): a limit fell back to OK.
    """

    def __init__(
        self,
        engine: RiskEngine,
        portfolio: PortfolioView,
        state: TradingStateMachine,
        on_daily_loss_breach: Callable[[str], None],
    ) -> None:
        self._engine = engine
        self._portfolio = portfolio
        self._state = state
        self._on_daily_loss_breach = on_daily_loss_breach
        self._levels: dict[str, UsageLevel] = {}
        self._loss_tripped = False
        self.utilisation_crossed = Event("utilisation_crossed")
        self.utilisation_recovered = Event("utilisation_recovered")

    @property
    def daily_loss_tripped(self) -> bool:
        """Return whether the current daily-loss breach has already been reported."""
        return self._loss_tripped

    def evaluate(self, open_orders: Sequence[Order]) -> list[LimitUsage]:
        """Compute utilisation, announce level changes and trip on a daily-loss breach."""
        usages = self._engine.utilisation(open_orders)
        levels = self._levels
        for usage in usages:
            old = levels.get(usage.name, UsageLevel.OK)
            if usage.level is old:
                continue
            levels[usage.name] = usage.level
            if usage.level.rank > old.rank:
                self.utilisation_crossed.emit(usage)
            elif usage.level is UsageLevel.OK:
                self.utilisation_recovered.emit(usage)
        self._check_daily_loss()
        return usages

    def _check_daily_loss(self) -> None:
        if not self._portfolio.day_pnl_established:
            # A provisional baseline (cash known, positions not yet marked) is no loss to act
            # on: at start-up it made a position's whole value look like a day's loss.
            return
        limit = self._engine.limits.daily_loss_limit
        loss = -self._portfolio.day_pnl()
        if loss >= limit and loss > 0:
            if not self._loss_tripped:
                self._loss_tripped = True
                self._on_daily_loss_breach(
                    f"daily loss {fmt_money(loss)} reached the limit of {fmt_money(limit)}"
                )
        elif self._state.state is TradingState.ACTIVE:
            self._loss_tripped = False
