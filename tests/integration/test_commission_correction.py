"""A commission the broker reports after the fill was booked corrects that fill everywhere: the
book, the database (read again after a restart), the audit log, cash and realized P&L."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.domain import Fill, OrderStatus, Severity
from terminal.persistence.audit_verify import iter_records, verify_chain
from tests.helpers.waiting import until
from tests.integration.app_setup import buy, new_app, quote

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def _filled_without_commission(app: TradingApp) -> Fill:
    await app.start()
    app.broker.push_quotes(quote())
    order = app.orders.stage(buy(100))
    await app.orders.approve(order.id)
    await until(
        app.orders.order_updated,
        lambda: app.orders.get(order.id).status is S.ACCEPTED,
        "accepted",
    )
    return app.broker.fill(order.id, 100, "150.00", commission="0")


def _records(app: TradingApp, action: str) -> list[tuple[str, dict[str, object]]]:
    return [(r.subject, r.details) for r in iter_records(app.database.engine) if r.action == action]


async def test_a_late_commission_corrects_the_booked_fill_cash_audit_and_database(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'terminal.db'}"
    app = new_app(db_url)
    fill = await _filled_without_commission(app)
    corrected: list[tuple[Fill, Fill]] = []
    app.orders.fill_corrected += lambda before, after: corrected.append((before, after))
    cash, realized = app.portfolio.cash(), app.portfolio.realized_pnl()

    app.broker.commission_corrected.emit(fill.exec_id, Decimal("1.35"))
    app.broker.commission_corrected.emit(fill.exec_id, Decimal("1.35"))  # TWS repeats itself

    booked = app.orders.book.fill(fill.exec_id)
    assert booked is not None and booked.commission == Decimal("1.35")
    assert app.portfolio.cash() == cash - Decimal("1.35")
    assert app.portfolio.realized_pnl() == realized - Decimal("1.35")
    position = app.portfolio.position("AAPL")
    assert position is not None and position.commissions == Decimal("1.35")
    assert [after.commission for _, after in corrected] == [Decimal("1.35")]  # once
    await app.stop()

    reopened = new_app(db_url)
    try:
        assert [(f.exec_id, f.commission) for f in reopened.store.load_fills()] == [
            (fill.exec_id, Decimal("1.35"))
        ]
        assert _records(reopened, "commission_corrected") == [
            (
                fill.order_id,
                {
                    "exec_id": fill.exec_id,
                    "order_id": fill.order_id,
                    "old": "0",
                    "new": "1.35",
                    "source": "broker",
                },
            )
        ]
        assert verify_chain(reopened.database.engine).ok
    finally:
        reopened.writer.close()
        reopened.database.close()


async def test_a_commission_for_an_execution_not_recorded_is_audited_and_warned(
    tmp_path: Path,
) -> None:
    app = new_app(f"sqlite:///{tmp_path / 'terminal.db'}")
    fill = await _filled_without_commission(app)
    cash = app.portfolio.cash()

    app.broker.commission_corrected.emit("E-unknown", Decimal("2"))

    booked = app.orders.book.fill(fill.exec_id)
    assert booked is not None and booked.commission == 0
    assert app.portfolio.cash() == cash
    [warning] = [a for a in app.alerts.active() if a.severity is Severity.WARNING]
    assert "E-unknown" in warning.message and "not applied" in warning.message
    await app.stop()
    assert [s for s, _ in _records(app, "commission_correction_ignored")] == ["execution:E-unknown"]


async def test_a_commission_reported_again_after_a_restart_corrects_the_fill_of_the_last_session(
    tmp_path: Path,
) -> None:
    # The fill was booked at 0 (IB's report after the fallback) and the terminal restarted
    # before the report came: after the restart TWS reports the execution again, commission
    # and all. It is not booked twice, and its commission corrects the stored fill.
    db_url = f"sqlite:///{tmp_path / 'terminal.db'}"
    first = new_app(db_url)
    fill = await _filled_without_commission(first)
    await first.stop()

    app = new_app(db_url)
    await app.start()
    corrected: list[Fill] = []
    app.orders.fill_corrected += lambda _before, after: corrected.append(after)
    booked_fills: list[Fill] = []
    app.orders.fill_recorded += booked_fills.append

    app.broker.fill_received.emit(replace(fill, commission=Decimal("1.35")))
    app.broker.fill_received.emit(fill)  # a repeat without its commission wipes nothing

    assert booked_fills == []  # not booked again
    assert [f.commission for f in corrected] == [Decimal("1.35")]
    booked = app.orders.book.fill(fill.exec_id)
    assert booked is not None and booked.commission == Decimal("1.35")
    await app.stop()
    assert [(f.exec_id, f.commission) for f in app.store.load_fills()] == [
        (fill.exec_id, Decimal("1.35"))
    ]
    assert [d["new"] for _, d in _records(app, "commission_corrected")] == ["1.35"]
