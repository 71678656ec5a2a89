"""The order ticket's preset row: choose a preset and the fields fill from it.

Choosing fills the quantity, the order type, the TIF, the limit (the near touch moved by the
preset's offset) and the bracket's offsets (the preset's ticks, % or price turned into the
ticket's price offsets from the entry). The trader can still change any field before staging;
staging goes through the ticket's own path. A new instrument in the ticket chooses its default
preset (its own, else its asset class's). Turning to the other side re-prices the preset's
limit and exits (the quantity stays: a size key may have changed it).

A preset whose order would be BLOCKED is refused when chosen: the combo goes back to what it
was, the reason shows under it and the refusal is audited (:mod:`widgets.preset_choice`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from terminal.domain import Instrument, OrderType
from terminal.oms.brackets import Bracket
from terminal.presets.model import OrderPreset
from widgets import formatting as fmt
from widgets.preset_choice import PresetCombo, check_choice, presets_of
from widgets.style_props import set_tone

if TYPE_CHECKING:
    from widgets.panes.ticket import OrderTicketPane

SOURCE = "ticket"


class TicketPresets:
    """The preset combo and its note line, for one ticket pane."""

    def __init__(self, pane: OrderTicketPane) -> None:
        self.pane = pane
        self.combo = PresetCombo("ticket_preset", pane)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.note = QLabel("", pane)
        self.note.setObjectName("ticket_preset_note")
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        set_tone(self.note, "muted")
        self.note.hide()
        self._chosen = ""
        self.combo.activated.connect(self._activated)
        pane.fields.side_group.buttonToggled.connect(self._side_toggled)

    def row(self, parent: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel("&Preset", parent)
        label.setBuddy(self.combo)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        return row

    @property
    def current(self) -> OrderPreset | None:
        """The preset chosen now (None: no preset, or it was deleted in Settings)."""
        return presets_of(self.pane.session).get(self._chosen) if self._chosen else None

    def show_for(self, instrument: Instrument) -> OrderPreset | None:
        """List ``instrument``'s presets and choose its default; return what is chosen."""
        book = presets_of(self.pane.session)
        self._chosen = ""
        self.combo.show_presets(book.for_instrument(instrument))
        self._say("", "muted")
        default = book.default_for(instrument)
        if default is not None:
            self.choose(default.name)
        return self.current

    def refresh(self) -> None:
        """The presets changed (Settings): list them again, keeping the choice if it is kept."""
        instrument = self.pane.instrument
        if instrument is None:
            return
        presets = presets_of(self.pane.session).for_instrument(instrument)
        if not any(p.name == self._chosen for p in presets):
            self._chosen = ""
            self._say("", "muted")
        self.combo.show_presets(presets, self._chosen)

    def choose(self, name: str, *, keep_quantity: bool = False) -> bool:
        """Choose the preset ``name`` ("" for none) and fill the fields from it.

        Returns:
            False when refused (it would BLOCK, or it does not exist): the fields and the
            previous choice stay, and the reason is shown under the combo.
        """
        pane = self.pane
        if not name:
            self._chosen = ""
            self.combo.select("")
            self._say("", "muted")
            return True
        preset = presets_of(pane.session).get(name)
        instrument = pane.instrument
        if preset is None or instrument is None:
            self.combo.select(self._chosen)
            self._say(f"no preset {name!r} for this instrument", "critical")
            return False
        check = check_choice(pane.session, preset, instrument, (pane.fields.side(),), SOURCE)
        if check.refused:
            self.combo.select(self._chosen)
            self._say(check.refusal, "critical")
            pane.session.message.emit(f"{instrument.key}: {check.refusal}")
            return False
        self._chosen = preset.name
        self.combo.select(preset.name)
        self._fill(preset, check.legs, keep_quantity=keep_quantity)
        text = f"{preset.name}: {preset.describe()}"
        self._say(f"{text} — {check.problem}" if check.problem else text, "muted")
        return True

    # -- reacting ----------------------------------------------------------------------------
    def _activated(self, index: int) -> None:
        self.choose(str(self.combo.itemData(index) or ""))

    def _side_toggled(self, _button: object, checked: bool) -> None:
        if checked and self._chosen:
            self.choose(self._chosen, keep_quantity=True)

    def _say(self, text: str, tone: str) -> None:
        self.note.setText(text)
        set_tone(self.note, tone)
        self.note.setVisible(bool(text))

    def _fill(self, preset: OrderPreset, legs: Bracket | None, *, keep_quantity: bool) -> None:
        pane, fields = self.pane, self.pane.fields
        fields.blockSignals(True)  # one re-estimate at the end, not one per field
        try:
            if not keep_quantity:
                pane.quantity.setText(fmt.quantity(preset.quantity).replace(",", ""))
            fields.set_kind(preset.order_type)
            fields.tif.setCurrentText(preset.tif.value)
            limit = legs.parent.limit_price if legs is not None else None
            if preset.order_type is OrderType.LIMIT:
                pane.limit_price.setText("" if limit is None else pane.price_text(limit))
            fields.bracket.setChecked(preset.has_bracket)
            for edit, leg in (
                (pane.take_profit, None if legs is None else legs.take_profit),
                (pane.stop_loss, None if legs is None else legs.stop_loss),
            ):
                price = None if leg is None else (leg.limit_price or leg.stop_price)
                if price is None or legs is None:
                    edit.clear()
                else:
                    edit.setText(pane.price_text(abs(price - legs.entry)))
            fields.update_visibility()
        finally:
            fields.blockSignals(False)
        pane.preset_filled()
