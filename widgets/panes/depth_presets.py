"""The depth ladder's preset: a click stages the preset's bracket around the clicked price.

With a preset chosen, a click stages a LIMIT (Shift+click a STOP) at the clicked price, for the
ladder's quantity (the preset's when chosen; the spin box can change it), with the preset's TIF
and its take-profit and stop-loss counted from the clicked price: one bracket, approved as one.
"No preset" stages a plain order as before. The instrument's default preset is chosen when the
ladder follows a new instrument.

A preset is refused when chosen if the order it would stage at the touch is BLOCKED on both
sides (the ladder stages either side); the refusal is shown under the controls and audited.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QWidget

from terminal.domain import Instrument, OrderSide, OrderType
from terminal.oms.brackets import Bracket
from terminal.presets.model import OrderPreset
from terminal.presets.orders import preset_order
from widgets.preset_choice import PresetCombo, check_choice, presets_of
from widgets.session import Session
from widgets.style_props import set_tone

SOURCE = "ladder"
BOTH_SIDES = (OrderSide.BUY, OrderSide.SELL)


class LadderPresets:
    """The ladder's preset combo and note, and staging a click with the chosen preset."""

    def __init__(self, session: Session, quantity: QSpinBox, parent: QWidget) -> None:
        self.session = session
        self.quantity = quantity
        self.combo = PresetCombo("depth_preset", parent)
        self.note = QLabel("", parent)
        self.note.setObjectName("depth_preset_note")
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.note.hide()
        self.instrument: Instrument | None = None
        self._chosen = ""
        self.combo.activated.connect(self._activated)

    def row(self) -> QHBoxLayout:
        """ "Preset [combo]": its own row, so a narrow ladder keeps its columns."""
        row = QHBoxLayout()
        label = QLabel("&Preset", self.combo.parentWidget())
        label.setBuddy(self.combo)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        return row

    @property
    def current(self) -> OrderPreset | None:
        return presets_of(self.session).get(self._chosen) if self._chosen else None

    def show_for(self, instrument: Instrument) -> None:
        """List ``instrument``'s presets and choose its default."""
        self.instrument = instrument
        book = presets_of(self.session)
        self._chosen = ""
        self.combo.show_presets(book.for_instrument(instrument))
        self._say("", "muted")
        default = book.default_for(instrument)
        if default is not None:
            self.choose(default.name)

    def refresh(self) -> None:
        """The presets changed (Settings): list them again, keeping the choice if kept."""
        if self.instrument is None:
            return
        presets = presets_of(self.session).for_instrument(self.instrument)
        if not any(p.name == self._chosen for p in presets):
            self._chosen = ""
            self._say("", "muted")
        self.combo.show_presets(presets, self._chosen)

    def choose(self, name: str) -> bool:
        """Choose ``name`` ("" for none); False when refused (the reason is shown)."""
        if not name:
            self._chosen = ""
            self.combo.select("")
            self._say("", "muted")
            return True
        preset = presets_of(self.session).get(name)
        if preset is None or self.instrument is None:
            self.combo.select(self._chosen)
            self._say(f"no preset {name!r} for this instrument", "critical")
            return False
        check = check_choice(self.session, preset, self.instrument, BOTH_SIDES, SOURCE)
        if check.refused:
            self.combo.select(self._chosen)
            self._say(check.refusal, "critical")
            self.session.message.emit(f"{self.instrument.key}: {check.refusal}")
            return False
        self._chosen = preset.name
        self.combo.select(preset.name)
        self.quantity.setValue(int(preset.quantity))
        text = f"{preset.name}: {preset.describe()} (clicked price as the entry)"
        self._say(f"{text} — {check.problem}" if check.problem else text, "muted")
        return True

    def legs(self, preset: OrderPreset, price: Decimal, side: OrderSide, *, stop: bool) -> Bracket:
        """The legs ``preset`` stages at ``price`` for the ladder's quantity.

        Raises:
            DomainError: a leg is invalid (the message names it).
        """
        assert self.instrument is not None
        return preset_order(
            preset,
            self.instrument,
            side,
            self.session.app.market,
            price=price,
            order_type=OrderType.STOP if stop else OrderType.LIMIT,
            quantity=Decimal(self.quantity.value()),
            source=SOURCE,
        )

    def _activated(self, index: int) -> None:
        self.choose(str(self.combo.itemData(index) or ""))

    def _say(self, text: str, tone: str) -> None:
        self.note.setText(text)
        set_tone(self.note, tone)
        self.note.setVisible(bool(text))
