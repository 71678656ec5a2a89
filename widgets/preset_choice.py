"""Choosing an order preset in a pane (the ticket, the ladder; later the chart).

A preset is checked the moment it is chosen: the order it would stage now (its side, at the
touch) goes through the pre-trade check, and a BLOCK refuses the choice. The refusal is shown
where it was chosen and audited (``preset_refused``), as staging refusals are. A preset that
cannot be priced yet (no quote) is accepted and says so: staging will price and check it again.

:class:`PresetCombo` is the combo box both panes use: "No preset" and the presets that apply to
the pane's instrument, the default marked.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from terminal.domain import DomainError, Instrument, OrderSide, VerdictLevel
from terminal.oms.brackets import Bracket
from terminal.oms.describe import intent_details
from terminal.presets.model import OrderPreset
from terminal.presets.orders import PresetBook, preset_order
from widgets.session import Session

NO_PRESET = "No preset"


@dataclass(frozen=True, slots=True)
class PresetCheck:
    """The outcome of choosing a preset.

    ``refusal`` is the BLOCK reason (the choice is refused); ``legs`` the order it would stage
    now, or None with ``problem`` saying why it cannot be built yet.
    """

    legs: Bracket | None
    refusal: str = ""
    problem: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def presets_of(session: Session) -> PresetBook:
    """The trader's presets as the session's settings hold them now."""
    return PresetBook(session.app.settings.presets)


def check_choice(
    session: Session,
    preset: OrderPreset,
    instrument: Instrument,
    sides: tuple[OrderSide, ...],
    by: str,
) -> PresetCheck:
    """Build the order ``preset`` would stage now to each of ``sides`` and check it.

    The choice is refused when every side BLOCKs (the ticket has one side; the ladder stages
    either, so a preset only one side of which is blocked stays usable there), and the
    refusal is audited.
    """
    app = session.app
    legs: Bracket | None = None
    blocked: list[str] = []
    intents: list[dict[str, object]] = []
    for side in sides:
        try:
            legs = preset_order(preset, instrument, side, app.market, source=by)
        except DomainError as exc:
            return PresetCheck(None, problem=str(exc))
        verdict = app.risk.check(legs.parent, app.orders.open_orders())
        if verdict.level is not VerdictLevel.BLOCK:
            return PresetCheck(legs)
        blocked.extend(
            r.message
            for r in verdict.reasons
            if r.level is VerdictLevel.BLOCK and r.message not in blocked
        )
        intents.append(intent_details(legs.parent))
    reasons = "; ".join(blocked)
    refusal = f"preset {preset.name!r} refused: it would be BLOCKED ({reasons})"
    app.audit.record(
        "preset_refused",
        instrument.key,
        {"preset": preset.name, "reason": reasons, "by": by, "intents": intents},
    )
    return PresetCheck(legs, refusal=refusal)


class PresetCombo(QComboBox):
    """ "No preset" plus the presets of one instrument (the default marked "★")."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setToolTip(
            "Order preset: quantity, order type, TIF and bracket for this instrument "
            "(Settings › Presets). A preset that would be BLOCKED by risk is refused."
        )
        self.addItem(NO_PRESET, "")
        # A long preset name must not widen a narrow ladder or the ticket's dock.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)

    def show_presets(self, presets: list[OrderPreset], selected: str = "") -> None:
        """List ``presets`` (without announcing it) and select ``selected`` ("" none)."""
        self.blockSignals(True)
        self.clear()
        self.addItem(NO_PRESET, "")
        for preset in presets:
            mark = " ★" if preset.default else ""
            self.addItem(f"{preset.name}{mark}", preset.name)
            self.setItemData(self.count() - 1, preset.describe(), Qt.ItemDataRole.ToolTipRole)
        self.select(selected)
        self.blockSignals(False)

    def selected_name(self) -> str:
        return str(self.currentData() or "")

    def select(self, name: str) -> None:
        """Select ``name`` ("" for no preset) without announcing it."""
        blocked = self.blockSignals(True)
        index = self.findData(name)
        self.setCurrentIndex(index if index >= 0 else 0)
        self.blockSignals(blocked)
