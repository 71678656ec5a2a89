"""The gateway serves a client whose asyncio loop is qasync's (the terminal's), not plain asyncio:
its own loop thread makes the two independent.

The loop is disposed of with the window's own helper: a plain ``close()`` leaves the loop's Qt
timers (the 10 s and 4 s timeouts below) to the garbage collector, which may run on another
thread and so crash the test process seconds later (see ``widgets/event_loop.py``)."""

from __future__ import annotations

import asyncio

import qasync
from ib_async import IB, MarketOrder, Stock
from PySide6.QtWidgets import QApplication

from tests.ib.gateway import running_gateway
from tests.ib.gateway.client_wait import client_until
from widgets.event_loop import dispose_loop


def test_a_client_on_a_qasync_loop_connects_streams_and_trades(qapp: QApplication) -> None:
    loop = qasync.QEventLoop(qapp)
    with running_gateway() as gw:

        async def scenario() -> tuple[float, str, int]:
            ib = IB()
            await ib.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
            try:
                ticker = ib.reqMktData(Stock("AAPL", "SMART", "USD", conId=265598))
                gw.set_quote("AAPL", bid=190.50, ask=190.52, last=190.51)
                await client_until(ib, lambda: ticker.last == 190.51, what="tick on qasync")
                trade = ib.placeOrder(ticker.contract, MarketOrder("BUY", 10))
                await gw.until(lambda g: g.order(trade.order.orderId).status == "Filled")
                await client_until(ib, lambda: trade.isDone(), what="fill on qasync")
                return ticker.bid, trade.orderStatus.status, gw.connections
            finally:
                ib.disconnect()

        try:
            bid, status, connections = loop.run_until_complete(asyncio.wait_for(scenario(), 10))
        finally:
            dispose_loop(loop)
            asyncio.set_event_loop(None)
    assert (bid, status, connections) == (190.50, "Filled", 1)
