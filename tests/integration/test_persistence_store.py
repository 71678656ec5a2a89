"""Every save is read back exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from terminal.domain import (
    Alert,
    AlertState,
    Combo,
    ComboLeg,
    Fill,
    Instrument,
    LegFilled,
    Order,
    OrderIntent,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    RiskReason,
    Severity,
    TimeInForce,
    Verdict,
    VerdictLevel,
)
from terminal.persistence import Store, open_database

T0 = dt.datetime(2026, 1, 5, 14, 30, 0, 123456, tzinfo=dt.UTC)
AAPL = Instrument.stock("AAPL", description="Apple Inc.")
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), "152.5", "C")


def make_order(oid: str, status: OrderStatus = OrderStatus.PENDING_APPROVAL, **kw: object) -> Order:
    intent = OrderIntent(
        CALL,
        OrderSide.BUY,
        Decimal(3),
        OrderType.TRAIL_LIMIT,
        stop_price=Decimal("4.10"),
        trail_amount=Decimal("0.25"),
        limit_offset=Decimal("0.05"),
        tif=TimeInForce.GTC,
        outside_rth=True,
        source="chain",
    )
    verdict = Verdict.of([RiskReason("price_band", VerdictLevel.WARN, "4% from mid")])
    order = Order(
        oid,
        intent,
        status,
        T0,
        T0,
        verdict=verdict,
        role=OrderRole.STOP_LOSS,
        group_id="G1",
        parent_id="P1",
        oca_group="OCA1",
        override_reason="news",
        extra={"note": "x"},
    )
    return replace(order, **kw)  # type: ignore[arg-type]


def make_fill(exec_id: str, at: dt.datetime, price: str = "187.1234") -> Fill:
    return Fill(
        exec_id,
        "O1",
        AAPL,
        OrderSide.SELL,
        Decimal(100),
        Decimal(price),
        Decimal("1.0000"),
        at,
        "991",
    )


def test_migrations_create_every_table_and_reopening_is_idempotent(db_url: str) -> None:
    db = open_database(db_url)
    tables = set(inspect(db.engine).get_table_names())
    db.close()
    assert {
        "orders",
        "order_events",
        "fills",
        "alerts",
        "watchlists",
        "settings",
        "layouts",
        "instruments",
        "audit_log",
        "audit_head",
        "alembic_version",
    } <= tables
    db = open_database(db_url)  # second open: nothing to migrate, data kept
    assert set(inspect(db.engine).get_table_names()) == tables
    db.close()


def test_orders_round_trip_and_open_only_excludes_terminal_states(store: Store) -> None:
    staged = make_order("O1", OrderStatus.STAGED)
    working = make_order(
        "O2",
        OrderStatus.PARTIALLY_FILLED,
        filled_quantity=Decimal(1),
        avg_fill_price=Decimal("4.15"),
        broker_order_id="77",
        created_at=T0 + dt.timedelta(seconds=1),
    )
    done = make_order("O3", OrderStatus.FILLED, created_at=T0 + dt.timedelta(seconds=2))
    for order in (staged, working, done):
        store.save_order(order)
    assert store.writer.flush(10)
    assert store.load_orders() == [staged, working]
    loaded = store.load_orders(open_only=False)
    assert loaded == [staged, working, done]
    assert loaded[0].extra == {"note": "x"}
    assert loaded[0].created_at.tzinfo is not None
    assert loaded[1].avg_fill_price == Decimal("4.15")


def test_a_combo_order_round_trips_with_its_legs_and_what_each_leg_filled(store: Store) -> None:
    # Four legs: the key (every leg named) is longer than the 100 characters orders used to hold.
    expiry = dt.date(2026, 12, 18)
    legs = [
        ComboLeg(Instrument.option("AAPL", expiry, strike, right), 1, side)
        for strike, right, side in (
            ("137.5", "P", OrderSide.BUY),
            ("142.5", "P", OrderSide.SELL),
            ("162.5", "C", OrderSide.SELL),
            ("167.5", "C", OrderSide.BUY),
        )
    ]
    condor = Combo(tuple(legs), "iron condor")
    assert len(condor.key) > 100
    intent = OrderIntent.for_combo(
        condor, OrderSide.BUY, 3, limit_price=Decimal("-1.35"), tif=TimeInForce.GTC
    )
    filled = tuple(LegFilled(leg.instrument.key, Decimal(1), Decimal("0.4")) for leg in legs[:2])
    order = Order(
        "C1", intent, OrderStatus.PARTIALLY_FILLED, T0, T0, legs_filled=filled, broker_order_id="9"
    )
    store.save_order(order)
    assert store.writer.flush(10)
    [loaded] = store.load_orders()
    assert loaded == order
    assert loaded.intent.combo == condor
    assert loaded.intent.limit_price == Decimal("-1.35")
    assert loaded.key == condor.key
    assert loaded.legs_filled == filled


def test_saving_an_order_again_replaces_its_snapshot(store: Store) -> None:
    order = make_order("O1")
    store.save_order(order)
    later = order.with_status(OrderStatus.APPROVED, T0 + dt.timedelta(seconds=3), approved_by="bob")
    store.save_order(later)
    assert store.writer.flush(10)
    assert store.load_orders() == [later]


def test_order_events_keep_their_order(store: Store) -> None:
    for i, status in enumerate(["staged", "pending_approval", "approved", "submitted"]):
        store.append_order_event("O1", T0 + dt.timedelta(seconds=i), status, f"step {i}")
    store.append_order_event("O2", T0, "staged", "other order")
    assert store.writer.flush(10)
    events = store.load_order_events("O1")
    assert [e.status for e in events] == ["staged", "pending_approval", "approved", "submitted"]
    assert events[2].at == T0 + dt.timedelta(seconds=2)
    assert events[0].detail == "step 0"


def test_fills_are_idempotent_by_exec_id_and_filter_by_time(store: Store) -> None:
    first = make_fill("E1", T0)
    second = make_fill("E2", T0 + dt.timedelta(minutes=5), price="187.5")
    store.save_fill(first)
    store.save_fill(second)
    store.save_fill(replace(first, price=Decimal(999)))  # duplicate exec id: ignored
    assert store.writer.flush(10)
    assert store.writer.failed == []
    assert store.load_fills() == [first, second]
    assert store.load_fills(since=T0 + dt.timedelta(minutes=1)) == [second]
    assert store.known_exec_ids() == {"E1", "E2"}


def test_a_late_commission_corrects_the_stored_fill_and_only_that_one(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make_fill("E1", T0), make_fill("E2", T0)
    store.save_fill(first)
    store.save_fill(second)
    store.save_fill_commission("E1", Decimal("1.35"))
    store.save_fill_commission("E9", Decimal("2"))  # never stored: left alone, and logged
    assert store.writer.flush(10)
    assert store.writer.failed == []
    assert store.load_fills() == [replace(first, commission=Decimal("1.35")), second]
    assert "E9 not corrected" in caplog.text


def test_alerts_upsert_and_active_only_hides_cleared(store: Store) -> None:
    raised = Alert("A1", Severity.WARNING, "risk", "utilisation 85%", T0, dedup_key="util")
    other = Alert("A2", Severity.CRITICAL, "broker", "disconnected", T0 + dt.timedelta(seconds=1))
    store.save_alert(raised)
    store.save_alert(other)
    acked = replace(
        raised,
        state=AlertState.ACKNOWLEDGED,
        count=4,
        acknowledged_by="alice",
        acknowledged_at=T0 + dt.timedelta(seconds=2),
        last_raised_at=T0,
    )
    cleared = replace(other, state=AlertState.CLEARED, cleared_at=T0 + dt.timedelta(seconds=3))
    store.save_alert(acked)
    store.save_alert(cleared)
    assert store.writer.flush(10)
    assert store.load_alerts() == [acked]
    assert store.load_alerts(active_only=False) == [acked, cleared]


def test_watchlists_keep_order_replace_and_survive_empty(store: Store) -> None:
    store.save_watchlist("tech", ["NVDA", "AAPL", "MSFT"])
    store.save_watchlist("index", ["SPY", "QQQ"])
    store.save_watchlist("tech", ["MSFT", "AAPL"])
    store.save_watchlist("new", [])
    assert store.writer.flush(10)
    assert store.load_watchlists() == {"index": ["SPY", "QQQ"], "new": [], "tech": ["MSFT", "AAPL"]}
    store.delete_watchlist("index")
    assert store.writer.flush(10)
    assert "index" not in store.load_watchlists()


def test_settings_layouts_and_instruments_round_trip(store: Store) -> None:
    store.save_setting("ui.columns", {"quotes": ["bid", "ask"], "width": 80})
    store.save_setting("ui.theme", "dark")
    store.save_setting("ui.theme", "light")
    blob = bytes(range(256)) * 4
    store.save_layout("main", blob)
    store.save_instrument(AAPL)
    store.save_instrument(CALL)
    assert store.writer.flush(10)
    assert store.load_settings() == {
        "ui.columns": {"quotes": ["bid", "ask"], "width": 80},
        "ui.theme": "light",
    }
    assert store.load_layout("main") == blob
    assert store.load_layout("missing") is None
    assert store.load_instruments() == [AAPL, CALL]
