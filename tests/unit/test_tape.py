"""The time & sales tape: aggressor classification, the bounded ring, the large-print rule,
and the market data service's reference-counted tape subscriptions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator, Sequence

import pytest
import pytest_asyncio

from terminal.domain import Instrument, ManualClock, Quote, Trade
from terminal.marketdata import MarketDataService
from terminal.marketdata.tape import (
    MIN_SAMPLE,
    Aggressor,
    Print,
    Tape,
    TapeSource,
    classify,
    tape_source,
)
from terminal.settings import SettingsError, TapeSettings, settings_from_dict
from tests.helpers.fake_broker import FakeBroker

AAPL = Instrument.stock("AAPL")
MSFT = Instrument.stock("MSFT")
T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
QUOTE = Quote("AAPL", bid=100.0, ask=100.10)


def trade(price: float, size: float = 100, seconds: int = 0, key: str = "AAPL") -> Trade:
    return Trade(key, price, size, T0 + dt.timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (100.10, Aggressor.BUY),  # at the ask: a buyer lifted it
        (100.20, Aggressor.BUY),  # through the ask
        (100.00, Aggressor.SELL),  # at the bid: a seller hit it
        (99.90, Aggressor.SELL),
        (100.05, Aggressor.BETWEEN),
    ],
)
def test_a_print_is_judged_against_the_quote_in_force(price: float, expected: Aggressor) -> None:
    assert classify(price, 100.0, 100.10) is expected


def test_float_noise_at_the_touch_still_counts_as_at_the_touch() -> None:
    assert classify(1.1 * 3, 3.2, 3.3) is Aggressor.BUY  # 3.3000000000000003
    assert classify(0.1 + 0.2, 0.3, 0.31) is Aggressor.SELL  # 0.30000000000000004


@pytest.mark.parametrize(
    ("bid", "ask"), [(math.nan, 100.1), (100.0, math.nan), (0.0, 100.1), (100.2, 100.1)]
)
def test_without_a_two_sided_quote_the_side_is_unknown(bid: float, ask: float) -> None:
    assert classify(100.1, bid, ask) is Aggressor.UNKNOWN


def test_tape_keeps_the_quote_it_judged_against_and_lists_newest_first() -> None:
    tape = Tape("AAPL")
    tape.add(trade(100.10, seconds=1), QUOTE)
    tape.add(trade(100.00, seconds=2), QUOTE)
    tape.add(trade(100.05, seconds=3), None)
    prints = tape.newest()
    assert [p.time.second for p in prints] == [3, 2, 1]
    assert [p.aggressor for p in prints] == [Aggressor.UNKNOWN, Aggressor.SELL, Aggressor.BUY]
    assert (prints[1].bid, prints[1].ask) == (100.0, 100.10)
    assert tape.newest(2) == prints[:2]


def test_the_ring_holds_the_most_recent_prints_only() -> None:
    tape = Tape("AAPL", TapeSettings(length=5))
    for i in range(12):
        tape.add(trade(100.0, size=i + 1, seconds=i), QUOTE)
    assert len(tape) == 5
    assert [p.size for p in tape.newest()] == [12, 11, 10, 9, 8]
    assert tape.median_size() == 10  # the sizes that fell off no longer count


def test_a_print_many_times_the_median_is_large_once_the_tape_has_a_sample() -> None:
    tape = Tape("AAPL", TapeSettings(large_multiple=10))
    for i in range(MIN_SAMPLE - 1):
        assert not tape.add(trade(100.0, size=100, seconds=i), QUOTE).large
    early = tape.add(trade(100.0, size=5000), QUOTE)
    assert not early.large  # 49 prints before it: too few to know what is usual
    assert tape.median_size() == 100
    assert not tape.add(trade(100.0, size=999), QUOTE).large
    assert tape.add(trade(100.0, size=1000), QUOTE).large  # exactly 10x the median


def test_a_fixed_large_size_marks_prints_from_the_first_one() -> None:
    tape = Tape("AAPL", TapeSettings(large_multiple=0, large_size=500))
    assert tape.add(trade(100.0, size=500), QUOTE).large
    assert not tape.add(trade(100.0, size=499), QUOTE).large
    for i in range(MIN_SAMPLE * 2):
        tape.add(trade(100.0, size=1, seconds=i), QUOTE)
    assert not tape.add(trade(100.0, size=400), QUOTE).large  # the median rule is off


def test_the_tape_settings_are_read_and_checked() -> None:
    settings = settings_from_dict({"tape": {"length": 300, "large_size": 2500}})
    assert settings.tape == TapeSettings(length=300, large_multiple=10.0, large_size=2500.0)
    with pytest.raises(SettingsError, match=r"tape\.length"):
        settings_from_dict({"tape": {"length": 0}})


def test_the_source_says_when_prints_are_only_last_price_ticks() -> None:
    assert tape_source("sim") is TapeSource.SIMULATOR
    assert tape_source("ib") is TapeSource.LAST_PRICE
    assert "no tick-by-tick" in TapeSource.LAST_PRICE.value


# -- the service -------------------------------------------------------------------------------
class CountingBroker(FakeBroker):
    def __init__(self) -> None:
        super().__init__([AAPL, MSFT])
        self.calls: list[tuple[str, str]] = []

    async def subscribe_quotes(self, instrument: Instrument) -> None:
        self.calls.append(("subscribe", instrument.key))
        await super().subscribe_quotes(instrument)

    async def unsubscribe_quotes(self, instrument: Instrument) -> None:
        self.calls.append(("unsubscribe", instrument.key))
        await super().unsubscribe_quotes(instrument)


@pytest.fixture
def broker() -> CountingBroker:
    return CountingBroker()


@pytest_asyncio.fixture
async def service(broker: CountingBroker) -> AsyncIterator[MarketDataService]:
    svc = MarketDataService(broker, ManualClock(T0), tape=TapeSettings(length=3))
    yield svc
    await svc.aclose()


@pytest.mark.asyncio
async def test_tape_subscriptions_are_counted_and_ride_on_one_quote_stream(
    broker: CountingBroker, service: MarketDataService
) -> None:
    await service.subscribe(AAPL)  # the watchlist's quote subscription
    await service.subscribe_tape(AAPL)
    await service.subscribe_tape(AAPL)
    assert broker.calls == [("subscribe", "AAPL")]
    await service.unsubscribe_tape(AAPL)
    assert service.tape("AAPL") is not None
    await service.unsubscribe_tape(AAPL)
    assert service.tape("AAPL") is None  # the last one forgot the prints
    assert broker.calls == [("subscribe", "AAPL")]  # the watchlist still holds the quotes
    await service.unsubscribe(AAPL)
    assert broker.calls[-1] == ("unsubscribe", "AAPL")


@pytest.mark.asyncio
async def test_prints_of_tape_keys_are_classified_against_the_latest_quote(
    broker: CountingBroker, service: MarketDataService
) -> None:
    batches: list[Sequence[Print]] = []
    service.prints_updated.connect(batches.append)
    await service.subscribe_tape(AAPL)
    await service.subscribe(MSFT)
    broker.quotes_received.emit([QUOTE])
    broker.trades_received.emit([trade(100.10), trade(50.0, key="MSFT"), trade(100.0)])
    broker.quotes_received.emit([Quote("AAPL", bid=100.20, ask=100.30)])
    broker.trades_received.emit([trade(100.20, seconds=1)])
    assert [[(p.key, p.aggressor) for p in b] for b in batches] == [
        [("AAPL", Aggressor.BUY), ("AAPL", Aggressor.SELL)],  # MSFT has no tape
        [("AAPL", Aggressor.SELL)],  # judged against the bid that moved up
    ]
    tape = service.tape("AAPL")
    assert tape is not None and len(tape) == 3
    assert service.tape_source is TapeSource.LAST_PRICE  # not the simulator
