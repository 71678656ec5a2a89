"""The health report as the window shows it: one row per figure (and one per stale feed, oldest
silence first), the trader's names for the figures, their theme colours, and the status bar's
one-line summary. Shared by the health pane and the status bar so the two always agree."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor

from terminal.health import HealthItem, HealthReport, Level
from terminal.marketdata.staleness import FeedStatus
from widgets.theme import Palette

#: The trader's name of each line of the core's report.
LABELS = {
    "connection": "Broker connection",
    "round trip": "Broker round trip",
    "message rate": "Outgoing messages",
    "queued": "Queue depth",
    "feeds": "Feeds",
    "loop lag": "GUI loop lag",
    "database": "Database writer",
}
LEVEL_TEXT = {Level.OK: "OK", Level.WARN: "WARN", Level.RED: "RED"}
#: The status bar's summary is cut here (the full text is its tooltip).
SUMMARY_CHARS = 110


def label(name: str) -> str:
    return LABELS.get(name, name.capitalize())


@dataclass(frozen=True, slots=True)
class HealthRow:
    """One row of the health table: ``key`` is the report line's name or ``feed:<feed>``."""

    key: str
    figure: str
    value: str
    limit: str
    level: Level
    reason: str = ""

    @property
    def state(self) -> str:
        text = LEVEL_TEXT[self.level]
        return f"{text} — {self.reason}" if self.reason else text


def _item_row(item: HealthItem) -> HealthRow:
    return HealthRow(item.name, label(item.name), item.value, item.limit, item.level, item.reason)


def _feed_row(status: FeedStatus) -> HealthRow:
    return HealthRow(
        f"feed:{status.feed}",
        f"    {status.feed}",
        f"stale {status.age:,.0f} s",
        "",
        Level.WARN,
        status.reason,
    )


def health_rows(report: HealthReport) -> list[HealthRow]:
    """The report's lines in order, each stale feed under "Feeds", the longest silent first."""
    rows: list[HealthRow] = []
    for item in report.items:
        rows.append(_item_row(item))
        if item.name == "feeds":
            rows.extend(_feed_row(s) for s in report.stale_feeds)
    return rows


def level_color(level: Level, palette: Palette) -> QColor | None:
    """The text colour of a line at ``level`` (None: the theme's own)."""
    if level is Level.RED:
        return palette.critical
    if level is Level.WARN:
        return palette.warning
    return None


def level_tint(level: Level, palette: Palette) -> QColor | None:
    """The background of a line at ``level``: its colour, faint, so the text stays readable."""
    color = level_color(level, palette)
    if color is None:
        return None
    tinted = QColor(color)
    tinted.setAlpha(60 if level is Level.RED else 35)
    return tinted


def level_tone(level: Level) -> str:
    """The stylesheet tone of a label at ``level``."""
    return {Level.OK: "ok", Level.WARN: "warning", Level.RED: "critical"}[level]


def summary(report: HealthReport) -> str:
    """ "Health OK", or how many lines are wrong and what, RED first."""
    problems = report.problems
    if not problems:
        return "Health OK"
    count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
    return f"Health: {count} — " + "; ".join(f"{label(i.name)}: {i.reason}" for i in problems)


def short_summary(report: HealthReport) -> str:
    """:func:`summary`, cut to fit the status bar."""
    text = summary(report)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"
