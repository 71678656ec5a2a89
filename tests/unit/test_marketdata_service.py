"""MarketDataService: ref-counted subscriptions, batched events, bars, depth, renewal after loss."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest
import pytest_asyncio

from terminal.broker.base import BrokerError
from terminal.domain import (
    Bar,
    DepthBook,
    DepthLevel,
    Instrument,
    ManualClock,
    OptionQuote,
    Quote,
    Timeframe,
    Trade,
)
from terminal.marketdata import MarketDataService
from tests.helpers.fake_broker import FakeBroker

AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)


class GatedBroker(FakeBroker):
    """A FakeBroker whose quote subscriptions wait for a gate and can fail; records every call."""

    def __init__(self) -> None:
        super().__init__([AAPL, MSFT])
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()  # set whenever a subscribe call reaches the gate
        self.calls: list[tuple[str, str]] = []
        self.fail_subscribe: set[str] = set()

    async def subscribe_quotes(self, instrument: Instrument) -> None:
        self.calls.append(("subscribe", instrument.key))
        self.entered.set()
        await self.gate.wait()
        if instrument.key in self.fail_subscribe:
            raise BrokerError(f"no market data permissions for {instrument.key}", 354)
        await super().subscribe_quotes(instrument)

    async def unsubscribe_quotes(self, instrument: Instrument) -> None:
        self.calls.append(("unsubscribe", instrument.key))
        await super().unsubscribe_quotes(instrument)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


@pytest.fixture
def broker() -> GatedBroker:
    return GatedBroker()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest_asyncio.fixture
async def service(broker: GatedBroker, clock: ManualClock) -> AsyncIterator[MarketDataService]:
    svc = MarketDataService(broker, clock)
    yield svc
    await svc.aclose()


@pytest.mark.asyncio
async def test_broker_subscribes_once_per_key_and_unsubscribes_after_the_last_reference(
    broker: GatedBroker, service: MarketDataService
) -> None:
    await service.subscribe(AAPL)
    await service.subscribe(AAPL)
    await service.subscribe(MSFT)
    assert broker.calls == [("subscribe", "AAPL"), ("subscribe", "MSFT")]
    assert sorted(service.subscribed_keys()) == ["AAPL", "MSFT"]
    await service.unsubscribe(AAPL)
    assert ("unsubscribe", "AAPL") not in broker.calls
    await service.unsubscribe(AAPL)
    assert broker.calls[-1] == ("unsubscribe", "AAPL")
    assert service.subscribed_keys() == ["MSFT"]
    await service.unsubscribe(AAPL)  # one too many: ignored, not a second broker call
    assert broker.calls.count(("unsubscribe", "AAPL")) == 1


@pytest.mark.asyncio
async def test_concurrent_subscribes_reach_the_broker_once_and_all_wait_for_it(
    broker: GatedBroker, service: MarketDataService
) -> None:
    broker.gate.clear()
    tasks = [asyncio.create_task(service.subscribe(AAPL)) for _ in range(5)]
    await broker.entered.wait()  # the first task is at the gate; the others queued behind it
    assert broker.calls == [("subscribe", "AAPL")]
    assert not any(task.done() for task in tasks)
    broker.gate.set()
    await asyncio.gather(*tasks)
    assert broker.calls == [("subscribe", "AAPL")]
    assert broker.quote_subscriptions == {"AAPL": 1}
    for _ in range(4):
        await service.unsubscribe(AAPL)
    assert broker.quote_subscriptions == {"AAPL": 1}
    await service.unsubscribe(AAPL)
    assert broker.quote_subscriptions == {}


@pytest.mark.asyncio
async def test_failed_subscribe_raises_and_leaves_no_reference(
    broker: GatedBroker, service: MarketDataService
) -> None:
    broker.fail_subscribe.add("AAPL")
    with pytest.raises(BrokerError):
        await service.subscribe(AAPL)
    assert service.subscribed_keys() == []
    broker.fail_subscribe.clear()
    await service.subscribe(AAPL)  # tried again, not assumed running
    assert broker.calls == [("subscribe", "AAPL"), ("subscribe", "AAPL")]
    assert service.subscribed_keys() == ["AAPL"]


@pytest.mark.asyncio
async def test_one_broker_batch_gives_one_event_with_the_latest_quote_per_key(
    broker: GatedBroker, service: MarketDataService
) -> None:
    seen = Recorder()
    service.quotes_updated += seen
    broker.push_quotes(
        Quote("AAPL", bid=1, ask=2), Quote("MSFT", bid=3, ask=4), Quote("AAPL", bid=1.5, ask=2)
    )
    assert len(seen.calls) == 1
    (batch,) = seen.calls[0]
    assert isinstance(batch, Mapping)
    assert batch == {"AAPL": Quote("AAPL", bid=1.5, ask=2), "MSFT": Quote("MSFT", bid=3, ask=4)}
    assert service.last_quote("AAPL") == Quote("AAPL", bid=1.5, ask=2)
    broker.push_quotes()
    assert len(seen.calls) == 1  # an empty batch is not news


@pytest.mark.asyncio
async def test_age_counts_from_the_last_quote_received(
    broker: GatedBroker, service: MarketDataService, clock: ManualClock
) -> None:
    assert service.age("AAPL", clock.now()) is None
    broker.push_quotes(Quote("AAPL", last=10))
    clock.advance(3)
    broker.push_quotes(Quote("MSFT", last=10))
    clock.advance(2)
    assert service.age("AAPL", clock.now()) == 5
    assert service.age("MSFT", clock.now()) == 2


@pytest.mark.asyncio
async def test_data_lost_renews_every_running_subscription(
    broker: GatedBroker, service: MarketDataService
) -> None:
    await service.subscribe(AAPL)
    await service.subscribe(MSFT)
    await service.subscribe_depth(AAPL)
    await service.unsubscribe(MSFT)
    broker.depth_subscriptions.clear()  # the broker forgot everything
    renewed: asyncio.Future[Sequence[str]] = asyncio.get_running_loop().create_future()
    service.subscriptions_renewed += renewed.set_result
    broker.restore_connection(data_lost=True)
    assert await asyncio.wait_for(renewed, 1) == []
    assert broker.calls.count(("subscribe", "AAPL")) == 2
    assert broker.calls.count(("subscribe", "MSFT")) == 1  # no longer wanted: not renewed
    assert broker.depth_subscriptions == {"AAPL"}


@pytest.mark.asyncio
async def test_reconnect_after_disconnect_renews_and_reports_failures(
    broker: GatedBroker, service: MarketDataService
) -> None:
    await service.subscribe(AAPL)
    await service.subscribe(MSFT)
    renewed: asyncio.Future[Sequence[str]] = asyncio.get_running_loop().create_future()
    service.subscriptions_renewed += renewed.set_result
    broker.drop_connection()
    broker.fail_subscribe.add("MSFT")
    broker.restore_connection(data_lost=False)
    assert await asyncio.wait_for(renewed, 1) == ["MSFT"]
    assert broker.calls.count(("subscribe", "AAPL")) == 2
    assert "MSFT" in service.subscribed_keys()  # still wanted; the next renewal tries again


@pytest.mark.asyncio
async def test_plain_connect_without_a_prior_loss_does_not_resubscribe(
    broker: GatedBroker, service: MarketDataService
) -> None:
    await service.subscribe(AAPL)
    tasks_before = asyncio.all_tasks()
    await broker.connect()
    assert asyncio.all_tasks() == tasks_before
    assert broker.calls == [("subscribe", "AAPL")]


@pytest.mark.asyncio
async def test_aclose_cancels_a_pending_renewal_and_stops_listening(
    broker: GatedBroker, clock: ManualClock
) -> None:
    service = MarketDataService(broker, clock)
    await service.subscribe(AAPL)
    broker.gate.clear()
    broker.entered.clear()
    broker.restore_connection(data_lost=True)
    await broker.entered.wait()
    assert broker.calls.count(("subscribe", "AAPL")) == 2  # renewal waiting at the gate
    await service.aclose()
    seen = Recorder()
    service.quotes_updated += seen
    broker.push_quotes(Quote("AAPL", last=1))
    assert seen.calls == []
    assert service.last_quote("AAPL") is None


def trade(minute: int, second: int, price: float, size: float = 1, key: str = "AAPL") -> Trade:
    return Trade(key, price, size, T0.replace(minute=minute, second=second))


@pytest.mark.asyncio
async def test_bars_are_published_only_for_subscribed_keys_and_timeframes(
    broker: GatedBroker, service: MarketDataService
) -> None:
    seen = Recorder()
    service.bars_updated += seen
    await service.subscribe_bars(AAPL, Timeframe.M1)
    await service.subscribe_bars(AAPL, Timeframe.M1)
    assert broker.calls == [("subscribe", "AAPL")]  # bars ride on the quote subscription
    broker.trades_received.emit([trade(30, 1, 10.0, key="MSFT"), trade(30, 5, 10.0)])
    broker.trades_received.emit([trade(30, 20, 11.0, 2), trade(31, 0, 9.0)])
    assert seen.calls == [
        ("AAPL", Timeframe.M1, Bar(T0, 10, 10, 10, 10, 1), True),
        ("AAPL", Timeframe.M1, Bar(T0, 10, 11, 10, 11, 3), False),
        ("AAPL", Timeframe.M1, Bar(T0.replace(minute=31), 9, 9, 9, 9, 1), True),
    ]
    await service.unsubscribe_bars(AAPL, Timeframe.M1)
    await service.unsubscribe_bars(AAPL, Timeframe.M1)
    assert broker.calls[-1] == ("unsubscribe", "AAPL")
    broker.trades_received.emit([trade(31, 5, 9.5)])
    assert len(seen.calls) == 3


@pytest.mark.asyncio
async def test_the_broker_is_asked_only_for_the_prints_a_tape_or_a_live_bar_keeps(
    broker: GatedBroker, service: MarketDataService
) -> None:
    assert broker.print_keys == frozenset()  # quotes alone keep no print
    await service.subscribe(MSFT)
    assert broker.print_keys == frozenset()
    await service.subscribe_bars(AAPL, Timeframe.M1)
    await service.subscribe_tape(MSFT)
    assert broker.print_keys == {"AAPL", "MSFT"}
    await service.unsubscribe_bars(AAPL, Timeframe.M1)
    assert broker.print_keys == {"MSFT"}
    await service.unsubscribe_tape(MSFT)
    assert broker.print_keys == frozenset()
    await service.aclose()
    assert broker.print_keys is None  # nobody filters for a service that left


@pytest.mark.asyncio
async def test_history_is_joined_with_live_bars_into_one_series(
    broker: GatedBroker, service: MarketDataService
) -> None:
    history = [Bar(T0 - dt.timedelta(minutes=3 - i), 10, 11, 9, 10, 100) for i in range(4)]
    broker.history[("AAPL", Timeframe.M1)] = history  # the last history bar is 14:30, partial
    await service.subscribe_bars(AAPL, Timeframe.M1)
    broker.trades_received.emit([trade(30, 30, 12.0, 5), trade(31, 10, 8.0, 5)])
    bars = await service.history(AAPL, Timeframe.M1, 100)
    assert [b.start for b in bars] == [b.start for b in history] + [T0.replace(minute=31)]
    assert bars[3] == Bar(T0, 10, 12, 9, 12, 100)
    assert bars[4] == Bar(T0.replace(minute=31), 8, 8, 8, 8, 5)
    assert await service.history(AAPL, Timeframe.M1, 2) == bars[-2:]


@pytest.mark.asyncio
async def test_depth_is_ref_counted_cached_and_published(
    broker: GatedBroker, service: MarketDataService
) -> None:
    seen = Recorder()
    service.depth_updated += seen
    await service.subscribe_depth(AAPL)
    await service.subscribe_depth(AAPL)
    book = DepthBook("AAPL", (DepthLevel(9.99, 100),), (DepthLevel(10.01, 200),))
    broker.depth_received.emit(book)
    assert seen.calls == [(book,)]
    assert service.last_depth("AAPL") == book
    await service.unsubscribe_depth(AAPL)
    assert broker.depth_subscriptions == {"AAPL"}
    await service.unsubscribe_depth(AAPL)
    assert broker.depth_subscriptions == set()
    assert service.last_depth("AAPL") is None


@pytest.mark.asyncio
async def test_option_quotes_pass_through_in_one_event_per_batch(
    broker: GatedBroker, service: MarketDataService
) -> None:
    seen = Recorder()
    service.option_quotes_updated += seen
    expiry = dt.date(2026, 12, 18)
    members = await service.subscribe_option_chain(AAPL, expiry, [150.0])
    again = await service.subscribe_option_chain(AAPL, expiry, [150.0])
    assert [m.key for m in members] == ["AAPL 20261218 C 150", "AAPL 20261218 P 150"]
    assert again == members
    call, put = (m.key for m in members)
    broker.option_quotes_received.emit(
        [OptionQuote(call, bid=1.0), OptionQuote(put, bid=2.0), OptionQuote(call, bid=1.1)]
    )
    assert seen.calls == [({call: OptionQuote(call, bid=1.1), put: OptionQuote(put, bid=2.0)},)]
    assert service.last_option_quote(call) == OptionQuote(call, bid=1.1)
    await service.unsubscribe_option_chain(AAPL, expiry)
    assert service.last_option_quote(call) is not None  # one subscriber is left
    await service.unsubscribe_option_chain(AAPL, expiry)
    assert service.last_option_quote(call) is None
