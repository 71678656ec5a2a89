"""Alerts: the alert lifecycle (raised, acknowledged, cleared), user rules and system alerts."""

from terminal.alerts.rules import (
    AlertRule,
    AlertRules,
    Direction,
    PercentMoveRule,
    PriceCrossRule,
    rule_from_dict,
)
from terminal.alerts.service import AlertService
from terminal.alerts.wiring import SystemAlerts

__all__ = [
    "AlertRule",
    "AlertRules",
    "AlertService",
    "Direction",
    "PercentMoveRule",
    "PriceCrossRule",
    "SystemAlerts",
    "rule_from_dict",
]
