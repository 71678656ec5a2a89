"""The non-blocking "save as" dialog the panes' Export buttons open."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def open_save_dialog(
    parent: QWidget,
    *,
    title: str,
    object_name: str,
    filters: Mapping[str, str],
    file_name: str,
    on_chosen: Callable[[str, QFileDialog], None],
    on_closed: Callable[[QFileDialog], None],
) -> QFileDialog:
    """Open (``open()``, never a nested ``exec()`` loop) a save dialog in the home folder.

    Args:
        filters: name filter → the suffix it writes (``{"CSV (*.csv)": "csv"}``); the first is
            the default, and picking another changes the suffix added to a bare name.
        file_name: the proposed name.
        on_chosen: called with the chosen path and the dialog (for its selected filter).
        on_closed: called when the dialog closes, chosen or not; the dialog is deleted after.
    """
    first = next(iter(filters.values()))
    dialog = QFileDialog(parent, title)
    dialog.setObjectName(object_name)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilters(list(filters))
    dialog.setDefaultSuffix(first)
    dialog.setDirectory(str(Path.home()))
    dialog.selectFile(file_name)
    dialog.filterSelected.connect(lambda name: dialog.setDefaultSuffix(filters.get(name, first)))
    dialog.fileSelected.connect(lambda path: on_chosen(path, dialog))

    def closed(_result: int) -> None:
        on_closed(dialog)
        dialog.deleteLater()

    dialog.finished.connect(closed)
    dialog.open()
    return dialog
