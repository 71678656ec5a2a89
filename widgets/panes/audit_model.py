"""The audit pane's rows, table model and filter.

Rows are kept newest first in the source model (so no proxy sort is needed: sorting tens of
thousands of rows through Python's ``data()`` takes seconds). Live records are prepended in one
insert per refresh; older pages are appended. The filter proxy tests each row against
precomputed text, so refiltering 50,000 rows takes about 50 ms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)
from PySide6.QtGui import QColor

from terminal.persistence.audit import AuditRecord
from widgets.table_model import LEFT, Column, RowModel
from widgets.theme import Palette

#: Kinds that record something refused or failed (shown in the warning colour).
_WARNING_SUFFIXES = ("_refused", "_failed", "_interrupted")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record with the text the table shows and the filter searches, computed once."""

    record: AuditRecord
    time_text: str
    haystack: str

    @property
    def seq(self) -> int:
        return self.record.seq

    @property
    def key(self) -> str:
        return str(self.record.seq)


def local_time_text(at: dt.datetime) -> str:
    """``2024-05-02 14:03:07.123`` in the local time zone."""
    local = at.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S") + f".{local.microsecond // 1000:03d}"


def entry_of(record: AuditRecord) -> AuditEntry:
    """Wrap ``record`` with its display time and lower-case search text."""
    time_text = local_time_text(record.at)
    haystack = " ".join(
        (
            str(record.seq),
            time_text,
            record.actor,
            record.workstation,
            record.action,
            record.subject,
            record.details_json,
        )
    ).lower()
    return AuditEntry(record, time_text, haystack)


def kind_tone(kind: str) -> str:
    """``critical`` for the kill switch, ``warning`` for refusals and failures, else ``""``."""
    if kind.startswith("kill_switch"):
        return "critical"
    if kind.endswith(_WARNING_SUFFIXES):
        return "warning"
    return ""


def audit_columns(
    palette: Callable[[], Palette], bad_seq: Callable[[], int | None]
) -> list[Column[AuditEntry]]:
    """The columns: Seq, Time, Actor, Workstation, Kind, Subject, Details (compact JSON).

    Args:
        palette: The current theme's colours (read at paint time, so a theme switch shows).
        bad_seq: The seq of the record the last verification found broken, if any.
    """

    def seq_colour(e: AuditEntry) -> QColor | None:
        return palette().critical if e.seq == bad_seq() else None

    def row_background(e: AuditEntry) -> QColor | None:
        return palette().flash_down if e.seq == bad_seq() else None

    def kind_colour(e: AuditEntry) -> QColor | None:
        tone = kind_tone(e.record.action)
        if e.seq == bad_seq() or tone == "critical":
            return palette().critical
        return palette().warning if tone == "warning" else None

    def utc(e: AuditEntry) -> str:
        return e.record.at.astimezone(dt.UTC).isoformat(timespec="microseconds")

    return [
        Column("Seq", lambda e: e.seq, width=64, foreground=seq_colour, background=row_background),
        Column(
            "Time",
            lambda e: e.record.at,
            text=lambda e: e.time_text,
            width=172,
            align=LEFT,
            background=row_background,
            tooltip=lambda e: f"{utc(e)} (UTC)",
        ),
        Column("Actor", lambda e: e.record.actor, width=96, align=LEFT, background=row_background),
        Column(
            "Workstation",
            lambda e: e.record.workstation,
            width=116,
            align=LEFT,
            background=row_background,
        ),
        Column(
            "Kind",
            lambda e: e.record.action,
            width=148,
            align=LEFT,
            foreground=kind_colour,
            background=row_background,
        ),
        Column(
            "Subject",
            lambda e: e.record.subject,
            width=150,
            align=LEFT,
            background=row_background,
            tooltip=lambda e: e.record.subject,
        ),
        Column(
            "Details",
            lambda e: e.record.details_json,
            width=260,
            align=LEFT,
            background=row_background,
            tooltip=lambda e: "Double-click or Enter for the full record",
        ),
    ]


class AuditTableModel(RowModel[AuditEntry]):
    """Audit entries keyed by seq, kept newest first.

    ``RowModel`` only appends one row at a time; audit rows arrive in pages and newest-first, so
    this model adds a batch in one insert (at the top for newer records, at the bottom for
    older ones).
    """

    def __init__(self, columns: list[Column[AuditEntry]], parent: QObject | None = None) -> None:
        super().__init__(columns, key=lambda e: e.key)
        if parent is not None:
            self.setParent(parent)

    @property
    def newest_seq(self) -> int | None:
        return self._rows[0].seq if self._rows else None

    @property
    def oldest_seq(self) -> int | None:
        return self._rows[-1].seq if self._rows else None

    def add(self, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
        """Insert the entries not yet shown, keeping newest first; return those inserted."""
        unique = {e.seq: e for e in entries if e.key not in self._index}
        fresh = sorted(unique.values(), key=lambda e: e.seq, reverse=True)
        if not fresh:
            return []
        count = len(fresh)
        if not self._rows or fresh[-1].seq > self._rows[0].seq:
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            self._rows[0:0] = fresh
            self._index = {e.key: i for i, e in enumerate(self._rows)}
            self._dirty = {d + count for d in self._dirty}
            self.endInsertRows()
        elif fresh[0].seq < self._rows[-1].seq:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + count - 1)
            self._rows.extend(fresh)
            self._index.update((e.key, first + i) for i, e in enumerate(fresh))
            self.endInsertRows()
        else:  # interleaved (rare: a reload racing live records): rebuild once
            self.set_rows(sorted([*self._rows, *fresh], key=lambda e: e.seq, reverse=True))
        return fresh


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the trader filters by. Every word of ``text`` must occur somewhere in the row."""

    words: tuple[str, ...] = ()
    kind: str | None = None
    actor: str | None = None
    since: dt.datetime | None = None
    _active: bool = field(default=False, compare=False)

    @classmethod
    def of(
        cls,
        text: str = "",
        kind: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
    ) -> AuditFilter:
        words = tuple(text.lower().split())
        active = bool(words) or kind is not None or actor is not None or since is not None
        return cls(words, kind, actor, since, active)

    def matches(self, entry: AuditEntry) -> bool:
        if not self._active:
            return True
        record = entry.record
        if self.kind is not None and record.action != self.kind:
            return False
        if self.actor is not None and record.actor != self.actor:
            return False
        if self.since is not None and record.at < self.since:
            return False
        haystack = entry.haystack
        return all(word in haystack for word in self.words)


class AuditFilterProxy(QSortFilterProxyModel):
    """Shows the rows of an :class:`AuditTableModel` that match an :class:`AuditFilter`."""

    def __init__(self, model: AuditTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._filter = AuditFilter()
        self.setSourceModel(model)
        self.setDynamicSortFilter(False)  # records never change; inserts are filtered anyway

    @property
    def criteria(self) -> AuditFilter:
        return self._filter

    def set_criteria(self, criteria: AuditFilter) -> None:
        """Filter by ``criteria`` (one pass over the rows; nothing happens if unchanged)."""
        if criteria == self._filter:
            return
        self.beginFilterChange()
        self._filter = criteria
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        return self._filter.matches(self._model.row(source_row))
