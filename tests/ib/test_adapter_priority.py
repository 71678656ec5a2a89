"""Orders never wait behind data: the global cancel goes at once whatever is queued, order
messages overtake every queued market-data, history and contract request, and the total stays
within the throttle's rule (4 per 100 ms, under IB's 50 a second; the fourth slot of every
window is the kill switch's).

ib_async's throttle runs on a virtual clock here (tests/ib/throttle_clock.py), and so does the
adapter's data lane, which reads the same loop: what leaves, and when, is exact. The order of
arrival is what the gateway recorded. bench/kill_switch.py measures the times on a real socket.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from terminal.broker.base import BrokerError, NotConnected
from terminal.broker.ib.broker import THROTTLE_MESSAGES, THROTTLE_SECONDS, IBBroker
from terminal.broker.ib.lanes import KILL_SWITCH_RESERVE
from terminal.domain import Instrument, OrderStatus, OrderType, Timeframe
from tests.ib.adapter_setup import Seen, connected, gateway, order
from tests.ib.gateway import Gateway
from tests.ib.gateway.rates import busiest_window
from tests.ib.throttle_clock import ThrottleClock, throttle_clock

pytestmark = pytest.mark.asyncio
S = OrderStatus
REQ_MKT_DATA, PLACE_ORDER, CANCEL_ORDER, REQ_CONTRACT_DETAILS = "1", "3", "4", "9"
REQ_HISTORICAL, REQ_GLOBAL_CANCEL = "20", "58"
#: Slots per window for order messages and data; the last one is the global cancel's.
SLOTS = THROTTLE_MESSAGES - KILL_SWITCH_RESERVE
#: Data leaves spread over the window, one every SPACING seconds.
SPACING = THROTTLE_SECONDS / SLOTS
LINES = 600


def listed(gw: Gateway, count: int, prefix: str = "D") -> list[str]:
    symbols = [f"{prefix}{i:03d}" for i in range(count)]
    for i, symbol in enumerate(symbols):
        gw.add_stock(symbol, 10.0 + i)
    return symbols


@asynccontextmanager
async def with_symbols(
    count: int, client_id: int
) -> AsyncIterator[tuple[Gateway, IBBroker, Seen, list[Instrument]]]:
    with gateway(max_market_data_lines=LINES) as gw:
        symbols = listed(gw, count)
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with connected(gw, client_id=client_id, market_data_lines=LINES) as (broker, seen):
            # Set-up, not under test: the lookups leave unthrottled (the loopback takes them).
            broker.ib.client.MaxRequests = 0
            instruments = list(await asyncio.gather(*(broker.qualify(s) for s in symbols)))
            broker.ib.client.MaxRequests = THROTTLE_MESSAGES
            yield gw, broker, seen, instruments


def ids(clock: ThrottleClock) -> list[str]:
    return [fields[0] for _, fields in clock.sent]


def arrived(gw: Gateway, client_id: int, since: int) -> list[tuple[str, ...]]:
    return [m.fields for m in gw.received if m.client_id == client_id][since:]


def within_the_rule(clock: ThrottleClock) -> None:
    """The throttle's rule, on what it wrote: at most 4 per 100 ms (so 40 per second) in all,
    only 3 of them other than the global cancel, and data never more than 3 either."""
    times = clock.times()
    assert busiest_window(times, THROTTLE_SECONDS) <= THROTTLE_MESSAGES
    assert busiest_window(times, 1.0) <= 10 * THROTTLE_MESSAGES < 50
    others = [t for t, fields in clock.sent if fields[0] != REQ_GLOBAL_CANCEL]
    assert busiest_window(others, THROTTLE_SECONDS) <= SLOTS
    data = [t for t, fields in clock.sent if fields[0] in (REQ_MKT_DATA, REQ_HISTORICAL)]
    assert busiest_window(data, THROTTLE_SECONDS) <= SLOTS


async def test_data_requests_leave_spread_three_per_tenth_keeping_the_kill_switch_slot() -> None:
    """IB disconnects a client over 50 messages a second: 100 subscriptions leave one every
    1/30 s, 3 per tenth of a second (30/s), in the order asked; the fourth slot stays free."""
    async with with_symbols(100, client_id=77) as (gw, broker, _, instruments):
        before = len(gw.received_ids(77))
        with throttle_clock(broker.ib) as clock:
            await asyncio.gather(*(broker.subscribe_quotes(i) for i in instruments))
            assert len(clock.sent) == 1  # the first at once
            assert broker.lanes.queued_data == 99
            clock.advance(SPACING * 0.9)
            assert len(clock.sent) == 1  # the next one a third of a window later
            clock.advance(SPACING * 0.2)
            assert len(clock.sent) == 2
            clock.run()
        times = clock.times()
        assert ids(clock) == [REQ_MKT_DATA] * 100
        assert busiest_window(times, THROTTLE_SECONDS) == SLOTS == 3
        assert busiest_window(times, 1.0) == 30
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert max(gaps) < SPACING * 1.01  # nothing waits longer than it must
        assert broker.lanes.queued_data == 0
        await gw.until(lambda g: g.market_data_lines() == 100, what="100 lines at IB")
        assert arrived(gw, 77, before) == [fields for _, fields in clock.sent]


@pytest.mark.parametrize("queued", [150, 500])
async def test_the_global_cancel_overtakes_every_queued_data_request(queued: int) -> None:
    async with with_symbols(queued, client_id=78) as (gw, broker, _, instruments):
        before = len(gw.received_ids(78))
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments:
                await broker.subscribe_quotes(instrument)
            clock.advance(0.25)  # a few are out, the rest wait
            out = len(clock.sent)
            assert broker.lanes.queued_data == queued - out > 0
            await broker.cancel_all()  # the kill switch
            # Written at once, at the trip's (virtual) time: it waited for nothing.
            assert clock.sent[-1][0] == clock.now
            assert ids(clock)[-1] == REQ_GLOBAL_CANCEL
            clock.run()
        sent = ids(clock)
        assert sent == [REQ_MKT_DATA] * out + [REQ_GLOBAL_CANCEL] + [REQ_MKT_DATA] * (queued - out)
        within_the_rule(clock)
        await gw.until(lambda g: g.market_data_lines() == queued, what="every line at IB")
        assert [f[0] for f in arrived(gw, 78, before)] == sent  # as the gateway received them


async def test_an_order_and_its_cancel_overtake_queued_history_and_subscriptions() -> None:
    async with with_symbols(150, client_id=79) as (gw, broker, seen, instruments):
        aapl = await broker.qualify("AAPL")
        before = len(gw.received_ids(79))
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments[:140]:
                await broker.subscribe_quotes(instrument)
            history = [
                asyncio.create_task(broker.history_bars(i, Timeframe.M5, 10))
                for i in instruments[140:]
            ]
            await asyncio.sleep(0)  # the history requests join the data lane
            clock.advance(0.2)  # a window full of data
            buy = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150")
            placed_at, placed = clock.now, len(clock.sent)
            await broker.place_order(buy)
            clock.advance(0.05)
            cancel_at, cancelled = clock.now, len(clock.sent)
            await broker.cancel_order(buy)
            clock.run()
            await asyncio.gather(*history)
        sent = ids(clock)
        # Each is the next message written after it was asked for, within a third of a window.
        assert sent[placed] == PLACE_ORDER and clock.sent[placed][0] - placed_at <= SPACING
        assert sent[cancelled] == CANCEL_ORDER and clock.sent[cancelled][0] - cancel_at <= SPACING
        assert sent.index(CANCEL_ORDER) < sent.index(REQ_HISTORICAL)  # asked before, sent after
        assert sent.count(REQ_HISTORICAL) == 10
        within_the_rule(clock)
        await seen.until(lambda: S.CANCELLED in seen.statuses_of(buy.id), "cancelled at IB")
        assert [f[0] for f in arrived(gw, 79, before)] == sent


async def test_a_burst_of_order_messages_leaves_three_per_window_before_any_data() -> None:
    async with with_symbols(40, client_id=80) as (_, broker, seen, instruments):
        aapl = await broker.qualify("AAPL")
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments:
                await broker.subscribe_quotes(instrument)
            orders = [order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150") for _ in range(9)]
            for each in orders:
                await broker.place_order(each)
            assert broker.lanes.queued_orders == 9 - (SLOTS - 1)  # the data took one slot
            clock.run()
        sent = ids(clock)
        first, last = sent.index(PLACE_ORDER), len(sent) - sent[::-1].index(PLACE_ORDER)
        assert sent[first:last] == [PLACE_ORDER] * 9  # no data in between
        within_the_rule(clock)
        for each in orders:
            await seen.until(lambda o=each: S.ACCEPTED in seen.statuses_of(o.id), "working")


async def test_the_kill_switch_withdraws_placements_still_waiting_and_cancels_the_rest() -> None:
    """A placement that has not left when the kill switch trips would reach IB after the global
    cancel and start working: it is withdrawn and reported cancelled, and never sent."""
    async with with_symbols(0, client_id=84) as (gw, broker, seen, _):
        aapl = await broker.qualify("AAPL")
        with throttle_clock(broker.ib) as clock:
            orders = [order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150") for _ in range(7)]
            for each in orders:
                await broker.place_order(each)
            assert broker.lanes.queued_orders == 7 - SLOTS
            await broker.cancel_all()
            assert ids(clock) == [PLACE_ORDER] * SLOTS + [REQ_GLOBAL_CANCEL]
            assert broker.lanes.queued_orders == 0
            clock.run()
        assert ids(clock) == [PLACE_ORDER] * SLOTS + [REQ_GLOBAL_CANCEL]  # nothing after it
        for each in orders[SLOTS:]:
            update = next(u for u in seen.statuses if u.order_id == each.id)
            assert update.status is S.CANCELLED and "withdrawn" in update.reason
        for each in orders[:SLOTS]:
            await seen.until(lambda o=each: S.CANCELLED in seen.statuses_of(o.id), "cancelled")
        assert len(gw.placed_orders) == SLOTS


async def test_a_stream_dropped_while_its_request_waits_never_reaches_ib() -> None:
    async with with_symbols(20, client_id=81) as (gw, broker, _, instruments):
        before = len(gw.received_ids(81))
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments:
                await broker.subscribe_quotes(instrument)
            for instrument in instruments[10:]:
                await broker.unsubscribe_quotes(instrument)
            clock.run()
        assert ids(clock) == [REQ_MKT_DATA] * 10  # neither the request nor a cancel went out
        await gw.until(lambda g: g.market_data_lines() == 10, what="10 lines at IB")
        requested = [f[4] for f in arrived(gw, 81, before)]  # the contracts' symbols
        assert requested == [i.symbol for i in instruments[:10]]


async def test_what_waits_in_the_lanes_when_the_socket_drops_fails_loudly() -> None:
    """A lookup waiting in the data lane fails as NotConnected; a placement waiting in the
    order lane is reported rejected (it never reached IB), not left hanging."""
    async with with_symbols(30, client_id=82) as (gw, broker, seen, instruments):
        aapl = await broker.qualify("AAPL")
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments:
                await broker.subscribe_quotes(instrument)
            lookup = asyncio.create_task(broker.qualify("MSFT"))
            await asyncio.sleep(0)
            orders = [order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150") for _ in range(4)]
            for each in orders:
                await broker.place_order(each)
            assert broker.lanes.queued_orders == 2  # the data took one slot, two orders left
            gw.drop_connections()
            with pytest.raises(NotConnected, match="closed"):
                async with asyncio.timeout(5):
                    await lookup
            assert broker.lanes.queued_data == broker.lanes.queued_orders == 0
            assert REQ_CONTRACT_DETAILS not in ids(clock)
        for each in orders[2:]:
            update = next(u for u in seen.statuses if u.order_id == each.id)
            assert update.status is S.REJECTED_BY_BROKER and "not sent" in update.reason
        await seen.until(lambda: broker.connection_state.value == "data_lost", "reconnected", 10)


async def test_a_disconnect_lets_every_queued_order_message_out_first() -> None:
    """Orders queued in the order lane when the window closes (disconnect) still leave: none is
    lost in the lane."""
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with connected(gw, client_id=83) as (broker, _):
            aapl = await broker.qualify("AAPL")
            for _ in range(12):  # about 400 ms of order messages
                await broker.place_order(order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150"))
            assert broker.lanes.queued_orders > 0
        await gw.until(lambda g: len(g.placed_orders) == 12, what="every order at IB")


# -- what the health view reads ------------------------------------------------------------


async def test_health_reports_the_round_trip_the_rate_and_what_waits_in_each_lane() -> None:
    async with with_symbols(60, client_id=85) as (gw, broker, _, instruments):
        assert await broker.measure_round_trip() > 0
        health = broker.health()
        assert health.round_trip is not None and health.round_trip_error == ""
        assert (health.message_limit, health.throttle_limit) == (50, 40)
        aapl = await broker.qualify("AAPL")
        with throttle_clock(broker.ib) as clock:
            for instrument in instruments:
                await broker.subscribe_quotes(instrument)
            for _ in range(5):
                await broker.place_order(order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150"))
            health = broker.health()
            assert (health.queued_orders, health.queued_data) == (5 - (SLOTS - 1), 59)
            assert health.messages_per_second == SLOTS  # 1 data + 2 orders, this window
            clock.run()
            assert (broker.health().queued_orders, broker.health().queued_data) == (0, 0)
        gw.hold_replies()  # TWS stops answering
        broker.round_trip.answer_seconds = 0.2
        with pytest.raises(BrokerError, match="did not answer"):
            await broker.measure_round_trip()
        assert broker.health().round_trip is None
        assert "did not answer" in broker.health().round_trip_error
        gw.release_replies()
