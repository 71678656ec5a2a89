"""IBBroker against the loopback gateway: connecting (and the first connection retried while TWS
is not up), accounts, live refusal, contracts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.broker.base import BrokerError, ConnectionState
from terminal.broker.ib.broker import IBBroker
from terminal.broker.ib.connection import LiveAccountRefused
from terminal.domain import AssetClass, ManualClock, OptionRight, UnknownInstrument, WallClock
from tests.ib.adapter_setup import FAST, Seen, connected, gateway

pytestmark = pytest.mark.asyncio


async def test_connects_to_a_paper_account_and_reads_its_values() -> None:
    with gateway() as gw:
        async with connected(gw, client_id=31) as (broker, seen):
            assert broker.connection_state is ConnectionState.CONNECTED
            assert broker.account_id == "DU1234567"
            assert [s for s, _ in seen.states] == [
                ConnectionState.CONNECTING,
                ConnectionState.CONNECTED,
            ]
            assert 31 in gw.client_ids
            snapshot = await broker.account()
            values = gw.account_values("DU1234567")
            assert snapshot.is_paper
            assert snapshot.equity == Decimal(values["NetLiquidation"])
            assert snapshot.cash == Decimal(values["TotalCashValue"])
            assert snapshot.buying_power == Decimal(values["BuyingPower"])
        assert seen.last_state() is ConnectionState.DISCONNECTED


async def test_a_live_account_is_refused_without_live_and_accepted_with_it() -> None:
    with gateway(accounts=("U7654321",)) as gw:
        broker = IBBroker(replace(FAST, port=gw.port, client_id=41), WallClock())
        with pytest.raises(LiveAccountRefused, match=r"U7654321 is a LIVE account.*--live"):
            await broker.connect()
        assert broker.connection_state is ConnectionState.DISCONNECTED
        await gw.until(lambda g: g.connections == 0, what="the refused session to close")
        async with connected(gw, allow_live=True) as (live, _):
            assert live.account_id == "U7654321"
            assert not (await live.account()).is_paper


async def test_a_named_account_must_be_one_the_login_manages() -> None:
    with gateway(accounts=("DU1111111", "DU2222222")) as gw:
        async with connected(gw, account="DU2222222") as (broker, _):
            assert broker.account_id == "DU2222222"
        broker = IBBroker(replace(FAST, port=gw.port, account="DU9999999"), WallClock())
        with pytest.raises(BrokerError, match=r"DU9999999 is not managed.*DU1111111, DU2222222"):
            await broker.connect()


async def test_nothing_listening_gives_a_message_that_says_what_to_check() -> None:
    with gateway() as gw:
        port = gw.port
    broker = IBBroker(replace(FAST, port=port), WallClock())
    with pytest.raises(BrokerError, match=rf"127.0.0.1:{port}.*API enabled"):
        await broker.connect()
    assert broker.connection_state is ConnectionState.DISCONNECTED


async def test_a_client_id_in_use_is_refused_with_a_clear_error() -> None:
    with gateway() as gw:
        async with connected(gw, client_id=55):
            second = IBBroker(replace(FAST, port=gw.port, client_id=55), WallClock())
            with pytest.raises(BrokerError, match="client id 55"):
                await second.connect()


async def test_qualify_stocks_etfs_and_options_and_refuse_unknown_symbols() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify(" aapl ")
            assert (aapl.key, aapl.asset_class, aapl.tick_size) == (
                "AAPL",
                AssetClass.STOCK,
                Decimal("0.01"),
            )
            assert aapl.description
            assert (await broker.qualify("SPY")).asset_class is AssetClass.ETF
            with pytest.raises(UnknownInstrument, match="ZZZZ"):
                await broker.qualify("ZZZZ")
            params = await broker.option_chain_params(aapl)
            expiry, strike = params.expiries[0], params.strikes[len(params.strikes) // 2]
            key = f"AAPL {expiry:%Y%m%d} C {Decimal(str(strike)).normalize():f}"
            option = await broker.qualify(key)
            assert option.key == key
            assert option.right is OptionRight.CALL and option.multiplier == 100
            # A second qualify is answered from the cache: no new contract-details request.
            before = gw.received_ids().count(9)
            await broker.qualify("AAPL")
            assert gw.received_ids().count(9) == before
            assert not seen.errors  # an unknown symbol is the caller's error, not an alert


# -- the first connection, retried -------------------------------------------------------------


def announced(broker: IBBroker, clock: ManualClock) -> list[float]:
    """Record, at each DISCONNECTED, how far off the announced next attempt is (the broker's
    clock stands still here, so that is the backoff exactly)."""
    waits: list[float] = []

    def on_state(state: ConnectionState, _message: str) -> None:
        if state is ConnectionState.DISCONNECTED and broker.next_attempt is not None:
            waits.append((broker.next_attempt - clock.now()).total_seconds())

    broker.connection_changed += on_state
    return waits


async def test_a_first_connection_is_retried_with_backoff_until_tws_answers() -> None:
    with gateway() as gw:
        gw.refuse_connections(True)  # TWS not started yet
        clock = ManualClock()
        config = replace(FAST, port=gw.port, client_id=42, reconnect_initial=0.05)
        broker = IBBroker(replace(config, reconnect_max=0.2), clock)
        seen = Seen().attach(broker)
        waits = announced(broker, clock)
        connecting = asyncio.create_task(broker.connect(retry=True))
        await seen.until(lambda: len(waits) >= 4, "four failed attempts")
        assert waits[:4] == [0.05, 0.1, 0.2, 0.2]  # doubling, up to the maximum
        assert "could not connect" in seen.states[1][1] and "next try in" in seen.states[1][1]
        assert not connecting.done()
        gw.refuse_connections(False)
        await connecting
        assert broker.connection_state is ConnectionState.CONNECTED
        assert broker.next_attempt is None
        assert gw.connections == 1
        await broker.disconnect()


async def test_try_now_cuts_the_wait_before_the_next_attempt_short() -> None:
    with gateway() as gw:
        gw.refuse_connections(True)
        broker = IBBroker(replace(FAST, port=gw.port, reconnect_initial=600.0), ManualClock())
        seen = Seen().attach(broker)
        connecting = asyncio.create_task(broker.connect(retry=True))
        await seen.until(lambda: broker.next_attempt is not None, "a failed attempt")
        gw.refuse_connections(False)
        broker.connect_now()  # instead of waiting ten minutes
        await asyncio.wait_for(connecting, 5)
        assert broker.connection_state is ConnectionState.CONNECTED
        await broker.disconnect()


async def test_try_now_also_cuts_a_reconnect_wait_short() -> None:
    with gateway() as gw:
        async with connected(gw, reconnect_initial=600.0, client_id_reuse_delay=0.0) as (
            broker,
            seen,
        ):
            gw.drop_connections()
            await seen.until(lambda: broker.next_attempt is not None, "the loss")
            assert "next try in 600 s" in seen.states[-1][1]
            broker.connect_now()
            await seen.until(lambda: broker.connection_state is ConnectionState.DATA_LOST, "back")


async def test_disconnect_stops_a_first_connection_still_being_retried() -> None:
    with gateway() as gw:
        gw.refuse_connections(True)
        broker = IBBroker(replace(FAST, port=gw.port, reconnect_initial=600.0), ManualClock())
        seen = Seen().attach(broker)
        connecting = asyncio.create_task(broker.connect(retry=True))
        await seen.until(lambda: broker.next_attempt is not None, "a failed attempt")
        await broker.disconnect()  # the window closes
        with pytest.raises(BrokerError, match="stopped connecting"):
            await asyncio.wait_for(connecting, 5)
        assert broker.connection_state is ConnectionState.DISCONNECTED
        assert broker.next_attempt is None


async def test_what_retrying_cannot_fix_raises_at_once_even_with_retry() -> None:
    with gateway(accounts=("U7654321",)) as gw:
        broker = IBBroker(replace(FAST, port=gw.port, client_id=43), WallClock())
        with pytest.raises(LiveAccountRefused):
            await broker.connect(retry=True)
        assert gw.total_connections == 1
