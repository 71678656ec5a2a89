"""Portfolio: positions from fills, cash, marks, exposures, day P&L and reconciliation."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.broker.base import BrokerPosition
from terminal.domain import (
    AccountSnapshot,
    Fill,
    Instrument,
    ManualClock,
    OrderSide,
    Position,
    Quote,
)
from terminal.portfolio import PnlSnapshot, Portfolio, PositionDifference

D = Decimal
AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), 150, "C")
T0 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
_exec_ids = itertools.count(1)


def fill(
    instrument: Instrument,
    side: str,
    quantity: int | str,
    price: str | int,
    commission: str | int = "1",
    exec_id: str | None = None,
) -> Fill:
    return Fill(
        exec_id=exec_id or f"X{next(_exec_ids)}",
        order_id=None,
        instrument=instrument,
        side=OrderSide(side),
        quantity=D(quantity),
        price=D(price),
        commission=D(commission),
        time=T0,
    )


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> Portfolio:
    portfolio = Portfolio(clock)
    portfolio.set_account(AccountSnapshot("DU1", cash=D(100_000), equity=D(100_000)))
    return portfolio


def test_long_stock_marks_to_market(book: Portfolio) -> None:
    assert book.apply_fill(fill(AAPL, "BUY", 100, "10.00", "1"))
    assert book.cash() == D(100_000) - D(1001)
    assert book.mark("AAPL") == D("10.00")  # the fill price until a quote arrives
    book.on_quotes({"AAPL": Quote("AAPL", bid=10.49, ask=10.51, last=10.5)})
    assert book.mark("AAPL") == D("10.5")
    assert book.unrealized_pnl() == D(50)
    assert book.realized_pnl() == D(-1)
    assert book.total_pnl() == D(49)
    assert book.equity() == D(100_000) + D(49)
    assert book.gross_exposure() == book.net_exposure() == D(1050)


def test_short_stock_gains_when_price_falls_and_counts_negative_net_exposure(
    book: Portfolio,
) -> None:
    book.apply_fill(fill(MSFT, "SELL", 50, "400", "0"))
    book.on_quotes({"MSFT": Quote("MSFT", last=390.0)})
    assert book.position("MSFT") == Position(MSFT, D(-50), D(400))
    assert book.unrealized_pnl() == D(500)
    assert book.net_exposure() == D(-19_500)
    assert book.gross_exposure() == D(19_500)


def test_long_and_short_exposures_add_up_gross_and_offset_net(book: Portfolio) -> None:
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "0"))
    book.apply_fill(fill(MSFT, "SELL", 10, "50", "0"))
    assert book.gross_exposure() == D(1500)
    assert book.net_exposure() == D(500)


def test_option_position_flips_and_closes_with_multiplier_100(book: Portfolio) -> None:
    book.apply_fill(fill(CALL, "BUY", 2, "1.50", "1.30"))
    assert book.cash() == D(100_000) - D(300) - D("1.30")
    book.apply_fill(fill(CALL, "SELL", 3, "2.00", "1.95"))  # close 2 (+100), open 1 short at 2.00
    position = book.position(CALL.key)
    assert position is not None
    assert (position.quantity, position.avg_cost) == (D(-1), D("2.00"))
    assert book.realized_pnl() == D(100) - D("1.30") - D("1.95")
    book.on_quotes({CALL.key: Quote(CALL.key, bid=1.7, ask=1.9)})  # no last: the mid, 1.80
    assert book.unrealized_pnl() == D(20)
    assert book.net_exposure() == D(-180)
    book.apply_fill(fill(CALL, "BUY", 1, "1.80", "0.65"))
    assert book.position(CALL.key) == Position(
        CALL, D(0), D(0), D(120) - D("3.90"), commissions=D("3.90")
    )
    assert book.positions() == []
    assert book.mark(CALL.key) is None
    assert book.unrealized_pnl() == 0
    assert book.gross_exposure() == 0
    assert book.equity() == D(100_000) + D(120) - D("3.90")


def test_fill_is_idempotent_by_exec_id(book: Portfolio) -> None:
    changed = Recorder()
    book.positions_changed += changed
    first = fill(AAPL, "BUY", 100, "10", exec_id="E1")
    assert book.apply_fill(first)
    again = fill(AAPL, "BUY", 100, "10", exec_id="E1")
    assert not book.apply_fill(again)
    assert book.position("AAPL") == Position(AAPL, D(100), D(10), D(-1), D(1))
    assert book.cash() == D(100_000) - D(1001)
    assert changed.calls == [([book.position("AAPL")],)]


def test_one_pnl_event_per_quote_batch_and_none_for_unheld_keys(book: Portfolio) -> None:
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "0"))
    book.apply_fill(fill(MSFT, "BUY", 10, "50", "0"))
    events = Recorder()
    book.pnl_updated += events
    book.on_quotes({"AAPL": Quote("AAPL", last=11.0), "MSFT": Quote("MSFT", last=51.0)})
    assert len(events.calls) == 1
    (snap,) = events.calls[0]
    assert isinstance(snap, PnlSnapshot)
    assert snap.unrealized == D(110)
    assert snap.equity == book.equity() == D(100_110)
    book.on_quotes({"IBM": Quote("IBM", last=200.0), "TSLA": Quote("TSLA", last=300.0)})
    book.on_quotes({"AAPL": Quote("AAPL", bid=10, ask=12, last=11.0)})  # mark unchanged
    assert len(events.calls) == 1
    assert book.mark("IBM") is None


def test_nan_or_missing_marks_keep_the_last_good_mark(book: Portfolio) -> None:
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "0"))
    book.on_quotes({"AAPL": Quote("AAPL", last=12.0)})
    events = Recorder()
    book.pnl_updated += events
    book.on_quotes({"AAPL": Quote("AAPL", last=float("nan"))})
    book.on_quotes({"AAPL": Quote("AAPL", bid=0.0, ask=12.5)})
    assert book.mark("AAPL") == D(12)
    assert events.calls == []
    assert book.unrealized_pnl() == D(200)


def test_day_pnl_rebaselines_at_new_york_midnight_not_utc_midnight(
    book: Portfolio, clock: ManualClock
) -> None:
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "0"))
    book.on_quotes({"AAPL": Quote("AAPL", last=11.0)})
    assert book.day_pnl() == D(100)
    clock.set(dt.datetime(2026, 1, 6, 1, 0, tzinfo=dt.UTC))  # 20:00 in New York, same day
    book.on_quotes({"AAPL": Quote("AAPL", last=12.0)})
    assert book.day_pnl() == D(200)
    clock.set(dt.datetime(2026, 1, 6, 5, 0, tzinfo=dt.UTC))  # midnight in New York
    assert book.day_pnl() == 0  # the first valuation of the day takes the baseline
    book.on_quotes({"AAPL": Quote("AAPL", last=11.5)})
    assert book.day_pnl() == D(-50)
    assert book.total_pnl() == D(150)


def test_a_new_days_first_fill_counts_in_that_days_pnl(book: Portfolio, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 1, 6, 14, 30, tzinfo=dt.UTC))
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "5"))
    assert book.day_pnl() == D(-5)


def test_set_day_baseline_overrides_the_automatic_one(book: Portfolio) -> None:
    book.set_day_baseline(D(99_000))
    assert book.day_pnl() == D(1_000)
    events = Recorder()
    book.pnl_updated += events
    book.set_day_baseline(D(100_500))
    assert events.calls[0][0].day_pnl == D(-500)


def test_first_account_snapshot_starts_the_day_baseline(clock: ManualClock) -> None:
    portfolio = Portfolio(clock)
    assert portfolio.day_pnl() == 0  # valued before any account: equity 0
    portfolio.set_account(AccountSnapshot("DU1", cash=D(50_000), equity=D(50_000)))
    assert portfolio.day_pnl() == 0
    portfolio.set_account(AccountSnapshot("DU1", cash=D(50_100), equity=D(50_100)))
    assert portfolio.day_pnl() == D(100)


def test_replace_positions_adopts_the_broker_and_reports_differences(book: Portfolio) -> None:
    book.apply_fill(fill(AAPL, "BUY", 100, "10", "0"))
    book.apply_fill(fill(MSFT, "BUY", 10, "50", "0"))
    book.apply_fill(fill(CALL, "BUY", 1, "2", "0"))
    changed = Recorder()
    book.positions_changed += changed
    differences = book.replace_positions(
        [
            BrokerPosition(AAPL, D(100), D("10.01")),  # same quantity: keep our average cost
            BrokerPosition(MSFT, D(15), D(51)),
            BrokerPosition(Instrument.stock("IBM"), D(-5), D(200)),
        ]
    )
    assert set(differences) == {
        PositionDifference("MSFT", D(10), D(15)),
        PositionDifference("IBM", D(0), D(-5)),
        PositionDifference(CALL.key, D(1), D(0)),
    }
    assert book.position("AAPL") == Position(AAPL, D(100), D(10))
    assert book.position("MSFT") == Position(MSFT, D(15), D(51))
    assert book.position(CALL.key) == Position(CALL, D(0), D(0))
    assert {p.key for p in book.positions()} == {"AAPL", "MSFT", "IBM"}
    assert len(changed.calls) == 1
    assert book.gross_exposure() == D(1000) + D(15 * 50) + D(1000)
    assert (
        book.replace_positions(
            [BrokerPosition(p.instrument, p.quantity, p.avg_cost) for p in book.positions()]
        )
        == []
    )


# -- property: P&L is consistent with cash -----------------------------------------------------

fills_strategy = st.lists(
    st.tuples(
        st.sampled_from([AAPL, MSFT, CALL]),
        st.sampled_from(["BUY", "SELL"]),
        st.integers(1, 500),
        st.integers(1, 100_000),  # price in cents
        st.integers(0, 500),  # commission in cents
    ),
    min_size=1,
    max_size=40,
)
marks_strategy = st.lists(st.integers(1, 100_000), min_size=3, max_size=3)


@given(fills_strategy, marks_strategy)
def test_realized_plus_unrealized_equals_change_in_cash_plus_market_value(
    fills: list[tuple[Instrument, str, int, int, int]], marks: list[int]
) -> None:
    portfolio = Portfolio(ManualClock(T0))
    start = D(250_000)
    portfolio.set_account(AccountSnapshot("DU1", cash=start, equity=start))
    for instrument, side, qty, cents, fee in fills:
        portfolio.apply_fill(fill(instrument, side, qty, str(D(cents) / 100), str(D(fee) / 100)))
    prices = {i.key: D(cents) / 100 for i, cents in zip((AAPL, MSFT, CALL), marks, strict=True)}
    portfolio.on_quotes({key: Quote(key, last=float(price)) for key, price in prices.items()})
    market_value = sum(
        (p.quantity * prices[p.key] * p.instrument.multiplier for p in portfolio.positions()),
        D(0),
    )
    pnl = portfolio.realized_pnl() + portfolio.unrealized_pnl()
    # Average costs are Decimal quotients (28 digits): allow rounding in the last places.
    assert abs(portfolio.cash() + market_value - start - pnl) < D("1e-12")
    assert abs(portfolio.equity() - start - portfolio.total_pnl()) < D("1e-12")
    assert portfolio.net_exposure() == market_value
    fees = sum((D(fee) / 100 for *_, fee in fills), D(0))
    per_position = sum((p.realized_pnl for p in _all_positions(portfolio)), D(0))
    assert abs(portfolio.realized_pnl() - per_position) < D("1e-12")
    assert sum((p.commissions for p in _all_positions(portfolio)), D(0)) == fees


def _all_positions(portfolio: Portfolio) -> list[Position]:
    return [p for i in (AAPL, MSFT, CALL) if (p := portfolio.position(i.key)) is not None]


def test_a_baseline_is_established_only_once_the_positions_are_loaded_and_marked(
    clock: ManualClock,
) -> None:
    # Found against a loopback TWS (issue 14): the baseline came from the first account
    # snapshot (cash only), so the positions marked later showed as +5,200 of day P&L.
    portfolio = Portfolio(clock)
    baselines = Recorder()
    portfolio.day_baseline_set += baselines
    portfolio.set_account(AccountSnapshot("DU1", cash=D(50_000), equity=D(61_000)))
    assert not portfolio.day_pnl_established
    portfolio.replace_positions([BrokerPosition(AAPL, D(100), D(100))])
    assert not portfolio.day_pnl_established  # valued at cost, not yet at the market

    portfolio.on_quotes({"AAPL": Quote("AAPL", last=110.0)})

    assert portfolio.day_pnl_established
    assert portfolio.day_pnl() == 0  # not +11,000: holding since yesterday is no day's gain
    assert portfolio.snapshot().day_pnl_known
    assert baselines.calls == [("DU1", dt.date(2026, 1, 5), D(61_000))]
    portfolio.on_quotes({"AAPL": Quote("AAPL", last=108.0)})
    assert portfolio.day_pnl() == D(-200)


def test_an_account_without_positions_is_established_once_the_broker_says_so(
    clock: ManualClock,
) -> None:
    portfolio = Portfolio(clock)
    portfolio.set_account(AccountSnapshot("DU1", cash=D(50_000), equity=D(50_000)))
    assert not portfolio.snapshot().day_pnl_known
    portfolio.replace_positions([])
    assert portfolio.day_pnl_established and portfolio.snapshot().day_pnl_known


def test_a_restored_baseline_of_today_gives_the_same_day_pnl_after_a_restart(
    clock: ManualClock,
) -> None:
    portfolio = Portfolio(clock)
    assert not portfolio.restore_day_baseline(dt.date(2026, 1, 4), D(40_000))  # yesterday's
    assert portfolio.restore_day_baseline(dt.date(2026, 1, 5), D(49_000))
    portfolio.set_account(AccountSnapshot("DU1", cash=D(40_000), equity=D(50_000)))
    # Cash alone against yesterday's full equity is no loss to act on: wait for the positions.
    assert not portfolio.day_pnl_established
    portfolio.replace_positions([BrokerPosition(AAPL, D(100), D(100))])
    portfolio.on_quotes({"AAPL": Quote("AAPL", last=100.0)})

    assert portfolio.day_pnl_established
    assert portfolio.day_pnl() == D(1_000)
    clock.set(dt.datetime(2026, 1, 6, 5, 0, tzinfo=dt.UTC))  # New York midnight: a new day
    assert portfolio.day_pnl() == 0


def test_a_late_commission_moves_cash_and_realized_pnl_by_the_difference(book: Portfolio) -> None:
    bought = fill(AAPL, "BUY", 100, "10.00", "0")  # booked before IB's commission report came
    book.apply_fill(bought)
    sold = fill(AAPL, "SELL", 40, "12.00", "1")
    book.apply_fill(sold)
    cash, realized = book.cash(), book.realized_pnl()
    changed = Recorder()
    book.positions_changed += changed
    assert book.correct_fill(bought, D("1.25"))
    assert book.cash() == cash - D("1.25")
    assert book.realized_pnl() == realized - D("1.25")
    position = book.position("AAPL")
    assert position is not None and position.commissions == D("2.25")
    assert (position.quantity, position.avg_cost) == (D(60), D(10))  # the price is untouched
    assert changed.calls == [([position],)]
    assert book.total_pnl() == book.realized_pnl() + book.unrealized_pnl()


def test_a_commission_correction_of_an_unknown_or_unchanged_fill_changes_nothing(
    book: Portfolio,
) -> None:
    booked = fill(AAPL, "BUY", 10, "10.00", "1")
    book.apply_fill(booked)
    cash = book.cash()
    assert not book.correct_fill(booked, D(1))
    assert not book.correct_fill(fill(MSFT, "BUY", 1, "5", "0"), D(3))  # never booked here
    assert book.cash() == cash


def test_a_broker_that_reports_day_pnl_is_taken_at_its_word_once_it_does(
    clock: ManualClock,
) -> None:
    portfolio = Portfolio(clock, broker_day_pnl=True)
    portfolio.set_account(AccountSnapshot("DU1", cash=D(50_000), equity=D(55_200)))
    portfolio.replace_positions([BrokerPosition(AAPL, D(100), D(138))])  # valued at cost
    assert not portfolio.day_pnl_established
    assert portfolio.day_pnl() == 0  # never the cash-only baseline's +13,800
    figures = (("AAPL", D("-200")),)
    portfolio.set_account(
        AccountSnapshot("DU1", cash=D(50_000), day_pnl=D("-200"), position_day_pnl=figures)
    )
    assert portfolio.day_pnl_established
    assert portfolio.day_pnl() == portfolio.snapshot().day_pnl == D(-200)
    assert portfolio.position_day_pnl("AAPL") == D(-200)
    assert portfolio.position_day_pnl("MSFT") is None
