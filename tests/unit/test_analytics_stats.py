"""Aggregate statistics against values worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from terminal.analytics.stats import max_drawdown, performance, sharpe_ratio, sortino_ratio

PNLS = [Decimal(p) for p in (100, -50, 200, -150, 50)]


def test_trade_statistics() -> None:
    perf = performance(PNLS, [p + 2 for p in PNLS], PNLS, Decimal(10_000))
    assert (perf.trades, perf.winners, perf.losers) == (5, 3, 2)
    assert perf.net_pnl == 150 and perf.gross_pnl == 160 and perf.commission == 10
    assert perf.win_rate == Decimal("0.6")
    assert perf.average_win == Decimal(350) / 3 and perf.average_loss == -100
    assert perf.profit_factor == Decimal("1.75") and perf.expectancy == 30


def test_max_drawdown_in_money_and_percent_of_the_peak_equity() -> None:
    # cumulative 100, 50, 250, 100, 150: the deepest fall is 250 -> 100.
    dd = max_drawdown(PNLS, Decimal(10_000))
    assert dd.money == -150
    assert dd.percent == Decimal(-150) / Decimal(10_250) * 100
    assert max_drawdown(PNLS).percent is None
    assert max_drawdown([Decimal(-5), Decimal(-5)]).money == -10  # the peak starts at 0


def test_sharpe_and_sortino_on_daily_pnl() -> None:
    daily = [100.0, -50.0, 200.0, -150.0, 50.0]
    # mean 30; sample variance (70² + 80² + 170² + 180² + 20²) / 4 = 18250
    assert sharpe_ratio(daily) == pytest.approx(30 / math.sqrt(18_250) * math.sqrt(252))
    # downside: (50² + 150²) / 5 = 5000
    assert sortino_ratio(daily) == pytest.approx(30 / math.sqrt(5_000) * math.sqrt(252))


def test_ratios_are_undefined_rather_than_infinite() -> None:
    assert sharpe_ratio([10.0]) is None and sortino_ratio([10.0]) is None
    assert sharpe_ratio([5.0, 5.0]) is None
    assert sortino_ratio([5.0, 7.0]) is None  # no losing day
    perf = performance([Decimal(5)], [Decimal(5)], [Decimal(5)])
    assert perf.profit_factor is None and perf.average_loss is None
    empty = performance([], [], [])
    assert empty.win_rate is None and empty.expectancy is None and empty.max_drawdown.money == 0
