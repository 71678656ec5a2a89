"""BarRecorder: which instruments' 1-minute bars are recorded, and when a bar is written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest

from terminal.broker.base import BrokerError
from terminal.domain import (
    Bar,
    Combo,
    ComboLeg,
    Instrument,
    ManualClock,
    Order,
    OrderSide,
    OrderStatus,
    Position,
    Timeframe,
    Trade,
)
from terminal.marketdata import MarketDataService
from terminal.marketdata.recorder import BarRecorder
from terminal.tasks import OwnedTasks
from tests.helpers.fake_broker import FakeBroker
from tests.helpers.sim_support import make_order

pytestmark = pytest.mark.asyncio

AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)


class Rig:
    """A recorder on a real market data service over a FakeBroker; saves kept in a list."""

    def __init__(self) -> None:
        self.broker = FakeBroker([AAPL, MSFT])
        self.market = MarketDataService(self.broker, ManualClock(T0))
        self.failures: list[tuple[str, BaseException]] = []
        self.tasks = OwnedTasks(lambda name, exc: self.failures.append((name, exc)))
        self.saves: list[tuple[int, list[tuple[str, Bar]]]] = []
        #: What the recorder asked to run after the current turn of the loop.
        self.deferred: list[Callable[[], None]] = []
        self.recorder = BarRecorder(
            self.market, self._save, self.tasks.spawn, defer=self.deferred.append
        )

    def _save(self, seconds: int, bars: Sequence[tuple[str, Bar]]) -> None:
        self.saves.append((seconds, list(bars)))

    def saved(self) -> list[tuple[str, Bar]]:
        """The bars written, once the loop's turn is over (the deferred callbacks run)."""
        while self.deferred:
            self.deferred.pop(0)()
        return [bar for _, bars in self.saves for bar in bars]

    def prints(self, *trades: tuple[str, float, float]) -> None:
        """One broker batch of prints: (key, price, seconds after T0)."""
        self.broker.trades_received.emit(
            [Trade(key, price, 10.0, T0 + dt.timedelta(seconds=s)) for key, price, s in trades]
        )

    async def settle(self) -> None:
        await self.tasks.idle()
        assert not self.failures


def order(
    instrument: Instrument = AAPL,
    status: OrderStatus = OrderStatus.STAGED,
    combo: Combo | None = None,
) -> Order:
    placed = make_order(instrument, OrderSide.BUY, 1, limit_price="1", combo=combo)
    return dataclasses.replace(placed, status=status)


async def test_a_staged_order_starts_recording_and_its_cancellation_stops_it() -> None:
    rig = Rig()
    rig.recorder.adopt([], [])
    staged = order()
    rig.recorder.on_order_updated(staged)
    await rig.settle()
    assert rig.recorder.recording == ["AAPL"]
    assert rig.broker.quote_subscriptions == {"AAPL": 1}
    rig.recorder.on_order_updated(dataclasses.replace(staged, status=OrderStatus.CANCELLED))
    await rig.settle()
    assert rig.recorder.recording == []
    assert rig.broker.quote_subscriptions == {}


async def test_a_position_keeps_the_recording_after_its_order_filled_until_it_is_flat() -> None:
    rig = Rig()
    rig.recorder.adopt([], [])
    staged = order()
    rig.recorder.on_order_updated(staged)
    rig.recorder.on_positions_changed([Position(AAPL, Decimal(100), Decimal(1))])
    rig.recorder.on_order_updated(dataclasses.replace(staged, status=OrderStatus.FILLED))
    await rig.settle()
    assert rig.recorder.recording == ["AAPL"]
    rig.prints(("AAPL", 10.0, 5), ("AAPL", 11.0, 30))
    rig.prints(("AAPL", 9.5, 61), ("MSFT", 50.0, 62))  # a new minute: the first one closed
    assert rig.saved() == [("AAPL", Bar(T0, 10.0, 11.0, 10.0, 11.0, 20.0))]
    rig.recorder.on_positions_changed([Position(AAPL)])  # flat
    await rig.settle()
    # The forming bar holds the exit: written when the recording stops.
    assert rig.saved()[1:] == [
        ("AAPL", Bar(T0 + dt.timedelta(minutes=1), 9.5, 9.5, 9.5, 9.5, 10.0))
    ]
    assert rig.recorder.recording == [] and rig.broker.quote_subscriptions == {}
    rig.prints(("AAPL", 12.0, 130))
    assert len(rig.saved()) == 2  # nothing after flat
    assert all(seconds == 60 for seconds, _ in rig.saves)


async def test_instruments_nobody_trades_are_not_recorded_even_when_charted() -> None:
    rig = Rig()
    rig.recorder.adopt([], [Position(AAPL, Decimal(5), Decimal(1))])
    await rig.market.subscribe_bars(MSFT, Timeframe.M1)  # a chart of MSFT
    await rig.settle()
    rig.prints(("MSFT", 50.0, 1), ("AAPL", 10.0, 2))
    rig.prints(("MSFT", 51.0, 61), ("AAPL", 10.5, 62))
    assert [key for key, _ in rig.saved()] == ["AAPL"]


async def test_the_bars_closed_in_one_turn_of_the_loop_are_one_write() -> None:
    rig = Rig()
    held = [Position(AAPL, Decimal(5), Decimal(1)), Position(MSFT, Decimal(-5), Decimal(1))]
    rig.recorder.adopt([], held)
    await rig.settle()
    rig.prints(("AAPL", 10.0, 1), ("MSFT", 50.0, 2))
    rig.prints(("AAPL", 10.5, 61))
    rig.prints(("MSFT", 51.0, 62))
    assert rig.saves == [] and len(rig.deferred) == 1  # not on the tick path: after the turn
    rig.saved()
    assert [sorted(key for key, _ in bars) for _, bars in rig.saves] == [["AAPL", "MSFT"]]


async def test_nothing_is_subscribed_before_start_up_adopts_the_session() -> None:
    rig = Rig()
    rig.recorder.on_order_updated(order())  # restored before the loop runs
    assert len(rig.tasks) == 0 and rig.recorder.recording == []
    rig.recorder.adopt([], [])
    await rig.settle()
    assert rig.recorder.recording == ["AAPL"]


async def test_combos_are_not_recorded_and_closing_writes_the_forming_bars() -> None:
    rig = Rig()
    calls = [Instrument.option("AAPL", dt.date(2026, 1, 16), k, "C") for k in (230, 240)]
    legs = (ComboLeg(calls[0], 1, OrderSide.BUY), ComboLeg(calls[1], 1, OrderSide.SELL))
    combo = Combo(legs, "vertical")
    rig.recorder.adopt(
        [order(combo.instrument, combo=combo)], [Position(MSFT, Decimal(1), Decimal(1))]
    )
    await rig.settle()
    assert rig.recorder.recording == ["MSFT"]
    rig.prints(("MSFT", 50.0, 1))
    rig.recorder.close()
    assert rig.saved() == [("MSFT", Bar(T0, 50.0, 50.0, 50.0, 50.0, 10.0))]
    rig.prints(("MSFT", 51.0, 61), ("MSFT", 52.0, 121))
    assert len(rig.saved()) == 1  # closed: records nothing more


async def test_a_refused_subscription_is_logged_and_not_retried_while_wanted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = Rig()
    unknown = Instrument.stock("ZZZZ")
    calls = 0

    async def refuse(instrument: Instrument) -> None:
        nonlocal calls
        calls += 1
        raise BrokerError(f"no market data permissions for {instrument.key}", 354)

    rig.broker.subscribe_quotes = refuse  # type: ignore[method-assign]
    rig.recorder.adopt([], [Position(unknown, Decimal(1), Decimal(1))])
    await rig.settle()
    rig.recorder.on_order_updated(order(unknown))
    await rig.settle()
    assert calls == 1 and rig.recorder.recording == []
    assert "cannot record the bars of ZZZZ" in caplog.text


async def test_orders_of_other_terminals_on_the_desk_are_not_recorded() -> None:
    rig = Rig()
    mine = order(AAPL)
    recorder = BarRecorder(
        rig.market, rig._save, rig.tasks.spawn, defer=rig.deferred.append, owns=lambda o: o is mine
    )
    recorder.adopt([mine, order(MSFT)], [])
    await rig.settle()
    assert recorder.recording == ["AAPL"]
