"""The loopback gateway's pure parts (no sockets): framing, bar windows, matching, accounting."""

from __future__ import annotations

import datetime as dt
import math
import random
import struct

import pytest

from tests.ib.gateway import history
from tests.ib.gateway.account import Account
from tests.ib.gateway.instruments import ContractSpec, Universe
from tests.ib.gateway.market import Market
from tests.ib.gateway.orders import OrderBook, OrderCancelled, OrderChanged, OrderError
from tests.ib.gateway.pricing import black_scholes, implied_vol
from tests.ib.gateway.rates import busiest_window
from tests.ib.gateway.requests import PlacedOrder
from tests.ib.gateway.wire import FrameBuffer, MalformedFrame, encode_frame, split_body

NEW_YORK = history.TWS_TZ
FRIDAY_CLOSE = dt.datetime(2024, 1, 5, 16, 0, tzinfo=NEW_YORK).timestamp()
SUNDAY_NOON = dt.datetime(2024, 1, 7, 12, 0, tzinfo=NEW_YORK).timestamp()


# -- message rates ---------------------------------------------------------------------------


def test_the_busiest_window_counts_what_arrived_within_one_second_of_each_other() -> None:
    # Two bursts of 45 (ib_async's default allowance) 0.95 s apart: TWS sees 90 in one second.
    bursts = [0.0] * 45 + [0.95] * 45
    assert busiest_window(bursts) == 90
    # The same bursts a full second apart: never more than 45 inside one second.
    assert busiest_window([0.0] * 45 + [1.0] * 45) == 45
    # 5 every 125 ms (exact in binary): 40 in any second, whatever the window's start.
    slices = [k * 0.125 for k in range(30) for _ in range(5)]
    assert busiest_window(slices) == 40
    assert busiest_window(slices, window=0.125) == 5
    assert busiest_window([]) == 0


# -- wire ------------------------------------------------------------------------------------


def test_frames_round_trip_and_arrive_in_pieces() -> None:
    frame = encode_frame([1, 6, 42, 1, 190.5, 300.0, False, None, "x"])
    assert frame[4:] == b"1\x006\x0042\x001\x00190.5\x00300\x000\x00\x00x\x00"
    buffer = FrameBuffer()
    assert buffer.feed(frame[:7]) == []
    [body] = buffer.feed(frame[7:])
    assert split_body(body) == ["1", "6", "42", "1", "190.5", "300", "0", "", "x"]


def test_broken_frames_are_refused() -> None:
    with pytest.raises(MalformedFrame):
        FrameBuffer().feed(struct.pack(">I", 0))
    with pytest.raises(MalformedFrame):
        split_body(b"no-terminator")
    with pytest.raises(MalformedFrame):
        split_body(b"abc\x00")


# -- history windows -------------------------------------------------------------------------


def _starts(end: float, duration: str, bar_size: str, use_rth: bool) -> list[tuple[int, int]]:
    first = history.window_start(duration, end)
    return history.bar_starts(first, end, history.bar_seconds(bar_size), use_rth)


def test_one_day_on_a_sunday_is_fridays_session() -> None:
    starts = _starts(SUNDAY_NOON, "1 D", "5 mins", True)
    assert len(starts) == 78
    first = dt.datetime.fromtimestamp(starts[0][1], NEW_YORK)
    assert (first.date(), first.strftime("%H:%M")) == (dt.date(2024, 1, 5), "09:30")
    assert len(_starts(SUNDAY_NOON, "2 D", "5 mins", True)) == 156
    assert len(_starts(SUNDAY_NOON, "1 D", "1 hour", False)) == 16


def test_hourly_bars_start_at_the_session_open() -> None:
    labels = [
        dt.datetime.fromtimestamp(label, NEW_YORK).strftime("%H:%M")
        for _, label in _starts(FRIDAY_CLOSE, "1 D", "1 hour", True)
    ]
    assert labels == ["09:30", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]


def test_end_date_formats_ib_async_sends() -> None:
    utc = history.parse_end("20240105-21:00:00", 0)
    zoned = history.parse_end("20240105 16:00:00 US/Eastern", 0)
    local = history.parse_end("20240105 16:00:00", 0)
    assert utc == zoned == local == FRIDAY_CLOSE
    assert history.parse_end("", 123.0) == 123.0
    with pytest.raises(history.HistoryRequestError) as bad:
        history.parse_end("yesterday", 0)
    assert bad.value.code == 321
    with pytest.raises(history.HistoryRequestError):
        history.bar_seconds("7 fortnights")


def test_the_random_walk_is_deterministic_for_a_seed() -> None:
    def walk(seed: int) -> list[tuple[float, float, float]]:
        universe = Universe.default(dt.date(2024, 1, 5))
        market = Market(universe, lambda: FRIDAY_CLOSE)
        rng = random.Random(seed)
        for _ in range(20):
            market.walk(rng)
        return [(q.bid, q.ask, q.last) for q in map(market.stock_quote, ("AAPL", "MSFT", "SPY"))]

    assert walk(7) == walk(7)
    assert walk(7) != walk(8)
    assert all(bid < ask for bid, ask, _ in walk(7))


# -- matching --------------------------------------------------------------------------------


def _book(partial: bool = False) -> tuple[OrderBook, Market, Universe]:
    universe = Universe.default(dt.date(2024, 1, 5))
    market = Market(universe, lambda: FRIDAY_CLOSE)
    return OrderBook(market, lambda: FRIDAY_CLOSE, partial_fills=partial), market, universe


def _order(order_id: int, **fields: object) -> PlacedOrder:
    values: dict[str, object] = {
        "received_at": dt.datetime.now(dt.UTC), "client_id": 1, "order_id": order_id,
        "contract": ContractSpec(con_id=265598), "action": "SELL", "total_quantity": 100.0,
        "order_type": "LMT", "lmt_price": 195.0, "aux_price": None, "tif": "DAY",
        "oca_group": "", "account": "", "order_ref": "", "transmit": True, "parent_id": 0,
        "outside_rth": False, "oca_type": 0, "trail_stop_price": None,
        "trailing_percent": None,
    }  # fmt: skip
    values.update(fields)
    return PlacedOrder(**values)  # type: ignore[arg-type]


def test_oca_type_two_reduces_the_other_members() -> None:
    book, market, universe = _book()
    aapl = universe.stocks["AAPL"]
    book.place(_order(1, lmt_price=192.0, oca_group="g", oca_type=2), aapl, "DU1")
    book.place(_order(2, lmt_price=193.0, oca_group="g", oca_type=2, total_quantity=150.0),
               aapl, "DU1")  # fmt: skip
    market.update("AAPL", bid=192.0, ask=192.02)
    events = book.on_prices({aapl.con_id})
    other = book.get(1, 2)
    assert other is not None
    assert (other.status, other.total_qty) == ("Submitted", 50.0)
    assert any(isinstance(e, OrderChanged) and e.order.order_id == 2 for e in events)


def test_cancelling_a_parent_cancels_its_children() -> None:
    book, _, universe = _book()
    aapl = universe.stocks["AAPL"]
    book.place(_order(1, action="BUY", lmt_price=180.0, transmit=False), aapl, "DU1")
    book.place(_order(2, parent_id=1, transmit=False), aapl, "DU1")
    book.place(
        _order(3, parent_id=1, order_type="STP", lmt_price=None, aux_price=170.0), aapl, "DU1"
    )
    events = book.cancel(1, 1)
    assert [e.order.order_id for e in events if isinstance(e, OrderCancelled)] == [1, 2, 3]
    with pytest.raises(OrderError) as refused:
        book.cancel(1, 2)
    assert refused.value.code == 10148


def test_a_trailing_percent_stop_sits_below_the_last() -> None:
    book, _, universe = _book()
    aapl = universe.stocks["AAPL"]
    book.place(_order(1, order_type="TRAIL", lmt_price=None, trailing_percent=1.0), aapl, "DU1")
    order = book.get(1, 1)
    assert order is not None
    assert order.trail_stop_price == pytest.approx(190.0 * 0.99, abs=0.01)
    assert order.status == "PreSubmitted"


def test_held_orders_cannot_be_filled_by_hand() -> None:
    book, _, universe = _book()
    book.place(_order(1, transmit=False), universe.stocks["AAPL"], "DU1")
    held = book.get(1, 1)
    assert held is not None
    with pytest.raises(OrderError):
        book.fill(held, None, None)


# -- accounting and pricing ------------------------------------------------------------------


def test_average_cost_includes_commission_and_multiplier() -> None:
    universe = Universe.default(dt.date(2024, 1, 5))
    option = universe.options["AAPL"][0]
    account = Account("DU1", cash=10_000.0)
    commission, realized = account.apply_fill(option, True, 2, 3.10)
    assert (commission, realized) == (1.30, None)
    assert account.holdings[option.con_id].avg_cost == pytest.approx(310.65)
    assert account.cash == pytest.approx(10_000 - 620 - 1.30)
    commission, realized = account.apply_fill(option, False, 3, 4.00)
    assert realized == pytest.approx(2 * (400 - 310.65) - commission)
    assert account.holdings[option.con_id].quantity == -1
    assert account.holdings[option.con_id].avg_cost == 400.0


def test_put_call_parity_and_implied_vol_round_trip() -> None:
    call = black_scholes(190.0, 185.0, 0.25, 0.3, "C")
    put = black_scholes(190.0, 185.0, 0.25, 0.3, "P")
    assert call.price - put.price == pytest.approx(190.0 - 185.0 * math.exp(-0.04 * 0.25))
    assert implied_vol(call.price, 190.0, 185.0, 0.25, "C") == pytest.approx(0.3, abs=1e-6)
    assert implied_vol(0.0001, 190.0, 100.0, 0.25, "C") == -1.0
