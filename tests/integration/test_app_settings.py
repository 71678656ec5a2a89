"""The app keeps the trader's alert rules and applies changed settings to a running session."""

from __future__ import annotations

from decimal import Decimal

from terminal.persistence.audit_verify import iter_records
from tests.integration.app_setup import new_app


def test_alert_rules_are_saved_and_restored_with_the_session(db_url: str) -> None:
    from terminal.alerts.rule_kinds import Direction, PriceCrossRule

    app = new_app(db_url)
    rule_id = app.alert_rules.add(
        PriceCrossRule(key="AAPL", direction=Direction.ABOVE, level=200.0)
    )
    assert app.writer.flush(5.0)
    app.writer.close()
    app.database.close()
    again = new_app(db_url)
    restored = {r.id: r for r in again.alert_rules.rules()}
    assert rule_id in restored and restored[rule_id].to_dict()["level"] == 200.0
    again.writer.close()
    again.database.close()


def test_apply_settings_changes_risk_limits_now_and_names_what_needs_a_restart(
    db_url: str,
) -> None:
    from dataclasses import replace

    app = new_app(db_url)
    new = replace(
        app.settings,
        risk=replace(app.settings.risk, max_order_quantity=Decimal(5)),
        broker=replace(app.settings.broker, port=4002),
    )
    assert app.apply_settings(new) == ["broker connection"]
    assert app.risk.limits.max_order_quantity == Decimal(5)
    assert app.settings is new
    app.writer.close()
    (record,) = [r for r in iter_records(app.database.engine) if r.action == "settings_changed"]
    # A risk limit change is traceable: which value, from what, to what.
    assert record.details == {
        "changes": {
            "risk.max_order_quantity": {"from": "10000", "to": "5"},
            "broker.port": {"from": 7497, "to": 4002},
        },
        "restart_needed": ["broker connection"],
    }
    app.database.close()
