"""The simulated market generated in a real child process and streamed to the SimBroker."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from terminal.app import TradingApp
from terminal.broker.base import ConnectionState
from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe
from terminal.broker.sim.factory import sim_broker_from_settings
from terminal.domain import (
    ManualClock,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    WallClock,
)
from terminal.settings import Settings, SimSettings
from tests.helpers.waiting import until
from tests.integration.app_setup import track

pytestmark = pytest.mark.asyncio
START = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def gone(pid: int) -> bool:
    """True when no process ``pid`` exists (exited and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Batches:
    """Collect the quote batches a broker publishes; wait for the next one."""

    def __init__(self, broker: SimBroker) -> None:
        self.batches: list[list[Quote]] = []
        self._arrived = asyncio.Event()
        broker.quotes_received += self._on_quotes

    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        self.batches.append(list(quotes))
        self._arrived.set()

    async def next(self) -> list[Quote]:
        self._arrived.clear()
        await asyncio.wait_for(self._arrived.wait(), timeout=10)
        return self.batches[-1]


async def subscribe_all(broker: SimBroker) -> None:
    for symbol in broker.exchange.stocks:
        await broker.subscribe_quotes(await broker.qualify(symbol))


async def started(broker: SimBroker) -> int:
    """Start the market process and return its pid once it streams (its start frame sent)."""
    broker.start()
    assert broker.process is not None
    await asyncio.wait_for(broker.process.ready.wait(), timeout=10)
    pid = broker.process.pid
    assert pid is not None
    return pid


async def test_streamed_path_equals_the_in_process_path_for_the_same_seed_and_steps() -> None:
    config = SimConfig(universe=synthetic_universe(300), quote_fraction=0.4)
    streamed = SimBroker(
        ManualClock(START), config, seed=9, market_process=True, process_steps_on_command=True
    )
    local = SimBroker(ManualClock(START), config, seed=9)
    for broker in (streamed, local):
        await broker.connect()
        await subscribe_all(broker)
    got, want = Batches(streamed), Batches(local)
    await started(streamed)
    assert streamed.process is not None and streamed.process.pid != os.getpid()
    for seconds in (0.05, 0.2, 1.0, 0.05):
        streamed.step_market_process(seconds)
        local.step(seconds)
        batch = await got.next()
        expected = want.batches[-1]
        assert [(q.key, q.bid, q.ask, q.bid_size, q.ask_size, q.last) for q in batch] == [
            (q.key, q.bid, q.ask, q.bid_size, q.ask_size, q.last) for q in expected
        ]
        mirror, market = streamed.exchange.market, local.exchange.market
        np.testing.assert_array_equal(mirror.bid_ticks, market.bid_ticks)
        np.testing.assert_array_equal(mirror.ask_ticks, market.ask_ticks)
        np.testing.assert_array_equal(mirror.bid_sizes, market.bid_sizes)
        np.testing.assert_array_equal(mirror.ask_sizes, market.ask_sizes)
        np.testing.assert_array_equal(mirror.last, market.last)
        np.testing.assert_array_equal(mirror.volume, market.volume)
    assert len(got.batches) == 4 and all(len(b) > 50 for b in got.batches)
    await streamed.disconnect()


async def test_a_halt_reaches_the_market_process_and_freezes_the_instrument() -> None:
    config = SimConfig(quote_fraction=1.0)
    broker = SimBroker(
        ManualClock(START), config, seed=4, market_process=True, process_steps_on_command=True
    )
    await broker.connect()
    await subscribe_all(broker)
    got = Batches(broker)
    await started(broker)
    broker.halt("AAPL")
    broker.step_market_process(0.5)
    assert "AAPL" not in {q.key for q in await got.next()}
    broker.resume("AAPL")
    broker.step_market_process(0.5)
    assert "AAPL" in {q.key for q in await got.next()}
    await broker.disconnect()


async def test_stop_ends_and_reaps_the_market_process() -> None:
    broker = SimBroker(WallClock(), SimConfig(tick_interval=0.02), seed=1, market_process=True)
    await broker.connect()
    await subscribe_all(broker)
    got = Batches(broker)
    pid = await started(broker)
    await got.next()  # it streams on its own clock
    assert not gone(pid)
    await broker.stop()
    assert broker.process is None
    assert gone(pid)  # exited and reaped: no zombie, no orphan


async def test_a_killed_market_process_disconnects_with_the_reason_and_reconnect_restarts_it(
    logged_errors: list[logging.LogRecord],
) -> None:
    broker = SimBroker(WallClock(), SimConfig(tick_interval=0.02), seed=1, market_process=True)
    await broker.connect()
    await subscribe_all(broker)
    got = Batches(broker)
    states: list[tuple[ConnectionState, str]] = []
    broker.connection_changed += lambda state, message: states.append((state, message))
    pid = await started(broker)
    await got.next()
    os.kill(pid, signal.SIGKILL)
    await until(
        broker.connection_changed,
        lambda: broker.connection_state is ConnectionState.DISCONNECTED,
        "the lost market process",
    )
    _state, message = states[-1]
    assert "market process ended (killed by signal 9)" in message
    assert "reconnect" in message
    assert [r.getMessage() for r in logged_errors] == [
        "the simulated exchange's market process ended (killed by signal 9)"
    ]
    assert gone(pid)  # reaped
    await broker.connect()  # what the app's reconnect does: a new process, the market goes on
    assert broker.connection_state is ConnectionState.CONNECTED
    assert broker.process is not None
    await got.next()
    assert broker.process is not None and broker.process.pid not in (None, pid)
    new_pid = broker.process.pid
    await broker.disconnect()
    assert new_pid is not None and gone(new_pid)


async def test_the_trading_app_gets_streamed_quotes_and_an_order_fills_against_them(
    db_url: str,
) -> None:
    clock = WallClock()
    config = SimConfig(tick_interval=0.02, quote_fraction=1.0, trade_probability=0.8)
    broker = SimBroker(clock, config, seed=3, market_process=True)
    app = track(TradingApp.open(Settings(), db_url, broker, clock))
    app.restore()
    await app.start()
    aapl = await broker.qualify("AAPL")
    await app.market.subscribe(aapl)
    broker.start()  # what the app does after start (terminal.startup.run_market)
    await until(
        app.market.quotes_updated,
        lambda: app.market.last_quote("AAPL") is not None,
        "a streamed AAPL quote in the core",
    )
    quote = app.market.last_quote("AAPL")
    assert quote is not None and quote.bid > 0 and quote.ask > quote.bid
    staged = app.orders.stage(OrderIntent(aapl, OrderSide.BUY, Decimal(10), OrderType.MARKET))
    await app.orders.approve(staged.id, override_reason="test: market order")
    await until(
        app.orders.order_updated,
        lambda: app.orders.get(staged.id).status is OrderStatus.FILLED,
        "the order filled against the streamed market",
    )
    assert app.orders.get(staged.id).filled_quantity == 10
    assert broker.process is not None
    pid = broker.process.pid
    await app.stop()
    assert pid is not None and gone(pid)


PARENT = """
import asyncio
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import WallClock

async def main():
    broker = SimBroker(WallClock(), SimConfig(tick_interval=0.05), seed=1, market_process=True)
    await broker.connect()
    broker.start()
    await broker.process.ready.wait()
    print(broker.process.pid, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_the_market_process_exits_on_its_own_when_its_parent_is_killed() -> None:
    terminal = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, stdout=asyncio.subprocess.PIPE
    )
    assert terminal.stdout is not None
    child = int(await asyncio.wait_for(terminal.stdout.readline(), timeout=30))
    exited = os.pidfd_open(child)  # readable once the process has exited
    try:
        terminal.kill()  # SIGKILL: no clean-up runs in the parent
        await asyncio.wait_for(terminal.wait(), timeout=10)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        loop.add_reader(exited, lambda: done.done() or done.set_result(None))
        try:
            await asyncio.wait_for(done, timeout=10)  # not an orphan: it saw end of file
        finally:
            loop.remove_reader(exited)
    finally:
        os.close(exited)


async def test_the_app_runs_the_market_in_a_process_on_wall_time_unless_the_setting_is_off() -> (
    None
):
    on = SimSettings()
    off = replace(on, market_process=False)
    assert sim_broker_from_settings(on, WallClock()).market_process
    assert not sim_broker_from_settings(off, WallClock()).market_process
    assert not sim_broker_from_settings(on, ManualClock()).market_process  # virtual time


async def test_ctrl_c_and_sigterm_to_the_group_leave_the_market_to_the_terminals_shutdown() -> None:
    config = SimConfig(quote_fraction=1.0)
    broker = SimBroker(
        ManualClock(START), config, seed=2, market_process=True, process_steps_on_command=True
    )
    await broker.connect()
    await subscribe_all(broker)
    got = Batches(broker)
    pid = await started(broker)
    assert os.getpgid(pid) == pid != os.getpgid(0)  # Ctrl+C at the shell does not reach it
    broker.step_market_process(0.1)
    await got.next()  # it runs its loop: its signal dispositions are set
    os.kill(pid, signal.SIGINT)
    os.kill(pid, signal.SIGTERM)  # a service manager's stop reaches every process
    broker.step_market_process(0.1)
    assert await got.next()  # still streaming: it ends when the terminal closes the socket
    assert broker.connection_state is ConnectionState.CONNECTED
    await broker.stop()
    assert gone(pid)


async def test_the_trader_is_alerted_when_the_market_process_dies_and_reconnecting_resumes_it(
    db_url: str, logged_errors: list[logging.LogRecord]
) -> None:
    clock = WallClock()
    broker = SimBroker(clock, SimConfig(tick_interval=0.02), seed=3, market_process=True)
    app = track(TradingApp.open(Settings(), db_url, broker, clock))
    app.restore()
    await app.start()
    aapl = await broker.qualify("AAPL")
    await app.market.subscribe(aapl)
    broker.start()
    assert broker.process is not None
    await asyncio.wait_for(broker.process.ready.wait(), timeout=10)
    pid = broker.process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await until(
        broker.connection_changed,
        lambda: app.connection_status().state is ConnectionState.DISCONNECTED,
        "the connection lost",
    )
    lost = [a.message for a in app.alerts.active() if a.message.startswith("Connection lost")]
    assert lost == [
        "Connection lost: the simulated exchange's market process ended (killed by signal 9); "
        "reconnect to start a new one"
    ]
    assert logged_errors
    quotes: list[int] = []
    app.market.quotes_updated += lambda batch: quotes.append(len(batch))
    await broker.connect()  # File -> Connect
    await until(app.market.quotes_updated, lambda: quotes, "quotes again after reconnecting")
    assert app.connection_status().state is ConnectionState.CONNECTED
    assert broker.process is not None and broker.process.pid != pid
    await app.stop()
