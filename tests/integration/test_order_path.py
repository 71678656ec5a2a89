"""The whole core on a real database: the order path, the kill switch, restarts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.app import TradingApp
from terminal.domain import AlertState, OrderStatus, Severity, VerdictLevel
from terminal.oms.errors import ApprovalRefused, TradingHalted
from terminal.oms.trail import replay
from terminal.persistence.audit_verify import verify_chain
from terminal.risk.state import TradingState
from tests.helpers.waiting import until
from tests.integration.app_setup import buy, new_app, quote, sell

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def until_accepted(app: TradingApp, order_id: str) -> None:
    await until(
        app.orders.order_updated,
        lambda: app.orders.get(order_id).status is S.ACCEPTED,
        f"{order_id} accepted",
    )


async def test_stage_approve_fill_updates_portfolio_database_and_audit(db_url: str) -> None:
    app = new_app(db_url)
    report = await app.start()
    assert report.watchlist[:1] == ["AAPL"] and "NVDA" in report.unknown_symbols
    app.broker.push_quotes(quote())
    order = app.orders.stage(buy(100))
    assert order.verdict is not None and order.verdict.level is VerdictLevel.PASS
    await app.orders.approve(order.id)
    await until_accepted(app, order.id)
    app.broker.fill(order.id, 100, "150.00", commission="1.00")
    position = app.portfolio.position("AAPL")
    assert position is not None and position.quantity == 100
    assert app.alerts.active()[0].message.startswith("Filled BUY 100 AAPL")
    await app.stop()
    reopened = new_app(db_url)
    stored = reopened.store.load_orders(open_only=False)
    assert [(o.id, o.status) for o in stored] == [(order.id, S.FILLED)]
    assert [f.quantity for f in reopened.store.load_fills()] == [Decimal(100)]
    actions = [r.action for r in _audit(reopened)]
    assert actions[:8] == [
        "reconcile",
        "session_start",
        "stage",
        "verdict",
        "approve",
        "submit",
        "order_accepted",
        "fill",
    ]
    assert verify_chain(reopened.database.engine).ok
    reopened.writer.close()
    reopened.database.close()


def _audit(app):  # type: ignore[no-untyped-def]
    from terminal.persistence.audit_verify import iter_records

    return list(iter_records(app.database.engine))


async def test_real_risk_blocks_fat_finger_and_over_limit_orders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    await app.start()
    app.broker.push_quotes(quote())
    fat_finger = app.orders.stage(buy(100, "200.00"))
    assert fat_finger.verdict is not None and fat_finger.verdict.level is VerdictLevel.BLOCK
    with pytest.raises(ApprovalRefused, match="BLOCK"):
        await app.orders.approve(fat_finger.id)
    huge = app.orders.stage(buy(9000, "150.00"))
    assert huge.verdict is not None and huge.verdict.level is VerdictLevel.BLOCK
    assert any(r.rule for r in huge.verdict.reasons)
    assert app.broker.placed == []
    await app.stop()


async def test_kill_switch_halts_alerts_persists_and_survives_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 't.db'}"
    app = new_app(url)
    await app.start()
    app.broker.push_quotes(quote())
    working = app.orders.stage(buy(10))
    await app.orders.approve(working.id)
    await until_accepted(app, working.id)
    app.broker.fill(working.id, 10, "150.00")
    report = await app.kill_switch.trip("desk limit", by="alice")
    assert report.ok and app.broker.cancel_all_calls == 1
    critical = [a for a in app.alerts.active() if a.severity is Severity.CRITICAL]
    assert critical and "KILL SWITCH" in critical[0].message
    with pytest.raises(TradingHalted):
        app.orders.stage(buy(1))
    await app.stop()

    restarted = new_app(url, broker=app.broker)
    assert restarted.trading_state.state is TradingState.HALTED
    assert any(
        a.severity is Severity.CRITICAL and a.state is AlertState.RAISED
        for a in restarted.alerts.active()
    )
    await restarted.start()
    flatten = restarted.kill_switch.flatten_all(restarted.portfolio.positions())
    (closing_id,) = flatten.staged
    with pytest.raises(ApprovalRefused, match="halted"):
        await restarted.orders.approve(closing_id)
    restarted.kill_switch.rearm("flatten only", reduce_only=True)
    restarted.broker.push_quotes(quote())
    await restarted.orders.approve(closing_id, override_reason="closing after halt")
    assert restarted.broker.placed[-1].intent.quantity == 10
    await restarted.stop()


async def test_daily_loss_breach_trips_the_kill_switch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    await app.start()
    app.broker.push_quotes(quote())
    order = app.orders.stage(buy(1000))
    await app.orders.approve(order.id, override_reason="size ok")
    await until_accepted(app, order.id)
    app.broker.fill(order.id, 1000, "150.00")
    app.broker.push_quotes(quote(bid=119.0, ask=119.02, last=119.0))  # -31,000
    await until(app.kill_switch.tripped, lambda: app.broker.cancel_all_calls > 0, "the kill switch")
    assert app.trading_state.state is TradingState.HALTED
    assert "daily loss" in app.trading_state.reason.lower()
    assert app.broker.cancel_all_calls == 1
    await app.stop()


async def test_reconnect_after_data_loss_reconciles_and_resubscribes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    await app.start()
    app.broker.drop_connection()
    lost = [a for a in app.alerts.active() if a.severity is Severity.CRITICAL]
    assert lost and "Connection lost" in lost[0].message
    subscribed_before = dict(app.broker.quote_subscriptions)
    app.broker.quote_subscriptions.clear()
    renewed: list[object] = []
    app.market.subscriptions_renewed += renewed.append
    app.broker.restore_connection(data_lost=True)
    await until(app.market.subscriptions_renewed, lambda: renewed, "subscriptions renewed")
    await app.tasks.idle()  # the resync the reconnect started
    assert app.broker.quote_subscriptions == subscribed_before
    assert "reconcile" in [r.action for r in _audit_pending(app)]
    await app.stop()


def _audit_pending(app):  # type: ignore[no-untyped-def]
    app.writer.flush(5.0)
    return _audit(app)


async def test_halted_state_refuses_ticket_but_keeps_audit_intact(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    await app.start()
    await app.kill_switch.trip("test")
    with pytest.raises(TradingHalted):
        app.orders.stage(buy(1))
    app.writer.flush(5.0)
    assert verify_chain(app.database.engine).ok
    assert "stage_refused" in [r.action for r in _audit(app)]
    await app.stop()


async def test_watchlist_changes_are_validated_and_survive_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from terminal.domain import UnknownInstrument

    url = f"sqlite:///{tmp_path / 't.db'}"
    app = new_app(url)
    await app.start()
    with pytest.raises(UnknownInstrument, match=r"(?i)zzzz"):
        await app.add_to_watchlist("zzzz")
    await app.remove_from_watchlist("AAPL")
    assert "AAPL" not in app.broker.quote_subscriptions
    await app.stop()
    again = new_app(url)
    report = await again.start()
    assert report.watchlist == ["MSFT"]
    await again.add_to_watchlist("aapl")
    assert [i.key for i in again.watchlist] == ["MSFT", "AAPL"]
    await again.stop()


async def test_the_stored_audit_trail_alone_rebuilds_every_stored_order(db_url: str) -> None:
    app = new_app(db_url)
    await app.start()
    app.broker.push_quotes(quote())
    single = app.orders.stage(buy(100))
    await app.orders.approve(single.id)
    await until_accepted(app, single.id)
    app.broker.fill(single.id, 40, "150.00")
    parent = app.orders.stage_bracket(buy(50), sell(50, "151.00"), None)
    await app.orders.approve(parent.id, override_reason="test")
    await until_accepted(app, parent.id)
    app.broker.fill(parent.id, 50, "150.00")
    await app.orders.idle()  # the take-profit is released
    app.orders.stage(buy(10))
    await app.kill_switch.trip("end of test")
    await app.stop()

    reopened = new_app(db_url)
    trail = replay((r.action, r.subject, r.details) for r in _audit(reopened))
    stored = reopened.store.load_orders(open_only=False)
    assert len(stored) == 4
    assert {i: (o.status, o.filled) for i, o in trail.items()} == {
        o.id: (o.status, o.filled_quantity) for o in stored
    }
    reopened.writer.close()
    reopened.database.close()
