"""Alerts: what the alerts pane shows and the database keeps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    CRITICAL = 2


class AlertState(StrEnum):
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. ``dedup_key`` folds repeats (flood protection) into one alert with a count."""

    id: str
    severity: Severity
    source: str
    message: str
    raised_at: dt.datetime
    state: AlertState = AlertState.RAISED
    dedup_key: str = ""
    count: int = 1
    last_raised_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    cleared_at: dt.datetime | None = None
