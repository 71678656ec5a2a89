"""The health view: broker round trip, outgoing message rate against the pacing limit, the queue
depth, stale feeds (longest silent first), the GUI loop's lag and the database writer, each with
the bounds it is judged against and its state, red when out of bounds.

It reads ``app.health.report(...)`` twice a second from the refresh clock while on screen (no
I/O, a handful of rows), never per tick. Failed database writes are kept by the writer; "Retry
failed writes" queues them again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.health import HealthReport
from widgets.health_rows import (
    HealthRow,
    health_rows,
    level_color,
    level_tint,
    level_tone,
    summary,
)
from widgets.panes.base import Pane
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.table_model import LEFT, Column, FastTableView, RowModel
from widgets.theme import Palette

#: Refresh on every Nth flush of the refresh clock (30 Hz / 15 = 2 Hz).
EVERY_NTH_FLUSH = 15


def health_columns(palette: Callable[[], Palette]) -> list[Column[HealthRow]]:
    """Figure, Value, Limit, State; a line out of bounds is coloured across the row."""

    def color(row: HealthRow) -> QColor | None:
        return level_color(row.level, palette())

    def tint(row: HealthRow) -> QColor | None:
        return level_tint(row.level, palette())

    def column(title: str, read: Callable[[HealthRow], str], width: int) -> Column[HealthRow]:
        return Column(
            title,
            read,
            width=width,
            align=LEFT,
            foreground=color,
            background=tint,
            tooltip=lambda r: r.reason or r.state,
        )

    return [
        column("Figure", lambda r: r.figure, 170),
        column("Value", lambda r: r.value, 170),
        column("Limit", lambda r: r.limit, 300),
        column("State", lambda r: r.state, 300),
    ]


class HealthPane(Pane):
    """The session's health, one row per figure.

    Attributes:
        model: The rows, keyed by the report line's name (``feed:<feed>`` for a stale feed).
        view: The table (objectName ``health_table``).
        summary: The one-line verdict above the table, toned by the worst level.
        retry_button: Queues the failed database writes again (enabled while there are any).
        report: The report shown last.
    """

    pane_id = "health"
    title = "Health"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.model: RowModel[HealthRow] = RowModel(
            health_columns(lambda: self.session.palette), key=lambda r: r.key, parent=self
        )
        self.view = FastTableView(self.model, sortable=False, parent=self)
        self.view.setObjectName("health_table")
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        self.summary = QLabel(self)
        self.summary.setObjectName("health_summary")
        self.summary.setWordWrap(True)
        self.retry_button = QPushButton("Retry failed writes", self)
        self.retry_button.setObjectName("health_retry_writes")
        self.retry_button.setToolTip("Queue the database writes that failed again")
        self.retry_button.clicked.connect(lambda _checked=False: self.retry_failed_writes())

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.retry_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.view)

        self.report: HealthReport | None = None
        self.register_flush(self._on_flush)
        self.subscribe(session.theme_changed, self._on_theme_changed)
        self.refresh()

    def _on_flush(self) -> None:
        if self.on_screen and self.session.refresh.flush_count % EVERY_NTH_FLUSH == 0:
            self.refresh()

    def on_screen_changed(self, on_screen: bool) -> None:
        if on_screen:  # no stale figures for half a second when brought forward
            self.refresh()

    def refresh(self) -> None:
        """Read the report now and show it."""
        report = self.session.app.health.report(loop_lag=self.session.refresh.loop_lag.lag)
        self.report = report
        rows = health_rows(report)
        if [r.key for r in rows] != [r.key for r in self.model.rows()]:
            self.model.set_rows(rows)  # a stale feed came or went: rare, one reset
        else:
            for row in rows:
                if self.model.get(row.key) != row:
                    self.model.update(row)
            self.model.flush()
        self.summary.setText(summary(report))
        set_tone(self.summary, level_tone(report.level))
        self.retry_button.setEnabled(report.writer_failed > 0)

    def row(self, key: str) -> HealthRow | None:
        """The row of a report line (``"database"``) or a stale feed (``"feed:AAPL quotes"``)."""
        return self.model.get(key)

    def retry_failed_writes(self) -> int:
        """Queue the failed database writes again; say how many."""
        count = self.session.app.writer.retry_failed()
        self.session.message.emit(f"Retrying {count} failed database writes")
        self.refresh()
        return count

    def _on_theme_changed(self, _palette: Palette) -> None:
        self.model.mark_all_dirty()
        self.model.flush()
