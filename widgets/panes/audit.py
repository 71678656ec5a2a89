"""The audit trail viewer: who did what, when, from where — filterable, verifiable, exportable.

Stored records are read off the GUI thread (an executor, a page of the newest
:data:`PAGE_SIZE` at a time, "Load older" for more) when the pane is first shown or the session
starts; records appended afterwards arrive through ``AuditLog.recorded`` (and, on a desk, those
of the other terminals through ``DeskSync.desk_recorded``) and are inserted in one batch per
refresh. Verifying the hash chain and exporting also run in an executor.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from terminal.app import StartReport
from terminal.domain import Severity
from terminal.persistence.audit import AuditRecord
from terminal.persistence.audit_verify import ExportFormat, VerifyResult
from widgets.dialogs.save_file import open_save_dialog
from widgets.panes.audit_details import AuditDetailsDialog
from widgets.panes.audit_filters import AuditFilterBar
from widgets.panes.audit_io import (
    AuditPage,
    ExportResult,
    export_stored,
    load_page,
    verify_stored,
)
from widgets.panes.audit_model import (
    AuditEntry,
    AuditFilter,
    AuditFilterProxy,
    AuditTableModel,
    audit_columns,
    entry_of,
)
from widgets.panes.base import Pane
from widgets.resources import icon
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.table_model import ROW_ROLE, FastTableView

log = logging.getLogger(__name__)

#: Records read per page ("Load older" reads the next page).
PAGE_SIZE = 5_000

_EXPORT_FILTERS: dict[str, ExportFormat] = {
    "CSV (*.csv)": "csv",
    "JSON lines (*.jsonl)": "jsonl",
}

T = TypeVar("T")


class AuditTrailPane(Pane):
    """Every audit record, newest first, with text / kind / actor / time filters.

    Public actions (also used by tests): :meth:`load`, :meth:`load_older`, :meth:`verify`,
    :meth:`export_to`, :meth:`show_details`, :meth:`set_text_filter`.
    """

    pane_id = "audit"
    title = "Audit trail"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self._pending: list[AuditRecord] = []
        self._bad_seq: int | None = None
        self._loaded_once = False
        self._db_first_seq: int | None = None
        self._jobs = 0
        self._load_running = False
        #: The first page of stored records has been read.
        self.loaded = False
        self.last_verify: VerifyResult | None = None
        self.last_export: ExportResult | None = None
        self.export_dialog: QFileDialog | None = None
        self.details_dialog: AuditDetailsDialog | None = None

        self.model = AuditTableModel(
            audit_columns(lambda: self.session.palette, lambda: self._bad_seq), self
        )
        self.proxy = AuditFilterProxy(self.model, self)
        self.table = FastTableView(self.model, sortable=False, parent=self)
        self.table.setObjectName("audit_table")
        self.table.setModel(self.proxy)
        for i, column in enumerate(self.model.columns):
            self.table.setColumnWidth(i, column.width)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.installEventFilter(self)

        self.filters = AuditFilterBar(self)
        self.filters.changed.connect(self.apply_filter)
        #: The filter widgets (shortcuts for tests and the event filter).
        self.filter_edit = self.filters.text_edit
        self.kind_combo = self.filters.kind_combo
        self.actor_combo = self.filters.actor_combo
        self.since_check = self.filters.since_check
        self.since_edit = self.filters.since_edit
        self.filter_edit.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._build_actions())
        self.setFocusProxy(self.filter_edit)

        self.subscribe(session.app.audit.recorded, self._on_recorded)
        # Records other terminals of a desk committed to the same chain (docs/desk-mode.md).
        self.subscribe(session.app.desk.desk_recorded, self._on_desk_recorded)
        self.register_flush(self._flush)
        self.subscribe(session.started, self._on_started)
        self.subscribe(session.theme_changed, self._on_theme_changed)
        self._update_counts()

    # -- building ----------------------------------------------------------------------------
    def _build_actions(self) -> QHBoxLayout:
        self.count_label = QLabel(self)
        self.count_label.setObjectName("audit_count")
        set_tone(self.count_label, "muted")
        self.busy = QProgressBar(self)
        self.busy.setObjectName("audit_busy")
        self.busy.setRange(0, 0)  # indeterminate: only animates while a job runs
        self.busy.setTextVisible(False)
        self.busy.setFixedSize(70, 10)
        self.busy.hide()
        self.status_label = QLabel(self)
        self.status_label.setObjectName("audit_status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long result must not widen the dock: it is cut here and shown whole in the tooltip.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.load_older_button = self._button(
            "audit_load_older", "Load older", "audit-older", self.load_older
        )
        self.load_older_button.setToolTip(f"Read the next {PAGE_SIZE:,} older records")
        self.load_older_button.setEnabled(False)
        self.verify_button = self._button(
            "audit_verify", "Verify chain", "audit-verify", self.verify
        )
        self.verify_button.setToolTip(
            "Recompute the hash chain of every stored record: any altered, removed or "
            "reordered record shows"
        )
        self.export_button = self._button(
            "audit_export", "Export…", "audit-export", self.choose_export_file
        )
        self.export_button.setToolTip("Write every stored record to a CSV or JSON-lines file")

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.count_label)
        row.addWidget(self.busy)
        row.addWidget(self.status_label, 1)
        row.addWidget(self.load_older_button)
        row.addWidget(self.verify_button)
        row.addWidget(self.export_button)
        return row

    def _button(
        self, name: str, text: str, icon_name: str, slot: Callable[[], object]
    ) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _on_theme_changed(self, _palette: object) -> None:
        self.table.viewport().update()  # colours are read from the palette at paint time

    # -- live records ------------------------------------------------------------------------
    def _on_recorded(self, record: AuditRecord) -> None:
        self._pending.append(record)

    def _on_desk_recorded(self, records: list[AuditRecord]) -> None:
        self._pending.extend(records)

    def _flush(self) -> None:
        if self._pending:
            records, self._pending = self._pending, []
            self._add([entry_of(r) for r in records])
        self.model.flush()

    def _add(self, entries: list[AuditEntry]) -> None:
        bar = self.table.verticalScrollBar()
        keep_place = bar.value() > 0
        before = self.proxy.rowCount()
        top_before = self.model.newest_seq
        inserted = self.model.add(entries)
        if not inserted:
            return
        if keep_place and top_before is not None and inserted[-1].seq > top_before:
            # Rows went in above what the trader is reading: keep it in place (the scroll
            # range grows lazily, so update it before moving).
            self.table.updateGeometries()
            bar.setValue(bar.value() + self.proxy.rowCount() - before)
        self.filters.note((e.record.action for e in inserted), (e.record.actor for e in inserted))
        self._update_counts()

    # -- loading -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self.load()

    def _on_started(self, _report: StartReport) -> None:
        if not self._loaded_once:
            self.load()

    def load(self) -> asyncio.Task[Any] | None:
        """Read the newest page of stored records (once; later records arrive live)."""
        if self._load_running:
            return None
        self._loaded_once = True
        return self._load_page(None)

    def load_older(self) -> asyncio.Task[Any] | None:
        """Read the next page of records older than the oldest shown."""
        if self._load_running or not self.has_older:
            return None
        return self._load_page(self.model.oldest_seq)

    @property
    def has_older(self) -> bool:
        oldest, first = self.model.oldest_seq, self._db_first_seq
        return oldest is not None and first is not None and oldest > first

    def _load_page(self, before: int | None) -> asyncio.Task[Any]:
        self._load_running = True
        self.load_older_button.setEnabled(False)
        app = self.session.app
        job = functools.partial(load_page, app.store.engine, app.writer, before, PAGE_SIZE)

        def done(page: AuditPage | None) -> None:
            self._load_running = False
            self.loaded = True
            if page is not None:
                self._db_first_seq = page.first_seq
                self._add(page.entries)
            self.load_older_button.setEnabled(self.has_older)
            self._update_counts()

        return self._in_executor(job, "read the audit trail", done)

    # -- verify and export -------------------------------------------------------------------
    def verify(self) -> asyncio.Task[Any]:
        """Verify the stored hash chain; the result shows beside the buttons."""
        self.verify_button.setEnabled(False)
        self._show_status("Verifying the audit chain…", "muted")
        app = self.session.app
        job = functools.partial(verify_stored, app.store.engine, app.writer)
        return self._in_executor(job, "verify the audit chain", self._verified)

    def _verified(self, result: VerifyResult | None) -> None:
        self.verify_button.setEnabled(True)
        if result is None:
            return
        self.last_verify = result
        previous, self._bad_seq = self._bad_seq, None if result.ok else result.first_bad_seq
        if result.ok:
            self._show_status(f"✓ Chain intact: {result.count:,} records verified", "ok")
        else:
            text = f"✗ Chain BROKEN at record {result.first_bad_seq}: {result.problem}"
            self._show_status(text, "critical")
            self.session.message.emit(f"Audit trail: {text}")
            self.session.app.alerts.raise_alert(
                Severity.CRITICAL, "audit", f"audit chain broken: {result.problem}", "audit-chain"
            )
            if self._bad_seq is not None:
                self._reveal(self._bad_seq)
        if previous != self._bad_seq:
            self.model.mark_all_dirty()  # repaint the red row on the next flush

    def _reveal(self, seq: int) -> None:
        """Scroll to the record ``seq`` and make it current, without selecting it (the
        selection colour would hide its red marking)."""
        position = self.model.position(str(seq))
        if position is None:
            return
        index = self.proxy.mapFromSource(self.model.index(position, 0))
        if index.isValid():
            self.table.selectionModel().clearSelection()
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def choose_export_file(self) -> QFileDialog:
        """Ask where to export (non-blocking file dialog); exporting starts when one is chosen."""
        if self.export_dialog is not None:
            self.export_dialog.raise_()
            return self.export_dialog
        stamp = dt.datetime.now(dt.UTC).astimezone().strftime("%Y%m%d-%H%M%S")
        self.export_dialog = open_save_dialog(
            self,
            title="Export audit trail",
            object_name="audit_export_dialog",
            filters=_EXPORT_FILTERS,
            file_name=f"audit-{stamp}.csv",
            on_chosen=self._export_chosen,
            on_closed=self._export_dialog_closed,
        )
        return self.export_dialog

    def _export_dialog_closed(self, dialog: QFileDialog) -> None:
        if self.export_dialog is dialog:
            self.export_dialog = None

    def _export_chosen(self, path: str, dialog: QFileDialog) -> None:
        chosen = Path(path)
        by_suffix = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}
        fmt: ExportFormat = _EXPORT_FILTERS.get(dialog.selectedNameFilter(), "csv")
        if chosen.suffix.lower() in by_suffix:
            fmt = "jsonl" if by_suffix[chosen.suffix.lower()] == "jsonl" else "csv"
        self.export_to(chosen, fmt)

    def export_to(self, path: Path, fmt: ExportFormat) -> asyncio.Task[Any]:
        """Export every stored record to ``path`` (CSV or JSON lines) in the background."""
        self.export_button.setEnabled(False)
        self._show_status(f"Exporting to {path.name}…", "muted")
        app = self.session.app
        job = functools.partial(export_stored, app.store.engine, app.writer, fmt, path)

        def done(result: ExportResult | None) -> None:
            self.export_button.setEnabled(True)
            if result is None:
                return
            self.last_export = result
            text = f"Exported {result.count:,} records to {result.path}"
            if result.verify.ok:
                self._show_status(text, "ok")
            else:
                text += f" — WARNING: chain broken at record {result.verify.first_bad_seq}"
                self._show_status(text, "critical")
            self.session.message.emit(text)

        return self._in_executor(job, "export the audit trail", done)

    def _in_executor(
        self, job: Callable[[], T], what: str, done: Callable[[T | None], None]
    ) -> asyncio.Task[Any]:
        """Run the blocking ``job`` off the GUI thread; ``done`` gets its result (None if it
        failed, after the failure was shown)."""
        self._busy(+1)

        async def run() -> None:
            result: T | None = None
            try:
                result = await asyncio.get_running_loop().run_in_executor(None, job)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("audit pane could not %s: %s", what, exc)
                if self.alive:
                    self._show_status(f"Could not {what}: {_first_line(exc)}", "critical")
                    self.session.fail(f"audit: {what}", _first_line(exc))
            finally:
                if self.alive:
                    self._busy(-1)
            if self.alive:  # the window may have closed meanwhile
                done(result)

        return self.run(run(), f"audit: {what}")

    def _busy(self, change: int) -> None:
        self._jobs = max(0, self._jobs + change)
        self.busy.setVisible(self._jobs > 0)

    # -- filtering ---------------------------------------------------------------------------
    def set_text_filter(self, text: str) -> None:
        """Filter by ``text`` at once (as typing does after a pause)."""
        self.filters.set_text(text)

    def apply_filter(self) -> None:
        """Apply the text, kind, actor and from-time filters (one pass over the rows)."""
        self.proxy.set_criteria(self.filters.criteria())
        self._update_counts()

    def set_kind_filter(self, kind: str | None) -> None:
        """Show only records of ``kind`` (None: every kind)."""
        self.filters.set_kind(kind)

    def set_actor_filter(self, actor: str | None) -> None:
        """Show only records by ``actor`` (None: everyone)."""
        self.filters.set_actor(actor)

    # -- reading rows ------------------------------------------------------------------------
    def visible_entries(self) -> list[AuditEntry]:
        """The entries shown, top to bottom (after filtering)."""
        return [self.table.row_at(r) for r in range(self.proxy.rowCount())]

    @property
    def bad_seq(self) -> int | None:
        return self._bad_seq

    # -- details -----------------------------------------------------------------------------
    def _on_double_clicked(self, index: QModelIndex) -> None:
        entry = index.data(ROW_ROLE)
        if isinstance(entry, AuditEntry):
            self.show_details(entry)

    def show_details(self, entry: AuditEntry) -> AuditDetailsDialog:
        """Open the full record (pretty JSON) in a window of its own."""
        dialog = AuditDetailsDialog(entry.record, self)
        self.details_dialog = dialog
        dialog.destroyed.connect(lambda _o=None: self._details_closed(dialog))
        dialog.show()  # not modal: the trader can keep reading the trail beside it
        return dialog

    def _details_closed(self, dialog: AuditDetailsDialog) -> None:
        if self.details_dialog is dialog:
            self.details_dialog = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.table and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                current = self.table.currentIndex()
                entry = current.data(ROW_ROLE) if current.isValid() else None
                if isinstance(entry, AuditEntry):
                    self.show_details(entry)
                    return True
            if watched is self.filter_edit and key == Qt.Key.Key_Down and self.proxy.rowCount():
                self.table.setFocus(Qt.FocusReason.TabFocusReason)
                if self.table.selected_row() is None:
                    self.table.selectRow(0)
                return True
            if watched is self.filter_edit and key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.set_text_filter("")
                return True
        return super().eventFilter(watched, event)

    # -- status ------------------------------------------------------------------------------
    def _update_counts(self) -> None:
        loaded = len(self.model)
        shown = self.proxy.rowCount()
        total = max(self.session.app.audit.head.seq, loaded)
        text = f"{loaded:,} of {total:,} records loaded"
        if self.proxy.criteria != AuditFilter():
            text = f"{shown:,} shown · " + text
        self.count_label.setText(text)

    def _show_status(self, text: str, tone: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        set_tone(self.status_label, tone)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
