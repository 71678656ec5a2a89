"""The analytics read a real core's database: orders, fills and the audit steps of a trade."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import insert

from terminal.analytics.report import build_report
from terminal.analytics.source import load_history
from terminal.app import TradingApp
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import (
    ManualClock,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    VerdictLevel,
)
from terminal.persistence import open_database
from terminal.persistence.audit_verify import iter_records
from terminal.persistence.schema import AuditRow, FillRow, OrderRow
from terminal.settings import Settings
from tests.helpers.fake_broker import FakeBroker
from tests.helpers.waiting import until
from tests.integration.app_setup import AAPL, MSFT, buy, new_app, quote, sell, track

pytestmark = pytest.mark.asyncio


async def _approve(app: TradingApp, order_id: str) -> None:
    await app.orders.approve(order_id)
    await until(
        app.orders.order_updated,
        lambda: app.orders.get(order_id).status is OrderStatus.ACCEPTED,
        f"{order_id} accepted",
    )


async def test_a_round_trip_through_the_core_reads_back_with_its_latencies(db_url: str) -> None:
    clock = ManualClock()
    t0 = clock.now()
    broker = FakeBroker([AAPL, MSFT])
    broker.now = clock.now  # fills carry the session's time
    app = new_app(db_url, broker, clock)
    await app.start()
    broker.push_quotes(quote())
    entry = app.orders.stage(buy(100))
    clock.advance(7)  # the trader takes 7 s to approve
    await _approve(app, entry.id)
    clock.advance(1)
    broker.fill(entry.id, 60, "150.00", commission="0.60")
    clock.advance(1)
    broker.fill(entry.id, 40, "150.00", commission="0.40")
    clock.advance(60)
    exit_ = app.orders.stage(sell(100, "151.00"))
    clock.advance(2)
    await _approve(app, exit_.id)
    clock.advance(1)
    broker.fill(exit_.id, 100, "151.00", commission="1.00")
    await app.stop()

    db = open_database(db_url, migrate=False)
    try:
        history = load_history(db.engine, t0.date(), t0.date())
    finally:
        db.close()
    report = build_report(history.orders, history.fills, t0.date(), t0.date())
    first, second = report.orders
    assert first.order.order_id == entry.id and second.order.order_id == exit_.id
    assert first.order.staged_at == t0 and first.approval_latency == 7.0
    assert first.ack_latency == 0.0 and first.first_fill_latency == 1.0
    assert first.fill_duration == 1.0 and first.fill_rate == 1
    assert first.commission == Decimal("1.00") and first.avg_fill_price == Decimal(150)
    assert second.approval_latency == 2.0 and second.order.side == "SELL"
    # The OMS noted the mid (149.99 / 150.01) at staging and approval: filled at it, no cost.
    assert first.order.arrival_price == first.order.approval_price == Decimal("150.00")
    assert first.vs_arrival is not None and first.vs_arrival.money == 0
    assert first.approval_delay_cost == 0
    assert not [n for n in report.notes if "arrival price" in n]
    (trade,) = report.trades
    assert (trade.side, trade.quantity, trade.gross_pnl, trade.net_pnl) == (
        "LONG",
        Decimal(100),
        Decimal("100.00"),
        Decimal("98.00"),
    )
    assert trade.entry_time == t0 + dt.timedelta(seconds=8) and trade.holding_seconds == 64
    assert report.execution_groups["source"].keys() == {first.order.source or "unknown"}


async def test_a_mid_in_the_stage_and_approve_records_becomes_arrival_and_approval(
    db_url: str,
) -> None:
    # The field the reader takes, written by hand (an option, ticks of 0.05, x 100).
    t0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    inst = {"key": "AAPL C", "tick_size": "0.05", "multiplier": "100"}
    db = open_database(db_url)
    steps = [
        ("stage", t0, {"mid": "2.00"}),
        ("approve", t0 + dt.timedelta(seconds=30), {"mid": "2.10", "by": "alice"}),
        ("order_accepted", t0 + dt.timedelta(seconds=31), {}),
    ]
    with db.engine.begin() as conn:
        conn.execute(
            insert(OrderRow),
            [
                {
                    "id": "O1",
                    "instrument_key": "AAPL C",
                    "instrument": inst,
                    "side": "BUY",
                    "quantity": "2",
                    "order_type": "LMT",
                    "tif": "DAY",
                    "outside_rth": False,
                    "source": "chain",
                    "status": "partially_filled",
                    "role": "single",
                    "filled_quantity": "1",
                    "reason": "",
                    "extra": {},
                    "created_at": t0,
                    "updated_at": t0,
                }
            ],
        )
        conn.execute(
            insert(FillRow),
            [
                {
                    "exec_id": "X1",
                    "order_id": "O1",
                    "instrument_key": "AAPL C",
                    "instrument": inst,
                    "side": "BUY",
                    "quantity": "1",
                    "price": "2.15",
                    "commission": "0.65",
                    "time": t0 + dt.timedelta(seconds=33),
                }
            ],
        )
        conn.execute(
            insert(AuditRow),
            [
                {
                    "seq": seq,
                    "at": at,
                    "actor": "alice",
                    "workstation": "ws",
                    "action": action,
                    "subject": "O1",
                    "details": json.dumps(details),
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                }
                for seq, (action, at, details) in enumerate(steps, start=1)
            ],
        )
    try:
        history = load_history(db.engine, t0.date(), t0.date())
    finally:
        db.close()
    (order,) = history.orders
    assert order.arrival_price == Decimal("2.00") and order.approval_price == Decimal("2.10")
    assert order.tick_size == Decimal("0.05") and order.multiplier == 100
    report = build_report(history.orders, history.fills, t0.date(), t0.date())
    (e,) = report.orders
    assert e.fill_rate == Decimal("0.5") and e.approval_latency == 30.0 and e.ack_latency == 1.0
    assert e.vs_arrival is not None and e.vs_arrival.ticks == 3 and e.vs_arrival.money == 15
    assert e.approval_delay_cost == Decimal("10.00")  # 0.10 x 1 filled x 100
    assert e.shortfall == Decimal("15.65") and report.notes == ()


async def test_a_simulator_session_records_the_mid_and_reports_what_waiting_cost(
    db_url: str,
) -> None:
    clock = ManualClock(dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC))
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0, trade_probability=0.8), seed=7)
    app = track(TradingApp.open(Settings(), db_url, broker, clock))
    app.restore()
    await app.start()
    for _ in range(10):
        clock.advance(0.1)
        broker.step(0.1)
    aapl = await broker.qualify("AAPL")
    staged_quote = app.market.last_quote("AAPL")
    assert staged_quote is not None
    order = app.orders.stage(OrderIntent(aapl, OrderSide.BUY, Decimal(100), OrderType.MARKET))
    for _ in range(50):  # the trader takes 5 s; the market moves meanwhile
        clock.advance(0.1)
        broker.step(0.1)
    approved_quote = app.market.last_quote("AAPL")
    assert approved_quote is not None and approved_quote.mid != staged_quote.mid
    warned = order.verdict is not None and order.verdict.level is VerdictLevel.WARN
    await app.orders.approve(order.id, override_reason="test" if warned else None)
    for _ in range(5):
        clock.advance(0.1)
        broker.step(0.1)
    assert app.orders.get(order.id).status is OrderStatus.FILLED
    await app.stop()

    db = open_database(db_url, migrate=False)
    try:
        records = {r.action: r for r in iter_records(db.engine) if r.subject == order.id}
        history = load_history(db.engine, clock.now().date(), clock.now().date())
    finally:
        db.close()
    arrival = Decimal(json.loads(records["stage"].details_json)["mid"])
    approval = Decimal(json.loads(records["approve"].details_json)["mid"])
    # The mids the core held at each moment, as plain decimal strings.
    assert float(arrival) == pytest.approx(staged_quote.mid)
    assert float(approval) == pytest.approx(approved_quote.mid)
    report = build_report(history.orders, history.fills, clock.now().date(), clock.now().date())
    (e,) = report.orders
    assert e.vs_arrival is not None and e.vs_approval is not None and e.avg_fill_price
    assert e.vs_arrival.per_unit == e.avg_fill_price - arrival
    assert e.approval_delay_cost == (approval - arrival) * 100
    assert e.shortfall == e.vs_arrival.money + e.commission
    assert report.execution.approval_delay_cost == e.approval_delay_cost
    assert not [n for n in report.notes if "arrival price" in n]


async def test_only_a_top_level_decimal_mid_is_read_and_kept_as_written(db_url: str) -> None:
    # The database extracts the field (JSON_EXTRACT / ->>): a nested "mid", a mid that is not
    # a price or no mid at all are unknown, never a guess; a read mid keeps its digits.
    t0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    inst = {"key": "AAPL", "tick_size": "0.01", "multiplier": "1"}
    db = open_database(db_url)
    steps = [
        ("O1", "stage", {"by": "alice", "mid": "101.50"}),
        ("O1", "approve", {"by": "alice", "note": "the mid was wide"}),
        ("O2", "stage", {"quote": {"mid": "5.00"}}),
        ("O2", "approve", {"mid": "n/a"}),
    ]
    with db.engine.begin() as conn:
        conn.execute(
            insert(OrderRow),
            [
                {
                    "id": order_id,
                    "instrument_key": "AAPL",
                    "instrument": inst,
                    "side": "BUY",
                    "quantity": "1",
                    "order_type": "LMT",
                    "tif": "DAY",
                    "outside_rth": False,
                    "source": "ticket",
                    "status": "accepted",
                    "role": "single",
                    "filled_quantity": "0",
                    "reason": "",
                    "extra": {},
                    "created_at": t0,
                    "updated_at": t0,
                }
                for order_id in ("O1", "O2")
            ],
        )
        conn.execute(
            insert(AuditRow),
            [
                {
                    "seq": seq,
                    "at": t0 + dt.timedelta(seconds=seq),
                    "actor": "alice",
                    "workstation": "ws",
                    "action": action,
                    "subject": order_id,
                    "details": json.dumps(details),
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                }
                for seq, (order_id, action, details) in enumerate(steps, start=1)
            ],
        )
    try:
        history = load_history(db.engine, t0.date(), t0.date())
    finally:
        db.close()
    by_id = {o.order_id: o for o in history.orders}
    assert str(by_id["O1"].arrival_price) == "101.50" and by_id["O1"].approval_price is None
    assert by_id["O2"].arrival_price is None and by_id["O2"].approval_price is None
    assert by_id["O1"].approved_at == t0 + dt.timedelta(seconds=2)
