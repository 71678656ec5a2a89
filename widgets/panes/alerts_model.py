"""What the alerts pane shows: the open alerts (severity-coloured, unacknowledged in bold) and the
trader's alert rules (price alerts)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QWidget

from terminal.alerts.rule_kinds import AlertRule, PercentMoveRule, PriceCrossRule
from terminal.domain import Alert, AlertState, Severity
from widgets import formatting as fmt
from widgets.table_model import CENTER, LEFT, Column, RowModel
from widgets.theme import Palette

PaletteSource = Callable[[], Palette]


def severity_color(severity: Severity, palette: Palette) -> QColor:
    """The theme colour of ``severity``."""
    if severity is Severity.CRITICAL:
        return palette.critical
    if severity is Severity.WARNING:
        return palette.warning
    return palette.info


def _tint(color: QColor, alpha: int) -> QColor:
    tinted = QColor(color)
    tinted.setAlpha(alpha)
    return tinted


def _when(alert: Alert) -> float:
    return (alert.last_raised_at or alert.raised_at).timestamp()


def _details(alert: Alert) -> str:
    lines = [alert.message, "", f"First raised {alert.raised_at.astimezone():%Y-%m-%d %H:%M:%S}"]
    if alert.count > 1 and alert.last_raised_at is not None:
        lines.append(f"Last raised {alert.last_raised_at.astimezone():%Y-%m-%d %H:%M:%S}")
        lines.append(f"Raised {alert.count} times")
    if alert.acknowledged_at is not None:
        lines.append(
            f"Acknowledged {alert.acknowledged_at.astimezone():%H:%M:%S}"
            f" by {alert.acknowledged_by or '?'}"
        )
    return "\n".join(lines)


def alert_columns(palette: PaletteSource) -> list[Column[Alert]]:
    """Time, Severity, Source, Message, Count, State."""

    def muted_if_acknowledged(alert: Alert) -> QColor | None:
        return palette().muted if alert.state is AlertState.ACKNOWLEDGED else None

    def message_color(alert: Alert) -> QColor | None:
        if alert.state is AlertState.RAISED and alert.severity is Severity.CRITICAL:
            return palette().critical
        return muted_if_acknowledged(alert)

    return [
        Column(
            "Time",
            _when,
            lambda a: fmt.clock_time(a.last_raised_at or a.raised_at),
            width=70,
            align=LEFT,
            tooltip=_details,
        ),
        Column(
            "Severity",
            lambda a: int(a.severity),
            lambda a: a.severity.name,
            width=78,
            align=LEFT,
            foreground=lambda a: severity_color(a.severity, palette()),
            background=lambda a: _tint(severity_color(a.severity, palette()), 40),
        ),
        Column("Source", lambda a: a.source, width=84, align=LEFT),
        Column(
            "Message",
            lambda a: a.message,
            width=300,
            align=LEFT,
            foreground=message_color,
            tooltip=_details,
        ),
        Column("Count", lambda a: a.count, width=50, align=CENTER),
        Column(
            "State",
            lambda a: a.state.value,
            lambda a: a.state.value.capitalize(),
            width=100,
            align=LEFT,
            foreground=muted_if_acknowledged,
        ),
    ]


class AlertsModel(RowModel[Alert]):
    """The open alerts keyed by id; raised (unacknowledged) alerts are drawn in bold."""

    def __init__(self, palette: PaletteSource, parent: QWidget | None = None) -> None:
        super().__init__(alert_columns(palette), key=lambda a: a.id, parent=parent)
        self._bold = QFont()
        self._bold.setBold(True)

    def cell_font(self, row: int, column: int) -> QFont | None:
        return self._bold if self.row(row).state is AlertState.RAISED else None

    def column_of(self, title: str) -> int:
        """The position of the column titled ``title``."""
        for i, column in enumerate(self.columns):
            if column.title == title:
                return i
        raise KeyError(title)


# -- rules ------------------------------------------------------------------------------------
def rule_condition(rule: AlertRule) -> str:
    """``crosses above`` / ``crosses below`` / ``moves ±2.00%``."""
    if isinstance(rule, PriceCrossRule):
        return f"crosses {rule.direction.value}"
    if isinstance(rule, PercentMoveRule):
        return f"moves ±{rule.percent:.2f}%"
    return type(rule).__name__


def rule_level(rule: AlertRule) -> float | None:
    if isinstance(rule, PriceCrossRule):
        return rule.level
    if isinstance(rule, PercentMoveRule):
        return rule.reference
    return None


def _level_text(rule: AlertRule) -> str:
    if isinstance(rule, PercentMoveRule) and rule.reference is None:
        return "prev close"
    return fmt.price(rule_level(rule))


def _note(rule: AlertRule) -> str:
    return str(getattr(rule, "note", ""))


def rule_columns(palette: PaletteSource) -> list[Column[AlertRule]]:
    """Symbol, Condition, Level, State (armed / fired), Severity, Note."""
    return [
        Column("Symbol", lambda r: r.key, width=90, align=LEFT),
        Column("Condition", rule_condition, width=110, align=LEFT),
        Column("Level", rule_level, _level_text, width=80),
        Column(
            "State",
            lambda r: "armed" if r.armed else "fired",
            width=70,
            align=LEFT,
            foreground=lambda r: palette().ok if r.armed else palette().muted,
        ),
        Column(
            "Severity",
            lambda r: int(r.severity),
            lambda r: r.severity.name,
            width=80,
            align=LEFT,
            foreground=lambda r: severity_color(r.severity, palette()),
        ),
        Column("Note", _note, width=200, align=LEFT, tooltip=_note),
    ]


class RulesModel(RowModel[AlertRule]):
    """The trader's alert rules keyed by id (rules are few; a change re-reads them all)."""

    def __init__(self, palette: PaletteSource, parent: QWidget | None = None) -> None:
        super().__init__(rule_columns(palette), key=lambda r: r.id, parent=parent)

    def show(self, rules: list[AlertRule]) -> None:
        """Show ``rules``: a reset when rules came or went, else a repaint of every row."""
        if [r.id for r in rules] != [r.id for r in self.rows()]:
            self.set_rows(rules)
        else:
            for rule in rules:
                self.update(rule)
