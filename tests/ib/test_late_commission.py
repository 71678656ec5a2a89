"""The whole core over the real socket: a commission report that comes after the adapter stopped
waiting for it corrects the booked fill (book, realized P&L, database), once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.broker.ib.broker import IBBroker
from terminal.domain import OrderIntent, OrderSide, OrderType, WallClock
from terminal.settings import Settings, UiSettings
from terminal.startup import wait_for
from tests.ib.adapter_setup import FAST, gateway

pytestmark = pytest.mark.asyncio


async def test_a_commission_report_after_the_wait_corrects_the_booked_fill(
    tmp_path: Path,
) -> None:
    settings = Settings(ui=UiSettings(watchlist=("AAPL",)))
    db = f"sqlite:///{tmp_path / 'ib.db'}"
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        gw.hold_commissions()  # IB's commission report comes late
        # The adapter stops waiting after 0.2 s (production: 5 s); the report comes when the
        # test releases it, after the fill was booked without it.
        config = replace(FAST, port=gw.port, client_id=135, commission_wait=0.2)
        app = TradingApp.open(settings, db, IBBroker(config, WallClock()), WallClock())
        app.restore()
        await app.start()
        try:
            intent = OrderIntent(
                app.watchlist[0],
                OrderSide.BUY,
                Decimal(10),
                OrderType.LIMIT,
                limit_price=Decimal("195"),
                outside_rth=True,
            )
            staged = app.orders.stage(intent)
            await app.orders.approve(staged.id, override_reason="test: resting order")
            await gw.until(lambda g: len(g.orders()) == 1 and g.orders()[0].status == "Submitted")
            gw.fill(gw.orders()[0].order_id, price=195.0)
            await wait_for(
                app.orders.fill_recorded, lambda: app.orders.book.known_exec_ids(), "the fill", 5
            )
            [exec_id] = app.orders.book.known_exec_ids()
            booked = app.orders.book.fill(exec_id)
            assert booked is not None and booked.commission == 0
            realized = app.portfolio.realized_pnl()

            gw.repeat_messages("commissions")  # and TWS sends it twice
            gw.release_commissions()
            await wait_for(
                app.orders.fill_corrected,
                lambda: app.orders.book.fill(exec_id) != booked,
                "the correction",
                5,
            )
            [execution] = gw.executions()
            commission = Decimal(str(execution.commission))
            corrected = app.orders.book.fill(exec_id)
            assert corrected is not None and corrected.commission == commission > 0
            # Realized P&L carries it (cash too, until IB's next account update, which
            # already includes it, replaces the cash figure).
            assert app.portfolio.realized_pnl() == realized - commission
            position = app.portfolio.position("AAPL")
            assert position is not None and position.commissions == commission
        finally:
            await app.stop()
        assert [f.commission for f in app.store.load_fills()] == [commission]
