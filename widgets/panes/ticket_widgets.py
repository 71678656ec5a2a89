"""Building blocks of the order ticket: a field with its error message, and the live preview."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from terminal.domain import Instrument, Verdict, VerdictLevel
from terminal.risk.estimate import OrderEstimate
from widgets import formatting as fmt
from widgets.opaque import LiveLabel
from widgets.style_props import set_invalid, set_tone

VERDICT_TONE = {
    VerdictLevel.PASS: "ok",
    VerdictLevel.WARN: "warning",
    VerdictLevel.BLOCK: "critical",
}


def enter_variants(keys: str) -> list[str]:
    """Qt calls the main keyboard's Enter "Return" and the keypad's "Enter": bind both."""
    return [keys, keys.replace("Enter", "Return")] if "Enter" in keys else [keys]


def set_text(label: QLabel | QAbstractButton, text: str) -> None:
    """Change a label's (or button's) text only when it differs: no repaint for the same text."""
    if label.text() != text:
        label.setText(text)


class FieldBox(QWidget):
    """An input (or a row of inputs) with its error message underneath, hidden when valid.

    Args:
        editor: The widget marked invalid on an error (the line edit or combo box).
        content: What to show (defaults to ``editor``; e.g. a line edit plus a unit selector).
    """

    def __init__(
        self, editor: QWidget, content: QWidget | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(content or editor)
        self.error = QLabel(self)
        self.error.setObjectName(f"{editor.objectName()}_error")
        self.error.setWordWrap(True)
        set_tone(self.error, "down")
        self.error.hide()
        layout.addWidget(self.error)

    def set_error(self, message: str) -> None:
        """Show ``message`` at the field ("" clears it)."""
        set_invalid(self.editor, bool(message))
        set_text(self.error, message)
        self.error.setVisible(bool(message))

    def error_text(self) -> str:
        return self.error.text() if self.editor.property("invalid") else ""


class StepKeys(QObject):
    """Up/Down in a number field add/subtract a step (a tick for prices, a lot for quantities).

    Args:
        edit: The field; its ``textChanged`` tells the ticket about the new value.
        step: Returns the step for the field's current value, or None when there is none.
    """

    def __init__(self, edit: QLineEdit, step: Callable[[], Decimal | None]) -> None:
        super().__init__(edit)
        self._edit = edit
        self._step = step
        edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not event.modifiers():
                self._apply(1 if key == Qt.Key.Key_Up else -1)
                return True
        return False

    def _apply(self, direction: int) -> None:
        step = self._step()
        if step is None or step <= 0:
            return
        try:
            value = Decimal(self._edit.text().strip().replace(",", "") or "0")
        except ArithmeticError:
            return
        if not value.is_finite():
            return
        new = value + direction * step
        if new <= 0:
            return
        self._edit.setText(f"{new:.{_places(step)}f}")


class PreviewBox(QFrame):
    """The live estimate (notional, commission, exits) and the risk verdict with its reasons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticket_preview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.estimate = LiveLabel(parent=self)
        self.estimate.setObjectName("ticket_estimate")
        self.estimate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.exits = QLabel(self)
        self.exits.setObjectName("ticket_exits")
        set_tone(self.exits, "muted")
        self.verdict = QLabel(self)
        self.verdict.setObjectName("ticket_verdict")
        bold = self.verdict.font()
        bold.setBold(True)
        self.verdict.setFont(bold)
        self.reasons = QLabel(self)
        self.reasons.setObjectName("ticket_reasons")
        self.reasons.setWordWrap(True)
        for label in (self.estimate, self.exits, self.verdict, self.reasons):
            # Wrap rather than widen: a long estimate line must not push the dock wider (the
            # whole left column jumped whenever the estimate's digits grew).
            label.setWordWrap(True)
            layout.addWidget(label)
        self.show_incomplete()

    def show_incomplete(self, hint: str = "complete the order to see the estimate") -> None:
        set_text(self.estimate, "Notional —   Commission —")
        self.exits.hide()
        set_text(self.verdict, "Risk: —")
        set_tone(self.verdict, "muted")
        set_text(self.reasons, hint)
        set_tone(self.reasons, "muted")
        self.reasons.show()

    def show_estimate(self, estimate: OrderEstimate, instrument: Instrument) -> None:
        if estimate.notional is None:
            text = "Notional —   Commission —   (no market price)"
        else:
            text = (
                f"Notional {fmt.money(estimate.notional)} {instrument.currency}   "
                f"Commission {fmt.money(estimate.commission)}   "
                f"at {estimate.price_source} {instrument.format_price(estimate.price)}"
            )
        set_text(self.estimate, text)

    def show_exits(self, text: str) -> None:
        set_text(self.exits, text)
        self.exits.setVisible(bool(text))

    def show_verdict(self, verdict: Verdict) -> None:
        level = verdict.level
        set_text(self.verdict, f"Risk: {level.name}")
        set_tone(self.verdict, VERDICT_TONE[level])
        if verdict.reasons:
            set_text(self.reasons, "\n".join(f"• {r.message}" for r in verdict.reasons))
            set_tone(self.reasons, VERDICT_TONE[level])
        else:
            set_text(self.reasons, "within every limit")
            set_tone(self.reasons, "muted")
        self.reasons.show()

    def verdict_level(self) -> str:
        """The verdict shown ("PASS", "WARN", "BLOCK"), or "" while the order is incomplete."""
        text = self.verdict.text().removeprefix("Risk: ")
        return "" if text == "—" else text


def _places(step: Decimal) -> int:
    """Decimal places of a step: 0.01 -> 2, 100 -> 0."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
