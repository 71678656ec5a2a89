"""The delta limit per underlying through the real order manager: WARN or BLOCK per setting,
and a refused approval in the audit trail."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.domain import VerdictLevel
from terminal.oms.errors import ApprovalRefused
from terminal.persistence.audit_verify import iter_records
from tests.integration.app_setup import buy, new_app, quote

pytestmark = pytest.mark.asyncio


async def started(tmp_path: Path, level: str) -> TradingApp:
    app = new_app(f"sqlite:///{tmp_path / 'greeks.db'}")
    await app.start()
    app.broker.push_quotes(quote())
    limits = replace(app.risk.limits, max_delta_shares=Decimal(250), delta_limit_level=level)
    app.risk.update_limits(limits)
    return app


@pytest.mark.parametrize(("level", "expected"), [("warn", "WARN"), ("block", "BLOCK")])
async def test_an_order_past_the_delta_limit_gets_the_level_set_for_it(
    tmp_path: Path, level: str, expected: str
) -> None:
    app = await started(tmp_path, level)
    try:
        order = app.orders.stage(buy(300))

        assert order.verdict is not None
        assert order.verdict.level is VerdictLevel[expected]
        assert [r.rule for r in order.verdict.reasons] == ["max_delta"]
        within = app.orders.stage(buy(200)).verdict
        assert within is not None and within.level is VerdictLevel.PASS
    finally:
        await app.stop()


async def test_approving_a_blocked_delta_breach_is_refused_and_audited(tmp_path: Path) -> None:
    app = await started(tmp_path, "block")
    try:
        order = app.orders.stage(buy(300))

        with pytest.raises(ApprovalRefused, match="delta of AAPL would be 300 shares"):
            await app.orders.approve(order.id)

        assert app.broker.placed == []
        assert app.writer.flush(10.0)
        refused = [
            r.details
            for r in iter_records(app.database.engine)
            if r.action == "approve_refused" and r.subject == order.id
        ]
        assert len(refused) == 1
        assert "beyond the limit of 250" in str(refused[0]["verdict"])
    finally:
        await app.stop()
