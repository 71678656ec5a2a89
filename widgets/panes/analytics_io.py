"""The analytics pane's blocking work: read a period from the database and build its report.

Everything here blocks (the database, and ``build_report`` on a long history): the pane calls it
through ``loop.run_in_executor``, never on the GUI thread. None of it touches Qt.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine

from terminal.analytics.records import FillRecord
from terminal.analytics.render import write_report
from terminal.analytics.report import Report, build_report, period_bounds
from terminal.analytics.source import load_history
from terminal.persistence.writer import DatabaseWriter

#: How long a read waits for queued writes (the last fills, audit records) to reach the disk.
WRITER_WAIT_SECONDS = 2.0


class Period(StrEnum):
    """The periods the pane offers; ``CUSTOM`` reads its from–to dates."""

    TODAY = "Today"
    WEEK = "This week"
    MONTH = "This month"
    CUSTOM = "Custom"


def period_dates(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last calendar dates of ``period`` as of ``today`` (the week starts on
    Monday; a period ends today, so "this month" is the month to date)."""
    if period is Period.WEEK:
        return today - dt.timedelta(days=today.weekday()), today
    if period is Period.MONTH:
        return today.replace(day=1), today
    return today, today


@dataclass(frozen=True, slots=True)
class AnalyticsResult:
    """A report, the instruments the period traded (for the instrument filter) and the fills
    read (a trade's fills to mark on the chart, those before the period included)."""

    report: Report
    instruments: tuple[str, ...]
    instrument: str | None
    fills: tuple[FillRecord, ...] = ()


def compute(
    engine: Engine,
    writer: DatabaseWriter,
    start: dt.date,
    end: dt.date,
    timezone: str,
    instrument: str | None = None,
) -> AnalyticsResult:
    """Read ``start``..``end`` and build its report, of one ``instrument`` or of all (blocks)."""
    drained = writer.flush(WRITER_WAIT_SECONDS)
    history = load_history(engine, start, end, timezone)
    notes = history.notes
    if not drained:  # read anyway (a busy disk must not stop the pane), but say so
        notes = (
            *notes,
            f"the database was still writing after {WRITER_WAIT_SECONDS:g} s: the newest "
            "orders and fills may be missing (press Refresh)",
        )
    begin, finish = period_bounds(start, end, timezone)
    traded = {o.instrument for o in history.orders if begin <= o.staged_at < finish}
    traded |= {f.instrument for f in history.fills if begin <= f.time < finish}
    orders, fills = history.orders, history.fills
    if instrument is not None:
        orders = tuple(o for o in orders if o.instrument == instrument)
        fills = tuple(f for f in fills if f.instrument == instrument)
    report = build_report(
        orders,
        fills,
        start,
        end,
        timezone=timezone,
        starting_equity=history.starting_equity,
        notes=notes,
        bars=history.bars,
    )
    return AnalyticsResult(report, tuple(sorted(traded)), instrument, fills)


def export(report: Report, fmt: str, path: Path) -> Path:
    """Write ``report`` as ``fmt`` next to ``path`` and rename it into place (blocks), so a
    failed export leaves nothing half-written."""
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            write_report(report, fmt, fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
