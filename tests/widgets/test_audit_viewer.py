"""The audit trail viewer: stored records load off the GUI thread, live records appear, filters
narrow the rows, the hash chain verifies (and a tampered row is caught), export and details."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import Order, OrderIntent, OrderSide, OrderType, Severity
from terminal.persistence.audit import AuditRecord
from widgets.main_window import MainWindow
from widgets.panes import audit as audit_pane
from widgets.panes.audit import AuditTrailPane
from widgets.panes.audit_details import AuditDetailsDialog
from widgets.table_model import ROW_ROLE

from .conftest import Harness


@pytest.fixture
def pane(harness: Harness) -> Iterator[AuditTrailPane]:
    """The audit pane, shown (which starts loading the stored records), fully loaded."""
    view = AuditTrailPane(harness.session)
    harness.qtbot.addWidget(view)
    view.resize(1200, 420)
    view.show()
    harness.qtbot.waitUntil(lambda: view.loaded)
    harness.session.refresh.flush_now()
    yield view


def _db_path(harness: Harness) -> str:
    path = harness.app.database.engine.url.database
    assert path
    return path


def _stage_one(harness: Harness) -> Order:
    instrument = harness.app.watchlist[0]
    intent = OrderIntent(instrument, OrderSide.BUY, Decimal(1), OrderType.MARKET)
    order = harness.app.orders.stage(intent)
    harness.commit()  # records are numbered, and shown, once committed
    return order


def _kinds(view: AuditTrailPane) -> list[str]:
    return [e.record.action for e in view.visible_entries()]


def test_stored_records_load_after_start_newest_first(
    harness: Harness, pane: AuditTrailPane
) -> None:
    kinds = _kinds(pane)
    assert "session_start" in kinds
    seqs = [e.seq for e in pane.visible_entries()]
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[0] == harness.app.audit.head.seq
    session_start = next(e for e in pane.visible_entries() if e.record.action == "session_start")
    assert session_start.record.actor == harness.app.audit.actor
    assert json.loads(session_start.record.details_json)["broker"] == "sim"
    assert "session_start" in [pane.kind_combo.itemText(i) for i in range(pane.kind_combo.count())]
    assert pane.count_label.text().startswith(f"{len(seqs):,} of {len(seqs):,} records")
    assert not pane.busy.isVisible()


def test_a_staged_order_appears_live_at_the_top(harness: Harness, pane: AuditTrailPane) -> None:
    before = len(pane.model)
    order = _stage_one(harness)
    assert len(pane.model) == before  # nothing shown until the refresh clock flushes
    harness.session.refresh.flush_now()
    top, below = pane.table.row_at(0), pane.table.row_at(1)
    # Staged, then the risk verdict that put it in the approval queue.
    assert (below.record.action, top.record.action) == ("stage", "verdict")
    assert below.record.subject == top.record.subject == order.id
    assert top.seq == harness.app.audit.head.seq
    assert "stage" in [pane.kind_combo.itemText(i) for i in range(pane.kind_combo.count())]


def test_typing_in_the_filter_box_and_choosing_a_kind_narrow_the_rows(
    harness: Harness, pane: AuditTrailPane
) -> None:
    order = _stage_one(harness)
    harness.session.refresh.flush_now()
    everything = pane.proxy.rowCount()
    assert everything >= 3

    pane.filter_edit.setFocus()
    harness.qtbot.keyClicks(pane.filter_edit, order.id)
    harness.qtbot.waitUntil(lambda: pane.proxy.rowCount() < everything)  # after the pause
    assert pane.visible_entries()
    assert all(order.id in e.record.subject + e.record.details_json for e in pane.visible_entries())
    assert "shown" in pane.count_label.text()

    harness.qtbot.keyClick(pane.filter_edit, Qt.Key.Key_Escape)  # clears the filter
    assert pane.proxy.rowCount() == everything

    pane.set_kind_filter("session_start")
    assert _kinds(pane) == ["session_start"]
    pane.set_kind_filter(None)
    pane.set_actor_filter(harness.app.audit.actor)
    assert pane.proxy.rowCount() == everything
    pane.set_text_filter("no-such-thing-anywhere")
    assert pane.proxy.rowCount() == 0


def test_from_time_filter_hides_older_records(harness: Harness, pane: AuditTrailPane) -> None:
    everything = pane.proxy.rowCount()
    latest = max(e.record.at for e in pane.visible_entries())
    pane.since_check.setChecked(True)
    later = latest.astimezone() + dt.timedelta(minutes=1)
    pane.since_edit.setDateTime(QDateTime(later.replace(tzinfo=None)))
    assert pane.proxy.rowCount() == 0
    earlier = latest.astimezone() - dt.timedelta(hours=1)
    pane.since_edit.setDateTime(QDateTime(earlier.replace(tzinfo=None)))
    assert pane.proxy.rowCount() == everything
    pane.since_check.setChecked(False)
    assert pane.proxy.criteria.since is None


def test_verify_chain_is_ok_then_catches_a_tampered_row(
    harness: Harness, pane: AuditTrailPane
) -> None:
    harness.qtbot.mouseClick(pane.verify_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: pane.last_verify is not None)
    assert pane.last_verify is not None and pane.last_verify.ok
    assert "intact" in pane.status_label.text()
    assert f"{harness.app.audit.head.seq:,} records" in pane.status_label.text()
    assert pane.status_label.property("tone") == "ok"

    assert harness.app.writer.flush(5.0)
    with sqlite3.connect(_db_path(harness)) as conn:
        conn.execute('UPDATE audit_log SET details = \'{"by": "mallory"}\' WHERE seq = 1')
    pane.last_verify = None
    harness.qtbot.mouseClick(pane.verify_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: pane.last_verify is not None)
    assert pane.last_verify is not None and not pane.last_verify.ok
    assert pane.bad_seq == 1
    assert "BROKEN at record 1" in pane.status_label.text()
    assert pane.status_label.property("tone") == "critical"
    assert pane.table.currentIndex().data(ROW_ROLE).seq == 1  # the bad record is current
    alerts = [a for a in harness.app.alerts.active() if a.source == "audit"]
    assert alerts and alerts[0].severity is Severity.CRITICAL


def test_export_through_the_file_dialog_writes_every_record(
    harness: Harness, pane: AuditTrailPane, tmp_path: Path
) -> None:
    harness.qtbot.mouseClick(pane.export_button, Qt.MouseButton.LeftButton)
    dialog = pane.export_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "trail.jsonl"
    dialog.selectFile(str(target))
    dialog.accept()
    harness.qtbot.waitUntil(lambda: pane.last_export is not None)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == harness.app.audit.head.seq
    assert json.loads(lines[-1])["seq"] == harness.app.audit.head.seq
    assert "Exported" in pane.status_label.text()
    assert pane.export_dialog is None

    csv_task = pane.export_to(tmp_path / "trail.csv", "csv")
    harness.qtbot.waitUntil(csv_task.done)
    header = (tmp_path / "trail.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("seq,at,actor")


def test_export_to_a_missing_folder_says_why(
    harness: Harness, pane: AuditTrailPane, tmp_path: Path
) -> None:
    task = pane.export_to(tmp_path / "no" / "such" / "folder" / "a.csv", "csv")
    harness.qtbot.waitUntil(task.done)
    assert pane.last_export is None
    assert pane.status_label.text().startswith("Could not export the audit trail")
    assert pane.status_label.property("tone") == "critical"
    assert pane.export_button.isEnabled()


def test_double_click_and_enter_show_the_full_record(
    harness: Harness, pane: AuditTrailPane
) -> None:
    index = pane.proxy.index(0, 4)
    rect = pane.table.visualRect(index)
    # A real double-click is press, release, double-click: the view needs the first press.
    harness.qtbot.mouseClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    harness.qtbot.mouseDClick(pane.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = pane.details_dialog
    assert isinstance(dialog, AuditDetailsDialog) and dialog.isVisible()
    shown = json.loads(dialog.text.toPlainText())
    top = pane.table.row_at(0)
    assert shown["seq"] == top.seq and shown["hash"] == top.record.hash
    assert isinstance(shown["details"], dict)
    dialog.close()
    harness.qtbot.waitUntil(lambda: pane.details_dialog is None)

    pane.table.setFocus()
    pane.table.selectRow(1)
    harness.qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert pane.details_dialog is not None
    assert json.loads(pane.details_dialog.text.toPlainText())["seq"] == pane.table.row_at(1).seq
    pane.details_dialog.close()


def test_load_older_reads_the_next_page(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(4):
        _stage_one(harness)
    monkeypatch.setattr(audit_pane, "PAGE_SIZE", 2)
    view = AuditTrailPane(harness.session)
    harness.qtbot.addWidget(view)
    view.show()
    harness.qtbot.waitUntil(lambda: view.loaded)
    head = harness.app.audit.head.seq
    assert [e.seq for e in view.visible_entries()] == [head, head - 1]
    assert view.load_older_button.isEnabled() and view.has_older
    harness.qtbot.mouseClick(view.load_older_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: len(view.model) == 4)
    assert [e.seq for e in view.visible_entries()] == [head, head - 1, head - 2, head - 3]


def test_filtering_tens_of_thousands_of_rows(harness: Harness, pane: AuditTrailPane) -> None:
    at = harness.clock.now()
    base = harness.app.audit.head.seq + 1
    stored = len(pane.model)
    for i in range(30_000):  # as if the log had recorded them (one flush inserts them all)
        harness.app.audit.recorded.emit(
            AuditRecord(
                base + i,
                at,
                "bot" if i % 3 else "someone",
                "ws",
                f"kind{i % 7}",
                f"ORD-{i}",
                "{}",
                "",
                "",
            )
        )
    harness.session.refresh.flush_now()
    assert len(pane.model) == stored + 30_000
    assert pane.table.row_at(0).seq == base + 29_999
    pane.set_actor_filter("bot")
    assert pane.proxy.rowCount() == 20_000
    pane.set_kind_filter("kind3")
    pane.set_text_filter("ord-2999")
    shown = pane.visible_entries()
    assert shown and all(
        e.record.actor == "bot" and e.record.action == "kind3" and "ORD-2999" in e.record.subject
        for e in shown
    )
    pane.set_text_filter("")
    pane.set_kind_filter(None)
    pane.set_actor_filter(None)
    assert pane.proxy.rowCount() == len(pane.model)


def test_the_pane_in_the_window_loads_when_the_session_starts(
    window: MainWindow, harness: Harness
) -> None:
    view = window.pane("audit")
    assert isinstance(view, AuditTrailPane)
    harness.qtbot.waitUntil(lambda: view.loaded)  # tabbed away, yet loaded on session.started
    harness.session.refresh.flush_now()
    assert "session_start" in _kinds(view)
    window.bring_forward("audit")
    window.activateWindow()
    harness.qtbot.waitUntil(view.filter_edit.hasFocus)  # Ctrl+N brings it forward to type


def test_new_records_do_not_move_the_rows_the_trader_is_reading(
    harness: Harness, pane: AuditTrailPane
) -> None:
    for _ in range(40):
        _stage_one(harness)
    harness.session.refresh.flush_now()
    QApplication.processEvents()  # the view lays out the new rows
    bar = pane.table.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert bar.value() > 0
    reading = pane.table.indexAt(pane.table.viewport().rect().topLeft()).data(ROW_ROLE)
    for _ in range(3):
        _stage_one(harness)
    harness.session.refresh.flush_now()
    QApplication.processEvents()
    still = pane.table.indexAt(pane.table.viewport().rect().topLeft()).data(ROW_ROLE)
    assert still.seq == reading.seq
    bar.setValue(0)  # at the top, the newest records show as they come
    _stage_one(harness)
    harness.session.refresh.flush_now()
    assert pane.table.indexAt(pane.table.viewport().rect().topLeft()).data(ROW_ROLE).seq == (
        harness.app.audit.head.seq
    )


def test_records_other_terminals_committed_appear_with_their_numbers(
    harness: Harness, pane: AuditTrailPane
) -> None:
    head = harness.app.audit.head.seq
    theirs = [
        AuditRecord(head + 1 + i, harness.clock.now(), "rita", "desk-2", "approve", f"R{i}", "{}",
                    "0" * 64, "f" * 64)
        for i in range(2)
    ]  # fmt: skip
    harness.app.desk.desk_recorded.emit(theirs)
    harness.session.refresh.flush_now()
    top = pane.table.row_at(0)
    assert (top.seq, top.record.actor, top.record.workstation) == (head + 2, "rita", "desk-2")
