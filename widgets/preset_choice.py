"""Choosing an order preset in a pane (the ticket, the ladder; later the chart).

A preset is checked the moment it is chosen: the order it would stage now (its side, at the
touch) goes through the pre-trade check, and a BLOCK refuses the choice. The refusal is shown
where it was chosen and audited (``preset_refused``), as staging refusals are. A preset that
cannot be priced yet (no quote) is accepted and says so: staging will price and check it again.

:class:`PresetCombo` is the combo box both panes use: "No preset" and the presets that apply to
the pane's instrument, the default marked. :class:`PresetChoice` is what both panes do with it:
list the instrument's presets, choose its default, check a choice, say why one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from terminal.domain import DomainError, Instrument, OrderSide, VerdictLevel
from terminal.oms.brackets import Bracket
from terminal.oms.describe import intent_details
from terminal.presets.model import OrderPreset
from terminal.presets.orders import PresetBook, preset_order
from widgets.session import Session
from widgets.style_props import set_tone

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
    """The combo of "No preset" and the presets of one instrument (the default marked ★)."""

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


class PresetChoice:
    """A pane's preset: the combo, a note line under it, and the checked choice.

    Subclasses say which sides a choice is checked for (:meth:`sides`) and what choosing does
    to the pane (:meth:`apply`).
    """

    #: Who stages with the preset ("ticket", "ladder"): the audit record's ``by``.
    source = ""

    def __init__(self, session: Session, name: str, parent: QWidget) -> None:
        self.session = session
        self.combo = PresetCombo(name, parent)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.note = QLabel("", parent)
        self.note.setObjectName(f"{name}_note")
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.hide()
        self.instrument: Instrument | None = None
        self._chosen = ""
        self._listed: tuple[OrderPreset, ...] = ()
        self.combo.activated.connect(self._activated)

    def row(self, text: str = "Preset") -> QHBoxLayout:
        """Return "Preset [combo]" as one row of the pane.

        ``text`` may carry a mnemonic for one pane of the window only (two would make Alt+P
        ambiguous).
        """
        row = QHBoxLayout()
        label = QLabel(text, self.combo.parentWidget())
        label.setBuddy(self.combo)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        return row

    @property
    def current(self) -> OrderPreset | None:
        """The preset chosen now (None: no preset, or it was deleted in Settings)."""
        return presets_of(self.session).get(self._chosen) if self._chosen else None

    def show_for(self, instrument: Instrument) -> OrderPreset | None:
        """List ``instrument``'s presets and choose its default; return what is chosen."""
        self.instrument = instrument
        self._chosen = ""
        self._list()
        self._say("", "muted")
        default = presets_of(self.session).default_for(instrument)
        if default is not None:
            self.choose(default.name)
        return self.current

    def refresh(self) -> None:
        """The settings changed: list the presets again. The choice stays while it exists;
        with none chosen, a new default of the instrument is chosen."""
        if self.instrument is None or self.session.app.settings.presets == self._listed:
            return
        book = presets_of(self.session)
        if book.get(self._chosen) is None:
            self._chosen = ""
            self._say("", "muted")
        self._list()
        default = book.default_for(self.instrument)
        if not self._chosen and default is not None:
            self.choose(default.name)

    def choose(self, name: str, *, keep_quantity: bool = False) -> bool:
        """Choose the preset ``name`` ("" for none) and apply it to the pane.

        Returns:
            False when refused (it would BLOCK, or there is no such preset here): the previous
            choice stays and the reason shows under the combo.
        """
        if not name:
            self._chosen = ""
            self.combo.select("")
            self._say("", "muted")
            return True
        preset = presets_of(self.session).get(name)
        instrument = self.instrument
        if preset is None or instrument is None or not preset.applies_to(instrument):
            self.combo.select(self._chosen)
            self._say(f"no preset {name!r} for this instrument", "critical")
            return False
        check = check_choice(self.session, preset, instrument, self.sides(), self.source)
        if check.refused:
            if name == self._chosen:  # the chosen preset re-checked (the other side): dropped
                self._chosen = ""
            self.combo.select(self._chosen)
            self._say(check.refusal, "critical")
            self.session.message.emit(f"{instrument.key}: {check.refusal}")
            return False
        self._chosen = preset.name
        self.combo.select(preset.name)
        self.apply(preset, check, keep_quantity=keep_quantity)
        text = f"{preset.name}: {self.describe(preset)}"
        self._say(f"{text} — {check.problem}" if check.problem else text, "muted")
        return True

    def describe(self, preset: OrderPreset) -> str:
        """What the chosen preset does here (the note under the combo)."""
        return preset.describe()

    def sides(self) -> tuple[OrderSide, ...]:
        """The sides a choice is checked for (refused when every one BLOCKs)."""
        raise NotImplementedError

    def apply(self, preset: OrderPreset, check: PresetCheck, *, keep_quantity: bool) -> None:
        """Put the chosen preset into the pane."""
        raise NotImplementedError

    def _list(self) -> None:
        assert self.instrument is not None
        self._listed = self.session.app.settings.presets
        presets = presets_of(self.session).for_instrument(self.instrument)
        self.combo.show_presets(presets, self._chosen)

    def _activated(self, index: int) -> None:
        self.choose(str(self.combo.itemData(index) or ""))

    def _say(self, text: str, tone: str) -> None:
        self.note.setText(text)
        set_tone(self.note, tone)
        self.note.setVisible(bool(text))
