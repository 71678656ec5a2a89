"""The loopback gateway's sessions and faults, seen through the unmodified ib_async client."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import struct
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from ib_async import IB, LimitOrder, Stock

from tests.ib.gateway import SERVER_VERSION, Gateway, running_gateway
from tests.ib.gateway.client_wait import client_until

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def gw() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


@pytest_asyncio.fixture
async def ib(gw: Gateway) -> AsyncIterator[IB]:
    client = IB()
    await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
    yield client
    client.disconnect()


def _codes(client: IB) -> list[int]:
    codes: list[int] = []
    client.errorEvent += lambda req_id, code, text, contract: codes.append(code)
    return codes


@pytest.mark.asyncio
async def test_connect_answers_every_startup_request_with_the_paper_account() -> None:
    with running_gateway(next_order_id=117) as gw:
        client = IB()
        codes = _codes(client)
        # raiseSyncErrors: a startup request left unanswered fails the connect (after its
        # timeout) instead of being logged and waited out.
        await client.connectAsync(
            "127.0.0.1", gw.port, clientId=7, timeout=10, raiseSyncErrors=True
        )
        try:
            assert client.managedAccounts() == ["DU1234567"]
            assert client.client.serverVersion() == SERVER_VERSION == 176
            assert {2104, 2106, 2158} <= set(codes)
            ids = gw.received_ids(7)
            assert ids[0] == 71
            assert {61, 5, 99, 6, 76, 7} <= set(ids)
            # The client numbers its requests from the nextValidId the gateway announced.
            multi = next(m for m in gw.received if m.msg_id == 76)
            assert int(multi.fields[2]) >= 117
            assert gw.connections == 1
            assert gw.client_ids == [7]
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_a_live_account_is_managed_when_configured() -> None:
    with running_gateway(accounts=("U7654321",)) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            assert client.managedAccounts() == ["U7654321"]
            net_liq = [v for v in client.accountValues() if v.tag == "NetLiquidation"]
            assert [(v.account, v.currency) for v in net_liq] == [("U7654321", "USD")]
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_current_time_and_next_ids_answer(gw: Gateway, ib: IB) -> None:
    before = int(time.time())  # TWS answers in whole seconds
    now = await ib.reqCurrentTimeAsync()
    assert before <= now.timestamp() <= time.time()
    announced: list[int] = []
    ib.wrapper.nextValidId = announced.append
    trade = ib.placeOrder(Stock("AAPL", "SMART", "USD"), LimitOrder("BUY", 1, 150.0))
    ib.client.reqIds(1)
    await client_until(ib, lambda: bool(announced), what="nextValidId")
    assert announced == [trade.order.orderId + 1]


@pytest.mark.asyncio
async def test_dropped_connection_fires_disconnected_event(gw: Gateway, ib: IB) -> None:
    disconnected = asyncio.Event()
    ib.disconnectedEvent += disconnected.set
    gw.drop_connections()
    await asyncio.wait_for(disconnected.wait(), 5)
    assert not ib.isConnected()
    await gw.until(lambda g: g.connections == 0, what="gateway saw the drop")


@pytest.mark.asyncio
async def test_connectivity_codes_reach_the_error_event(gw: Gateway, ib: IB) -> None:
    seen: list[tuple[int, int]] = []
    ib.errorEvent += lambda req_id, code, text, contract: seen.append((req_id, code))
    gw.send_error(1100, "Connectivity between IB and Trader Workstation has been lost.")
    gw.send_error(1101, "Connectivity between IB and TWS has been restored- data lost.")
    gw.send_error(1102, "Connectivity between IB and TWS has been restored- data maintained.")
    await client_until(ib, lambda: len(seen) >= 3, what="three connectivity messages")
    assert seen == [(-1, 1100), (-1, 1101), (-1, 1102)]


@pytest.mark.asyncio
async def test_client_id_in_use_is_refused_with_326(gw: Gateway, ib: IB) -> None:
    second = IB()
    codes = _codes(second)
    with pytest.raises(TimeoutError):
        await second.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=1)
    assert 326 in codes
    assert not second.isConnected()
    assert ib.isConnected()
    assert gw.client_ids == [1]


@pytest.mark.asyncio
async def test_held_replies_wait_for_the_release_and_keep_their_order(gw: Gateway, ib: IB) -> None:
    gw.hold_replies()
    done: list[str] = []
    first = asyncio.ensure_future(ib.reqCurrentTimeAsync())
    first.add_done_callback(lambda _: done.append("time"))
    await gw.until(lambda g: g.held_replies == 1, what="the time held")
    second = asyncio.ensure_future(ib.reqContractDetailsAsync(Stock("AAPL", "SMART", "USD")))
    second.add_done_callback(lambda _: done.append("details"))
    await gw.until(lambda g: g.held_replies == 3, what="the details and their end held")
    assert done == []  # held: nothing was written
    gw.release_replies()
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert done == ["time", "details"]
    assert gw.held_replies == 0
    await asyncio.wait_for(ib.reqCurrentTimeAsync(), 5)  # answered at once again
    assert gw.held_replies == 0


@pytest.mark.asyncio
async def test_refused_connections_stop_listening_then_accept_again(gw: Gateway, ib: IB) -> None:
    gw.refuse_connections(True)
    client = IB()
    with pytest.raises(ConnectionRefusedError):
        await client.connectAsync("127.0.0.1", gw.port, clientId=2, timeout=2)
    await ib.reqCurrentTimeAsync()  # the session already up is not touched
    gw.refuse_connections(False)
    await client.connectAsync("127.0.0.1", gw.port, clientId=2, timeout=2)
    try:
        assert gw.client_ids == [1, 2]
    finally:
        client.disconnect()


@pytest.mark.asyncio
async def test_refused_connections_can_accept_then_close(gw: Gateway) -> None:
    gw.refuse_connections(True, mode="close")
    client = IB()
    with pytest.raises(TimeoutError):
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=0.5)
    assert gw.total_connections == 0
    gw.refuse_connections(False)
    await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=2)
    client.disconnect()
    assert gw.total_connections == 1


async def _raw_session(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    version = b"v157..178"
    writer.write(b"API\0" + struct.pack(">I", len(version)) + version)
    (length,) = struct.unpack(">I", await asyncio.wait_for(reader.readexactly(4), 5))
    fields = (await reader.readexactly(length)).split(b"\0")[:-1]
    assert fields[0] == b"176"
    assert len(fields) == 2
    return reader, writer


@pytest.mark.asyncio
async def test_a_malformed_frame_closes_only_that_connection(gw: Gateway, ib: IB) -> None:
    reader, writer = await _raw_session(gw.port)
    writer.write(struct.pack(">I", 5) + b"junk!")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    assert ib.isConnected()
    await ib.reqCurrentTimeAsync()


@pytest.mark.asyncio
async def test_unknown_message_ids_are_recorded_and_ignored(gw: Gateway, ib: IB) -> None:
    ib.client.send(999, 1, "whatever")
    await ib.reqCurrentTimeAsync()
    ids = gw.received_ids(1)
    assert ids.index(999) < ids.index(49)


@pytest.mark.asyncio
async def test_until_times_out_with_the_description(gw: Gateway) -> None:
    with pytest.raises(TimeoutError, match="a second client"):
        await gw.until(lambda g: g.connections == 2, timeout=0.2, what="a second client")


@pytest.mark.asyncio
async def test_wait_until_blocks_a_thread_until_the_state_changes(gw: Gateway) -> None:
    waiting = asyncio.create_task(
        asyncio.to_thread(gw.wait_until, lambda g: g.connections == 1, 5.0, "client")
    )
    client = IB()
    await client.connectAsync("127.0.0.1", gw.port, clientId=3, timeout=4)
    try:
        await asyncio.wait_for(waiting, 5)
        with pytest.raises(TimeoutError, match="never"):
            await asyncio.to_thread(gw.wait_until, lambda g: g.connections == 5, 0.1, "never")
    finally:
        client.disconnect()


@pytest.mark.asyncio
async def test_message_rate_reads_the_arrival_times_of_one_client(gw: Gateway, ib: IB) -> None:
    ib.client.MaxRequests = 0  # no client throttle: the gateway takes what arrives
    for _ in range(10):
        ib.client.reqCurrentTime()
    await gw.until(lambda g: g.received_ids(1).count(49) == 10, what="10 requests")
    arrivals = [m.monotonic for m in gw.received if m.client_id == 1]
    # The count itself is tested on made-up times in test_gateway_parts; here: per client,
    # over what the gateway recorded, and no other client's messages in it.
    assert gw.message_rate(1, window=3600) == len(arrivals)
    assert gw.message_rate(2) == 0


@pytest.mark.asyncio
async def test_demo_entry_point_listens_streams_and_stops_on_interrupt() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.ib.gateway", "--port", "0", "--seed", "3",
        "--interval", "0.05", cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        match = re.fullmatch(r"gateway listening on 127\.0\.0\.1:(\d+)\n", line)
        assert match, line
        client = IB()
        await client.connectAsync("127.0.0.1", int(match.group(1)), clientId=1, timeout=4)
        try:
            ticker = client.reqMktData(Stock("AAPL", "SMART", "USD", conId=265598))
            seen: set[float] = set()

            def moved() -> bool:
                if ticker.bid == ticker.bid:  # not NaN
                    seen.add(ticker.bid)
                return len(seen) >= 3

            await client_until(client, moved, timeout=5, what="the streamer moves AAPL")
        finally:
            client.disconnect()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
