"""Combo orders at IB: one BAG with its legs through the real ib_async client and socket to the
loopback gateway; fills per leg become leg positions, the BAG's own execution is never booked."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.app import TradingApp
from terminal.broker.ib.broker import IBBroker
from terminal.domain import (
    Combo,
    ComboLeg,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    WallClock,
)
from terminal.domain.combo_fills import add_leg_fill
from terminal.settings import Settings, UiSettings
from terminal.startup import wait_for
from tests.ib.adapter_setup import FAST, connected, gateway, position_of
from tests.ib.gateway import Gateway
from tests.ib.gateway.combos import BAG_CON_ID

pytestmark = pytest.mark.asyncio
S = OrderStatus
BUY, SELL = OrderSide.BUY, OrderSide.SELL
_ids = itertools.count(1)


async def vertical(broker: IBBroker, low: int = 190, high: int = 195) -> Combo:
    """The AAPL low/high call vertical on the gateway's first expiry (bought: a debit)."""
    aapl = await broker.qualify("AAPL")
    expiry = (await broker.option_chain_params(aapl)).expiries[0]
    return Combo(
        (
            ComboLeg(Instrument.option("AAPL", expiry, low, "C"), 1, BUY),
            ComboLeg(Instrument.option("AAPL", expiry, high, "C"), 1, SELL),
        ),
        "vertical",
    )


def combo_order(combo: Combo, side: OrderSide, quantity: int, **fields: Any) -> Order:
    """An approved combo order, as the order manager hands it to the broker."""
    if fields.get("limit_price") is not None:
        fields["limit_price"] = Decimal(str(fields["limit_price"]))
    now = dt.datetime.now(dt.UTC)
    return Order(
        id=f"C-{next(_ids)}",
        intent=OrderIntent.for_combo(combo, side, quantity, **fields),
        status=S.APPROVED,
        created_at=now,
        updated_at=now,
        approved_by="test",
    )


def net_ask(gw: Gateway, combo: Combo) -> float:
    """What buying one unit costs at the gateway now (asks of bought legs, bids of sold)."""
    total = 0.0
    for leg in combo.legs:
        quote = gw.quote(occ(leg.instrument))
        total += leg.ratio * (quote.ask if leg.side is BUY else -quote.bid)
    return total


def occ(option: Instrument) -> str:
    assert option.expiry is not None and option.right is not None and option.strike is not None
    right, strike = option.right.value, int(option.strike * 1000)
    return f"{option.symbol:<6}{option.expiry:%y%m%d}{right}{strike:08d}"


async def test_a_vertical_reaches_ib_as_one_bag_with_its_legs_ratios_actions_and_net_limit() -> (
    None
):
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            assert broker.capabilities.combos
            combo = await vertical(broker)
            # Resting: a debit vertical is not bought for 0.50 (nor ever at a credit of 5.00).
            orders = [
                combo_order(combo, BUY, 3, order_type=OrderType.LIMIT, limit_price=limit, tif=tif)
                for limit, tif in (("0.50", TimeInForce.DAY), ("-5.00", TimeInForce.GTC))
            ]
            for order in orders:
                await broker.place_order(order)
                await seen.until(lambda o=order: S.ACCEPTED in seen.statuses_of(o.id), "working")
            first, credit = gw.placed_orders
            assert (first.contract.sec_type, first.contract.symbol) == ("BAG", "AAPL")
            assert (first.action, first.total_quantity, first.order_type) == ("BUY", 3, "LMT")
            assert (first.lmt_price, first.tif, first.order_ref) == (0.5, "DAY", orders[0].id)
            legs = [(leg.con_id, leg.ratio, leg.action, leg.exchange) for leg in first.combo_legs]
            assert legs == [
                (gw.con_id(occ(combo.legs[0].instrument)), 1, "BUY", "SMART"),
                (gw.con_id(occ(combo.legs[1].instrument)), 1, "SELL", "SMART"),
            ]
            assert first.combo_params == ()  # a US option combo: guaranteed, no NonGuaranteed
            assert (credit.lmt_price, credit.tif) == (-5.0, "GTC")  # a credit stays negative
            assert gw.executions() == []
            assert not seen.fills


async def test_a_sold_market_combo_goes_as_sell_with_the_legs_of_the_bought_combo() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            order = combo_order(combo, SELL, 2, order_type=OrderType.MARKET)
            await broker.place_order(order)
            await seen.until(lambda: S.FILLED in seen.statuses_of(order.id), "filled")
            placed = gw.placed_orders[0]
            assert (placed.action, placed.order_type) == ("SELL", "MKT")
            assert [leg.action for leg in placed.combo_legs] == ["BUY", "SELL"]
            await seen.until(lambda: len(seen.fills) == 2, "both legs")
            sides = {f.key: f.side for f in seen.fills}
            assert sides == {combo.legs[0].instrument.key: SELL, combo.legs[1].instrument.key: BUY}


async def test_leg_fills_land_as_leg_positions_counted_in_whole_units_never_the_bag() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            limit = round(net_ask(gw, combo) + 0.50, 2)
            order = combo_order(combo, BUY, 2, order_type=OrderType.LIMIT, limit_price=limit)
            broker_id = await broker.place_order(order)
            await seen.until(lambda: S.FILLED in seen.statuses_of(order.id), "filled")
            # The gateway sent the legs' executions and the BAG's own one (net price, units).
            sent = gw.executions()
            assert [e.instrument.sec_type for e in sent] == ["OPT", "OPT", "BAG"]
            assert sent[2].instrument.con_id == BAG_CON_ID
            await seen.until(lambda: len(seen.fills) == 2, "the legs' fills")
            # Nothing else waits to be published (the BAG's execution is not a fill to come).
            await seen.until(lambda: not broker.fills.waiting, "nothing waiting", seconds=5)
            low, high = (leg.instrument.key for leg in combo.legs)
            assert {f.key: (f.side, f.quantity) for f in seen.fills} == {
                low: (BUY, 2),
                high: (SELL, 2),
            }
            assert {f.order_id for f in seen.fills} == {order.id}
            assert {f.broker_order_id for f in seen.fills} == {broker_id}
            assert all(f.commission > 0 for f in seen.fills)  # each leg's own report
            progress = None
            legs: tuple[Any, ...] = ()
            for fill in seen.fills:
                progress = add_leg_fill(combo, BUY, legs, fill)
                legs = progress.legs
            assert progress is not None and progress.units == 2
            assert progress.avg_price is not None and progress.avg_price <= Decimal(str(limit))
            positions = list(await broker.positions())
            assert (position_of(positions, low), position_of(positions, high)) == (2, -2)
            assert all(not p.instrument.is_combo for p in positions)
            # Reconciliation reads the legs' executions back, not the BAG's.
            executions = await broker.executions()
            assert sorted(f.exec_id for f in executions) == sorted(f.exec_id for f in seen.fills)
            assert len(seen.fills) == 2  # nothing more was published meanwhile


async def test_a_repeated_leg_execution_is_one_fill() -> None:
    with gateway() as gw:
        gw.repeat_messages("fills", "commissions")
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            order = combo_order(combo, BUY, 1, order_type=OrderType.MARKET)
            await broker.place_order(order)
            await seen.until(lambda: S.FILLED in seen.statuses_of(order.id), "filled")
            await seen.until(lambda: len(seen.fills) >= 2, "the legs")
            await broker.executions()  # a round trip: every repeat has arrived by now
            assert len(seen.fills) == 2
            assert len({f.exec_id for f in seen.fills}) == 2


async def test_a_resting_combo_is_cancelled() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            order = combo_order(combo, BUY, 1, order_type=OrderType.LIMIT, limit_price="0.05")
            broker_id = int(await broker.place_order(order))
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(order.id), "working")
            await broker.cancel_order(order)
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(order.id), "cancelled")
            assert gw.order(broker_id).status == "Cancelled"
            assert not seen.fills


async def test_a_combo_ib_rejects_is_reported_with_ibs_reason() -> None:
    with gateway() as gw:
        gw.reject_next_order(201, "Order rejected - reason:Combo not allowed")
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            order = combo_order(combo, BUY, 1, order_type=OrderType.LIMIT, limit_price="2.00")
            await broker.place_order(order)
            await seen.until(lambda: S.REJECTED_BY_BROKER in seen.statuses_of(order.id), "reject")
            update = next(u for u in seen.statuses if u.status is S.REJECTED_BY_BROKER)
            assert "Combo not allowed" in update.reason
            assert not seen.fills


async def test_the_core_counts_whole_units_of_a_combo_filled_at_ib_in_two_parts(
    tmp_path: Path,
) -> None:
    settings = Settings(ui=UiSettings(watchlist=("AAPL",)))
    with gateway(partial_fills=True) as gw:
        config = replace(FAST, port=gw.port, client_id=136)
        app = TradingApp.open(
            settings, f"sqlite:///{tmp_path / 'ib.db'}", IBBroker(config, WallClock()), WallClock()
        )
        app.restore()
        await app.start()
        try:
            broker = app.broker
            assert isinstance(broker, IBBroker)
            combo = await vertical(broker)
            limit = Decimal(str(round(net_ask(gw, combo) + 1.00, 2)))
            intent = OrderIntent.for_combo(combo, BUY, 2, limit_price=limit, outside_rth=True)
            staged = app.orders.stage(intent)
            await app.orders.approve(staged.id, override_reason="test: combo at IB")
            # The first unit fills (both legs, and the BAG's own execution)...
            await wait_for(
                app.orders.order_updated,
                lambda: (
                    app.orders.get(staged.id).filled_quantity == 1
                    and len(app.orders.book.known_exec_ids()) == 2
                ),
                "the first unit",
                5,
            )
            assert app.orders.get(staged.id).status is S.PARTIALLY_FILLED
            gw.set_quote("AAPL", bid=190.01, ask=190.03)  # ...the second on the next price
            await wait_for(
                app.orders.order_updated,
                lambda: (
                    app.orders.get(staged.id).status is S.FILLED
                    and len(app.orders.book.known_exec_ids()) == 4
                ),
                "the second unit",
                5,
            )
            done = app.orders.get(staged.id)
            assert done.filled_quantity == 2
            assert done.avg_fill_price is not None and done.avg_fill_price <= limit
            low, high = (leg.instrument.key for leg in combo.legs)
            assert [leg.quantity for leg in done.legs_filled] == [2, 2]
            quantities = {p.instrument.key: p.quantity for p in app.portfolio.positions()}
            assert quantities == {low: 2, high: -2}  # the legs, never the BAG
            assert len(gw.executions()) == 6  # 2 legs + the BAG's own, twice
        finally:
            await app.stop()


async def test_a_resting_combo_modified_to_a_marketable_limit_fills_both_legs() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            combo = await vertical(broker)
            order = combo_order(combo, BUY, 1, order_type=OrderType.LIMIT, limit_price="0.05")
            await broker.place_order(order)
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(order.id), "working")
            limit = Decimal(str(round(net_ask(gw, combo) + 0.50, 2)))
            await broker.modify_order(
                replace(order, intent=replace(order.intent, limit_price=limit))
            )
            await seen.until(lambda: S.FILLED in seen.statuses_of(order.id), "filled")
            await seen.until(lambda: len(seen.fills) == 2, "both legs")
            placed, modified = gw.placed_orders
            assert modified.order_id == placed.order_id
            assert modified.combo_legs == placed.combo_legs
            assert modified.lmt_price == float(limit)


async def test_a_combo_on_euro_options_qualifies_its_legs_in_euros_and_goes_non_guaranteed() -> (
    None
):
    # Legs used to be qualified by key, which names no currency: IB was asked for US-dollar
    # contracts and a leg in euros could not be found, so the order never left.
    with gateway() as gw:
        gw.add_stock("SIE", 180.0, primary_exchange="IBIS", currency="EUR", with_options=True)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            expiry = (await broker.option_chain_params(aapl)).expiries[0]  # one calendar here

            def call(strike: int) -> Instrument:
                return Instrument.option("SIE", expiry, strike, "C", currency="EUR")

            combo = Combo((ComboLeg(call(180), 1, BUY), ComboLeg(call(185), 1, SELL)), "vertical")
            assert combo.currency == "EUR"
            order = combo_order(combo, BUY, 2, order_type=OrderType.LIMIT, limit_price="0.05")
            await broker.place_order(order)
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(order.id), "working")
            (placed,) = gw.placed_orders
            assert (placed.contract.sec_type, placed.contract.currency) == ("BAG", "EUR")
            legs = [(leg.con_id, leg.ratio, leg.action) for leg in placed.combo_legs]
            assert legs == [
                (gw.con_id(occ(call(180))), 1, "BUY"),
                (gw.con_id(occ(call(185))), 1, "SELL"),
            ]
            # IB guarantees only US combos: this one goes tagged NonGuaranteed.
            assert placed.combo_params == (("NonGuaranteed", "1"),)
