"""Day P&L on IB is IB's own (reqPnL, reqPnLSingle) from the first second: a terminal started
on an account holding a position bought long ago shows the day's P&L, not the position's gain
since it was bought; without IB's figure the day P&L is not established and the daily-loss
limit does not act."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.app import TradingApp
from terminal.broker.ib.broker import IBBroker
from terminal.domain import WallClock
from terminal.settings import Settings, UiSettings
from terminal.startup import wait_for
from tests.ib.adapter_setup import FAST
from tests.ib.gateway import Gateway, running_gateway

pytestmark = pytest.mark.asyncio
NOT_ESTABLISHED = "Day P&L not established yet"


@asynccontextmanager
async def ib_app(
    tmp_path: Path, client_id: int, *, daily_loss_limit: str = "25000", **gateway: Any
) -> AsyncIterator[tuple[Gateway, TradingApp]]:
    with running_gateway(**gateway) as gw:
        close = gw.quote("AAPL").close
        gw.set_quote("AAPL", bid=close - 0.01, ask=close + 0.01, last=close)  # flat on the day
        gw.set_position("AAPL", 100, avg_cost=close - 52.0)  # bought long ago, far lower
        base = Settings(ui=UiSettings(watchlist=("AAPL",)))
        settings = replace(
            base, risk=replace(base.risk, daily_loss_limit=Decimal(daily_loss_limit))
        )
        config = replace(FAST, port=gw.port, client_id=client_id, pnl_wait=0.5)
        broker = IBBroker(config, WallClock())
        app = TradingApp.open(settings, f"sqlite:///{tmp_path / 'ib.db'}", broker, WallClock())
        app.restore()
        await app.start()
        try:
            yield gw, app
        finally:
            await app.stop()


def alerts(app: TradingApp, text: str) -> list[str]:
    return [a.message for a in app.alerts.active() if text in a.message]


async def test_day_pnl_is_ibs_from_the_first_second_and_follows_it(tmp_path: Path) -> None:
    async with ib_app(tmp_path, client_id=141) as (gw, app):
        # Valued at cost, the position would "gain" 5,200 today; IB says the day is flat.
        assert app.portfolio.day_pnl_established
        assert app.portfolio.day_pnl() == 0
        assert app.portfolio.snapshot().day_pnl == 0
        assert alerts(app, NOT_ESTABLISHED) == []
        assert not app.kill_switch.is_tripped
        close = gw.quote("AAPL").close
        gw.set_quote("AAPL", bid=close - 2.01, ask=close - 1.99, last=close - 2.0)
        gw.publish_account()  # TWS refreshes its P&L figures
        await wait_for(
            app.portfolio.pnl_updated, lambda: app.portfolio.day_pnl() == -200, "IB's new figure"
        )
        assert app.portfolio.position_day_pnl("AAPL") == Decimal(-200)


async def test_a_loss_ib_reports_trips_the_daily_loss_limit(tmp_path: Path) -> None:
    async with ib_app(tmp_path, client_id=142, daily_loss_limit="150") as (gw, app):
        assert not app.kill_switch.is_tripped  # a flat day: nothing to halt on
        close = gw.quote("AAPL").close
        gw.set_quote("AAPL", bid=close - 2.01, ask=close - 1.99, last=close - 2.0)
        gw.publish_account()
        await wait_for(app.trading_state.state_changed, lambda: app.kill_switch.is_tripped, "halt")
        assert app.portfolio.day_pnl() == -200


async def test_without_ibs_figure_day_pnl_is_not_established_and_no_limit_acts_on_it(
    tmp_path: Path,
) -> None:
    async with ib_app(tmp_path, client_id=143, daily_loss_limit="1", account_pnl=False) as (
        _,
        app,
    ):
        assert not app.portfolio.day_pnl_established
        assert app.portfolio.day_pnl() == 0
        assert len(alerts(app, NOT_ESTABLISHED)) == 1
        assert not app.kill_switch.is_tripped
