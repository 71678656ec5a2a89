"""Settings › Presets: the trader's order presets, added, edited, deleted, one default per
instrument or asset class.

The list on the left holds the presets in the order the ticket and the ladder offer them; the
form on the right edits the selected one. Every problem shows at its field as it is typed (a
name used twice, a second default for one instrument, "ten ticks"...) and OK / Apply refuse
while any preset has one, selecting it. Nothing applies until OK / Apply; then the ticket and
the ladder list the new presets at once and the file keeps them as ``[[presets]]`` tables.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import TimeInForce
from terminal.presets import model as pm
from terminal.presets.model import ENTRY_TYPES, PRESET_ASSET_CLASSES, OrderPreset
from widgets.panes.ticket_widgets import FieldBox
from widgets.style_props import set_tone

NOTE = (
    "A preset fills the ticket (quantity, type, TIF, limit at the touch moved by the offset, "
    "bracket) and sets the ladder's quantity and bracket; the trading keys use the ticket's "
    "preset. Exits: “10 ticks”, “0.5 %”, or “at 231.50” (instrument presets only). The default "
    "(★) is chosen with its instrument; an instrument's own default wins over its asset "
    "class's. A preset that would be BLOCKED by risk is refused when chosen. Every order still "
    "waits for approval."
)

#: The form's text fields: (field name, label, placeholder).
_TEXT_FIELDS = (
    (pm.NAME, "Name", "AAPL scalp"),
    ("instrument", "Instrument", "AAPL (or leave empty and pick an asset class)"),
    (pm.QUANTITY, "Quantity", "100"),
    (pm.LIMIT_OFFSET, "Limit offset (ticks)", "0 joins the bid to buy; 2 pays two ticks up"),
    (pm.TAKE_PROFIT, "Take-profit", "10 ticks · 0.5 % · at 231.50 · empty: none"),
    (pm.STOP_LOSS, "Stop-loss", "5 ticks · 0.25 % · at 226.00 · empty: none"),
)


def _blank(number: int) -> dict[str, Any]:
    return {
        pm.NAME: f"Preset {number}",
        "instrument": "",
        "asset_class": "STK",
        pm.QUANTITY: "100",
        pm.ORDER_TYPE: "LMT",
        pm.TIF: "DAY",
        pm.LIMIT_OFFSET: "0",
        pm.TAKE_PROFIT: "",
        pm.STOP_LOSS: "",
        pm.DEFAULT: False,
    }


class PresetsPage(QWidget):
    """The Presets tab. :meth:`collect` gives what it holds (applied on OK / Apply)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_tab_presets")
        self._drafts: list[dict[str, Any]] = []
        self._loading = False
        self.problem = ""

        note = QLabel(NOTE, self)
        note.setWordWrap(True)
        set_tone(note, "muted")
        self.list = QListWidget(self)
        self.list.setObjectName("preset_list")
        self.list.setMinimumWidth(220)
        self.add_button = QPushButton("New", self)
        self.add_button.setObjectName("preset_add")
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.setObjectName("preset_delete")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(buttons)

        self.edits: dict[str, QLineEdit] = {}
        self.boxes: dict[str, FieldBox] = {}
        self.form = QWidget(self)
        grid = QGridLayout(self.form)
        grid.setColumnStretch(1, 1)
        row = 0
        for name, text, placeholder in _TEXT_FIELDS:
            edit = QLineEdit(self.form)
            edit.setObjectName(f"preset_{name}")
            edit.setPlaceholderText(placeholder)
            edit.textEdited.connect(self._edited)
            self.edits[name] = edit
            row = self._add_row(grid, row, text, name, edit)
            if name == "instrument":
                self.asset_class = QComboBox(self.form)
                self.asset_class.setObjectName("preset_asset_class")
                self.asset_class.addItem("—", "")
                for asset in PRESET_ASSET_CLASSES:
                    self.asset_class.addItem(asset.value, asset.value)
                self.asset_class.setToolTip("Every instrument of this asset class")
                self.asset_class.activated.connect(self._edited)
                row = self._add_row(grid, row, "or asset class", pm.SCOPE, self.asset_class)
            if name == pm.QUANTITY:
                self.order_type = self._combo("preset_order_type", [t.value for t in ENTRY_TYPES])
                row = self._add_row(grid, row, "Order type", pm.ORDER_TYPE, self.order_type)
                self.tif = self._combo("preset_tif", [t.value for t in TimeInForce])
                row = self._add_row(grid, row, "TIF", pm.TIF, self.tif)
        self.default = QCheckBox("Default for its instrument / asset class ★", self.form)
        self.default.setObjectName("preset_default")
        self.default.toggled.connect(self._edited)
        row = self._add_row(grid, row, "", pm.DEFAULT, self.default)
        self.summary = QLabel("", self.form)
        self.summary.setObjectName("preset_summary")
        set_tone(self.summary, "muted")
        grid.addWidget(self.summary, row, 0, 1, 2)
        grid.setRowStretch(row + 1, 1)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(self.form, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(body, 1)

        self.list.currentRowChanged.connect(self._show_draft)
        self.add_button.clicked.connect(self.add)
        self.delete_button.clicked.connect(self.delete_selected)
        self._update_enabled()

    # -- building ----------------------------------------------------------------------------
    def _combo(self, name: str, items: list[str]) -> QComboBox:
        combo = QComboBox(self.form)
        combo.setObjectName(name)
        combo.addItems(items)
        combo.activated.connect(self._edited)
        return combo

    def _add_row(self, grid: QGridLayout, row: int, text: str, name: str, editor: QWidget) -> int:
        box = FieldBox(editor, parent=self.form)
        self.boxes[name] = box
        label = QLabel(text, self.form)
        label.setBuddy(editor)
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(box, row, 1)
        return row + 1

    # -- the presets -------------------------------------------------------------------------
    def set_presets(self, presets: tuple[OrderPreset, ...]) -> None:
        """Show ``presets`` (the settings' presets, or none for the defaults)."""
        self._drafts = [_as_texts(pm.preset_table(p)) for p in presets]
        self._relist(0 if presets else -1)

    def add(self) -> None:
        """Add a new preset (all stocks, 100, LMT at the touch) and select it to edit."""
        self._drafts.append(_blank(len(self._drafts) + 1))
        self._relist(len(self._drafts) - 1)
        self.edits[pm.NAME].setFocus(Qt.FocusReason.OtherFocusReason)
        self.edits[pm.NAME].selectAll()

    def delete_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._drafts):
            del self._drafts[row]
            self._relist(min(row, len(self._drafts) - 1))

    def select(self, row: int) -> None:
        self.list.setCurrentRow(row)

    def collect(self) -> tuple[OrderPreset, ...] | None:
        """The presets the page holds, or None with the first bad one selected and its
        problems shown at its fields (:attr:`problem` says which preset and what)."""
        presets: list[OrderPreset] = []
        for index, draft in enumerate(self._drafts):
            preset, errors = pm.read_preset(draft)
            if preset is None:
                self._refuse(index, errors)
                return None
            presets.append(preset)
        across = pm.check_presets(presets)
        if across:
            index = min(across)
            self._refuse(index, across[index])
            return None
        self.problem = ""
        self._show_errors({})
        return tuple(presets)

    def _refuse(self, index: int, errors: dict[str, str]) -> None:
        name = str(self._drafts[index].get(pm.NAME, "")) or f"#{index + 1}"
        field, message = next(iter(errors.items()))
        self.problem = f"Preset {name!r}: {field.replace('_', ' ')}: {message}"
        self.select(index)
        self._show_errors(errors)

    # -- editing -----------------------------------------------------------------------------
    def _relist(self, select: int) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for draft in self._drafts:
            self.list.addItem(_list_text(draft))
        self.list.blockSignals(False)
        self.list.setCurrentRow(select)
        self._show_draft(select)

    def _show_draft(self, row: int) -> None:
        self._update_enabled()
        if not 0 <= row < len(self._drafts):
            self._show_errors({})
            return
        draft = self._drafts[row]
        self._loading = True
        try:
            for name, edit in self.edits.items():
                edit.setText(str(draft.get(name, "")))
            self.asset_class.setCurrentIndex(
                max(0, self.asset_class.findData(draft["asset_class"]))
            )
            self.order_type.setCurrentText(str(draft[pm.ORDER_TYPE]))
            self.tif.setCurrentText(str(draft[pm.TIF]))
            self.default.setChecked(bool(draft[pm.DEFAULT]))
        finally:
            self._loading = False
        self._check_current()

    def _edited(self, *_args: object) -> None:
        row = self.list.currentRow()
        if self._loading or not 0 <= row < len(self._drafts):
            return
        # An instrument and an asset class exclude each other: choosing one clears the other.
        instrument = self.edits["instrument"]
        sender = self.sender()
        if sender is self.asset_class and self.asset_class.currentData():
            instrument.clear()
        elif sender is instrument and instrument.text().strip():
            self.asset_class.setCurrentIndex(0)
        draft: dict[str, Any] = {name: edit.text() for name, edit in self.edits.items()}
        draft["asset_class"] = str(self.asset_class.currentData() or "")
        draft[pm.ORDER_TYPE] = self.order_type.currentText()
        draft[pm.TIF] = self.tif.currentText()
        draft[pm.DEFAULT] = self.default.isChecked()
        self._drafts[row] = draft
        item = self.list.item(row)
        if item is not None:
            item.setText(_list_text(draft))
        self._check_current()

    def _check_current(self) -> None:
        """Show the selected preset's problems at its fields (and what it stages if none)."""
        row = self.list.currentRow()
        if not 0 <= row < len(self._drafts):
            return
        preset, errors = pm.read_preset(self._drafts[row])
        if preset is not None:
            others = [pm.read_preset(d)[0] for d in self._drafts]
            if all(p is not None for p in others):
                errors = pm.check_presets([p for p in others if p is not None]).get(row, {})
        self._show_errors(errors)
        self.summary.setText("" if preset is None or errors else f"Stages: {preset.describe()}")

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, box in self.boxes.items():
            box.set_error(errors.get(name, ""))
        if "" in errors:
            self.boxes[pm.NAME].set_error(errors[""])

    def _update_enabled(self) -> None:
        has = 0 <= self.list.currentRow() < len(self._drafts)
        self.form.setEnabled(has)
        self.delete_button.setEnabled(has)


def _as_texts(table: dict[str, Any]) -> dict[str, Any]:
    texts = {k: v if isinstance(v, bool) else str(v) for k, v in table.items()}
    texts.setdefault("instrument", "")
    texts.setdefault("asset_class", "")
    return texts


def _list_text(draft: dict[str, Any]) -> str:
    scope = str(draft.get("instrument") or "").upper() or f"all {draft.get('asset_class') or '?'}"
    mark = " ★" if draft.get(pm.DEFAULT) else ""
    return f"{draft.get(pm.NAME) or '(no name)'} — {scope}{mark}"
