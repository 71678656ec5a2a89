"""One editor widget per setting, built from its :class:`FieldSpec`: read, write, mark invalid.

Numbers the trader types (limits, money, quantities) use line edits that accept only digits,
sign, separators and a decimal point; counts and durations use spin boxes with sensible ranges;
times use time edits; the port is a line edit so an out-of-range port is shown at the field
rather than silently clamped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTime
from PySide6.QtGui import QFocusEvent, QMouseEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from widgets.dialogs.settings_fields import MARKET_TIMEZONES, FieldSpec
from widgets.style_props import set_invalid
from widgets.theme import Palette

#: Characters a number field accepts while typing (letters are refused at the key).
_NUMBER_CHARS = QRegularExpression(r"^[-+]?[0-9,_ ]*[.]?[0-9]*$")
_DIGITS = QRegularExpression(r"^[0-9]{0,6}$")
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,39}$")
_INT_MAX = 2_147_483_647


class FieldError(ValueError):
    """What the trader typed in one field cannot be used; the message says why."""


class FieldEditor:
    """The editor of one setting: a widget plus how to show and read its value."""

    def __init__(self, spec: FieldSpec, parent: QWidget) -> None:
        self.spec = spec
        self.widget = _build(spec, parent)
        self.widget.setObjectName(f"setting_{spec.name.replace('.', '_')}")
        self.widget.setToolTip(spec.help)
        self.widget.setProperty("setting", spec.name)

    # -- showing -----------------------------------------------------------------------------
    def set_value(self, value: object) -> None:
        """Show ``value`` (as stored in :class:`~terminal.settings.Settings`)."""
        w, kind = self.widget, self.spec.kind
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QTimeEdit) and isinstance(value, dt.time):
            w.setTime(QTime(value.hour, value.minute, value.second))
        elif isinstance(w, QDoubleSpinBox) and isinstance(value, int | float):
            w.setValue(float(value))
        elif isinstance(w, QSpinBox) and isinstance(value, int):
            w.setValue(value)
        elif isinstance(w, QComboBox):
            index = w.findData(value)
            if index < 0 and w.isEditable():
                w.setEditText(str(value))
            else:
                w.setCurrentIndex(max(0, index))
        elif isinstance(w, QLineEdit):
            if kind == "decimal" and isinstance(value, Decimal):
                w.setText(format(value, ",f"))
            elif kind == "symbols" and isinstance(value, tuple):
                w.setText(", ".join(str(v) for v in value))
            elif kind == "sizes" and isinstance(value, tuple):
                w.setText(", ".join(format(v, "f") for v in value))
            else:
                w.setText(str(value))
            w.setCursorPosition(0)

    def on_edited(self, slot: Callable[[], None]) -> None:
        """Call ``slot`` whenever the trader changes the value (a keystroke, a pick, a tick)."""
        w = self.widget
        if isinstance(w, QCheckBox):
            w.toggled.connect(lambda _checked: slot())
        elif isinstance(w, QTimeEdit):
            w.timeChanged.connect(lambda _time: slot())
        elif isinstance(w, QDoubleSpinBox | QSpinBox):
            w.valueChanged.connect(lambda _value: slot())
            w.lineEdit().textEdited.connect(lambda _text: slot())
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(lambda _index: slot())
            if w.isEditable():
                w.editTextChanged.connect(lambda _text: slot())
        elif isinstance(w, QLineEdit):
            w.textChanged.connect(lambda _text: slot())

    # -- reading -----------------------------------------------------------------------------
    def value(self) -> object:
        """The value as the settings hold it.

        Raises:
            FieldError: the text is not a valid value for this setting.
        """
        w, spec = self.widget, self.spec
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QTimeEdit):
            t = w.time()
            return dt.time(t.hour(), t.minute())
        if isinstance(w, QDoubleSpinBox):
            return round(w.value(), spec.decimals)
        if isinstance(w, QSpinBox):
            return w.value()
        if isinstance(w, QComboBox):
            if w.isEditable():
                text = w.currentText().strip()
                if not text:
                    raise FieldError("choose a time zone")
                return text
            return str(w.currentData())
        assert isinstance(w, QLineEdit)
        text = w.text().strip()
        if spec.kind == "decimal":
            return _decimal(text, spec)
        if spec.kind == "port":
            if not text.isdigit():
                raise FieldError("must be a TCP port number (1–65535)")
            return int(text)
        if spec.kind == "symbols":
            return _symbols(text)
        if spec.kind == "sizes":
            sizes = tuple(_decimal(part, spec) for part in re.split(r"[,\s;]+", text) if part)
            if not sizes:
                raise FieldError("enter at least one size")
            return sizes
        return text

    # -- marking -----------------------------------------------------------------------------
    def set_invalid(self, message: str | None, palette: Palette) -> None:
        """Mark the editor invalid with ``message`` as its tooltip, or clear the mark."""
        w = self.widget
        invalid = message is not None
        if bool(w.property("invalid")) == invalid and w.toolTip() == (message or self.spec.help):
            return
        w.setToolTip(message if message is not None else self.spec.help)
        if not isinstance(w, QLineEdit | QComboBox):
            # The themes colour invalid line edits and combos; do the same for the others.
            colour = palette.critical.name()
            w.setStyleSheet(f"border: 1px solid {colour};" if invalid else "")
        set_invalid(w, invalid)


class TimeField(QTimeEdit):
    """A time edit that takes typed digits wherever the trader clicked or tabbed in.

    QTimeEdit only overwrites a *selected* section: with the cursor merely inside "09:30" (a
    click, or focus given by code) every digit typed was refused and the field looked dead.
    Focus and clicks select the section under the cursor, so "1000" types 10:00.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lineEdit().installEventFilter(self)  # clicks land on the line edit inside

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self._select_section()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        line = self.lineEdit()
        if (
            watched is line
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
        ):
            handled = super().eventFilter(watched, event)
            self._select_section(
                self._section_at(line.cursorPositionAt(event.position().toPoint()))
            )
            return handled
        return super().eventFilter(watched, event)

    def _section_at(self, position: int) -> QTimeEdit.Section:
        """The section holding text position ``position`` ("09:|30" is the minutes)."""
        before = self.lineEdit().text()[:position]
        index = sum(1 for char in before if not char.isdigit())
        return self.sectionAt(min(index, self.sectionCount() - 1))

    def _select_section(self, section: QTimeEdit.Section | None = None) -> None:
        section = self.currentSection() if section is None else section
        if section is not QTimeEdit.Section.NoSection:
            self.setSelectedSection(section)


#: Editor widths by kind (pixels); ``wide`` fields get :data:`WIDE`.
_WIDTHS = {"text": 240, "choice": 200, "timezone": 200, "time": 100, "bool": 0}
WIDE = 480
NUMBER_WIDTH = 140


def _build(spec: FieldSpec, parent: QWidget) -> QWidget:
    widget = _build_widget(spec, parent)
    width = WIDE if spec.wide else _WIDTHS.get(spec.kind, NUMBER_WIDTH)
    if width:
        widget.setFixedWidth(width)
    return widget


def _build_widget(spec: FieldSpec, parent: QWidget) -> QWidget:
    kind = spec.kind
    if kind == "bool":
        return QCheckBox(parent)
    if kind == "time":
        edit = TimeField(parent)
        edit.setDisplayFormat("HH:mm")
        return edit
    if kind == "int":
        spin = QSpinBox(parent)
        maximum = _INT_MAX if spec.maximum is None else int(spec.maximum)
        spin.setRange(int(spec.minimum), maximum)
        spin.setGroupSeparatorShown(True)
        spin.setAccelerated(True)
        _spin_common(spin)
        return spin
    if kind == "float":
        dspin = QDoubleSpinBox(parent)
        dspin.setDecimals(spec.decimals)
        dspin.setRange(spec.minimum, 1e9 if spec.maximum is None else spec.maximum)
        dspin.setSingleStep(10 ** -min(spec.decimals, 1) if spec.decimals else 1)
        _spin_common(dspin)
        return dspin
    if kind == "choice":
        combo = QComboBox(parent)
        for value, label in spec.choices:
            combo.addItem(label, value)
        return combo
    if kind == "timezone":
        zones = QComboBox(parent)
        zones.setEditable(True)
        zones.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for zone in MARKET_TIMEZONES:
            zones.addItem(zone, zone)
        return zones
    line = QLineEdit(parent)
    if kind == "decimal":
        line.setValidator(QRegularExpressionValidator(_NUMBER_CHARS, line))
        line.setPlaceholderText("0")
        line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    elif kind == "port":
        line.setValidator(QRegularExpressionValidator(_DIGITS, line))
        line.setPlaceholderText("7497")
        line.setMaxLength(6)
        line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return line


def _spin_common(spin: QAbstractSpinBox) -> None:
    spin.setKeyboardTracking(False)
    # WORKAROUND: with the themes' QSS, NoButtons hides the spin box's text (PySide6 6.12).
    spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)


def _decimal(text: str, spec: FieldSpec) -> Decimal:
    cleaned = text.replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        raise FieldError("enter a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldError(f"must be a number, not {text!r}") from None
    if not value.is_finite():
        raise FieldError("must be a finite number")
    if value < 0:
        raise FieldError("must not be negative")
    if spec.positive and value == 0:
        raise FieldError("must be more than 0")
    if value < Decimal(str(spec.minimum)):
        raise FieldError(f"must be at least {spec.minimum:g}")
    if spec.maximum is not None and value > Decimal(str(spec.maximum)):
        raise FieldError(f"must be at most {spec.maximum:g}")
    return value


def _symbols(text: str) -> tuple[str, ...]:
    symbols = [s.upper() for s in re.split(r"[,\s;]+", text) if s]
    bad = [s for s in symbols if not _SYMBOL.match(s)]
    if bad:
        raise FieldError(f"not a symbol: {', '.join(bad)}")
    return tuple(dict.fromkeys(symbols))  # drop repeats, keep the order
