"""Per-position P&L: day, unrealized, realized today, % change and since entry, by hand.

Every expected figure is worked out in the comment above it; money is net of commissions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal

import pytest

from terminal.broker.base import BrokerPosition
from terminal.domain import AccountSnapshot, Fill, Instrument, ManualClock, OrderSide, Quote
from terminal.portfolio import Portfolio
from terminal.portfolio.day_ledger import PositionPnl

D = Decimal
AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), 150, "C")
T0 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York, Monday
_ids = itertools.count(1)


def fill(
    instrument: Instrument,
    side: str,
    quantity: str | int,
    price: str | int,
    commission: str | int = "1",
    time: dt.datetime = T0,
) -> Fill:
    return Fill(
        exec_id=f"P{next(_ids)}",
        order_id=None,
        instrument=instrument,
        side=OrderSide(side),
        quantity=D(quantity),
        price=D(price),
        commission=D(commission),
        time=time,
    )


def quote(key: str, last: float, prev_close: float = math.nan) -> dict[str, Quote]:
    return {key: Quote(key, bid=last - 0.01, ask=last + 0.01, last=last, prev_close=prev_close)}


def figures(portfolio: Portfolio, key: str) -> PositionPnl:
    found = portfolio.position_pnl(key)
    assert found is not None
    return found


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def portfolio(clock: ManualClock) -> Portfolio:
    return Portfolio(clock)


def test_a_long_built_from_partial_fills_then_partly_sold(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.apply_fill(fill(AAPL, "BUY", 5, "103"))
    portfolio.on_quotes(quote("AAPL", 104.0, prev_close=102.0))
    got = figures(portfolio, "AAPL")
    # avg (1000 + 515) / 15 = 101; unrealized 15 x (104 - 101) = 45
    assert got.unrealized == D("45")
    # 15 x 104 - (1000 + 1 + 515 + 1) = 1560 - 1517 = 43
    assert got.day == D("43")
    assert got.realized == D("-2")  # two commissions
    assert got.since_entry == D("43")  # 45 - 2
    assert got.change_percent == pytest.approx((104 / 102 - 1) * 100)
    assert got.overnight == 0

    portfolio.apply_fill(fill(AAPL, "SELL", 6, "105"))
    portfolio.on_quotes(quote("AAPL", 105.0, prev_close=102.0))
    got = figures(portfolio, "AAPL")
    # realized -2 + 6 x (105 - 101) - 1 = 21; unrealized 9 x (105 - 101) = 36
    assert got.realized == D("21")
    assert got.unrealized == D("36")
    # flow 1517 - 630 + 1 = 888; 9 x 105 - 888 = 57 = 36 + 21
    assert got.day == D("57")
    assert got.since_entry == D("57")


def test_a_short(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(MSFT, "SELL", 20, "50", commission="2"))
    portfolio.on_quotes(quote("MSFT", 48.0, prev_close=49.0))
    got = figures(portfolio, "MSFT")
    assert got.unrealized == D("40")  # -20 x (48 - 50)
    assert got.day == D("38")  # -20 x 48 - (-1000 + 2)
    assert got.realized == D("-2")
    assert got.since_entry == D("38")
    assert got.change_percent == pytest.approx((48 / 49 - 1) * 100)


def test_an_option_counts_its_multiplier(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(CALL, "BUY", 3, "2.50", commission="1.5"))
    portfolio.on_quotes(quote(CALL.key, 3.10))
    got = figures(portfolio, CALL.key)
    assert got.unrealized == D("180")  # 3 x 0.60 x 100
    assert got.day == D("178.5")  # 3 x 3.10 x 100 - (750 + 1.5)
    assert got.since_entry == D("178.5")
    assert got.change_percent is None  # no previous close quoted


def test_a_position_carried_from_a_previous_session_is_marked_from_the_prior_close(
    portfolio: Portfolio,
) -> None:
    portfolio.set_account(AccountSnapshot("SIM1", cash=D("100000")))
    portfolio.replace_positions([BrokerPosition(AAPL, D("100"), D("90"))])
    got = figures(portfolio, "AAPL")
    assert got.day is None  # valued at cost: no mark, no close
    assert got.unrealized is None
    assert got.overnight == D("100")

    portfolio.on_quotes(quote("AAPL", 97.0))
    got = figures(portfolio, "AAPL")
    assert got.day is None
    assert got.why_unknown == "previous close not known yet"
    assert got.unrealized == D("700")

    portfolio.on_quotes(quote("AAPL", 97.0, prev_close=95.0))
    got = figures(portfolio, "AAPL")
    assert got.day == D("200")  # 100 x (97 - 95)
    assert got.realized == 0
    assert got.since_entry == D("700")
    assert not got.entry_complete  # partial closes before this session are not known

    portfolio.apply_fill(fill(AAPL, "BUY", 50, "96"))
    got = figures(portfolio, "AAPL")
    # 150 x 97 - 100 x 95 - (4800 + 1) = 249 = 200 + 50 x (97 - 96) - 1
    assert got.day == D("249")


def test_the_next_trading_day_marks_from_the_new_close_and_restarts_realized(
    portfolio: Portfolio, clock: ManualClock
) -> None:
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.apply_fill(fill(AAPL, "SELL", 4, "110"))  # realized 4 x 10 - 2 = 38
    portfolio.on_quotes(quote("AAPL", 108.0, prev_close=99.0))
    assert figures(portfolio, "AAPL").realized == D("38")

    clock.advance(days=1)
    portfolio.on_quotes(quote("AAPL", 109.0, prev_close=108.0))
    got = figures(portfolio, "AAPL")
    assert got.overnight == D("6")
    assert got.day == D("6")  # 6 x (109 - 108)
    assert got.realized == 0
    # unrealized 6 x (109 - 100) = 54, plus yesterday's 38 realized since the entry
    assert got.since_entry == D("92")
    assert got.entry_complete


def test_a_flip_through_zero_opens_a_new_entry(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.apply_fill(fill(AAPL, "SELL", 15, "104"))  # closes 10 (+40 - 2 in all), short 5
    portfolio.on_quotes(quote("AAPL", 103.0, prev_close=100.0))
    got = figures(portfolio, "AAPL")
    assert got.realized == D("38")
    assert got.unrealized == D("5")  # -5 x (103 - 104)
    assert got.since_entry == D("5")  # the short's own: the flip fill's commission was the long's
    assert got.day == D("43")  # -5 x 103 - (1000 + 1 - 1560 + 1) = -515 + 558


def test_a_position_closed_today_keeps_its_day_and_realized(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.apply_fill(fill(AAPL, "SELL", 10, "103"))
    got = figures(portfolio, "AAPL")
    assert got.realized == D("28")
    assert got.day == D("28")
    assert got.unrealized == 0
    assert got.since_entry is None  # no position now


def test_a_reconciliation_correction_makes_the_day_unknown(portfolio: Portfolio) -> None:
    portfolio.set_account(AccountSnapshot("SIM1", cash=D("100000")))
    portfolio.replace_positions([])
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.replace_positions([BrokerPosition(AAPL, D("12"), D("100"))])
    got = figures(portfolio, "AAPL")
    assert got.day is None
    assert "reconciliation" in got.why_unknown


def test_a_restart_counts_todays_earlier_fills_at_their_prices(portfolio: Portfolio) -> None:
    yesterday = T0 - dt.timedelta(days=1)
    portfolio.restore_day_fills(
        [fill(AAPL, "BUY", 5, "80", time=yesterday), fill(AAPL, "BUY", 10, "100")]
    )
    portfolio.set_account(AccountSnapshot("SIM1", cash=D("100000")))
    portfolio.replace_positions([BrokerPosition(AAPL, D("30"), D("95"))])
    portfolio.on_quotes(quote("AAPL", 101.0, prev_close=98.0))
    got = figures(portfolio, "AAPL")
    assert got.overnight == D("20")  # yesterday's fill is overnight, today's is not
    # 30 x 101 - 20 x 98 - 1001 = 69 = 20 x 3 + 10 x 1 - 1
    assert got.day == D("69")
    assert got.realized is None  # what the earlier fills closed against is not known


def test_a_restart_replays_a_position_opened_today(portfolio: Portfolio) -> None:
    portfolio.restore_day_fills([fill(AAPL, "BUY", 10, "100"), fill(AAPL, "SELL", 4, "102")])
    portfolio.set_account(AccountSnapshot("SIM1", cash=D("100000")))
    portfolio.replace_positions([BrokerPosition(AAPL, D("6"), D("100"))])
    portfolio.on_quotes(quote("AAPL", 103.0, prev_close=99.0))
    got = figures(portfolio, "AAPL")
    assert got.realized == D("6")  # 4 x 2 - 2
    assert got.day == D("24")  # 6 x 103 - (1001 - 407) = 618 - 594 = unrealized 18 + 6
    assert got.since_entry == D("24")
    assert got.entry_complete


def test_the_brokers_own_position_day_pnl_wins(portfolio: Portfolio) -> None:
    portfolio.apply_fill(fill(AAPL, "BUY", 10, "100"))
    portfolio.set_account(
        AccountSnapshot("U1", day_pnl=D("5"), position_day_pnl=(("AAPL", D("12.34")),))
    )
    got = figures(portfolio, "AAPL")
    assert got.day == D("12.34")
    assert got.day_source == "broker"
