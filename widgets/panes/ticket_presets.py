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

from terminal.domain import OrderSide, OrderType
from terminal.presets.model import OrderPreset
from widgets import formatting as fmt
from widgets.preset_choice import PresetCheck, PresetChoice

if TYPE_CHECKING:
    from widgets.panes.ticket import OrderTicketPane


class TicketPresets(PresetChoice):
    """The ticket's preset: checked for the ticket's side, filling its fields."""

    source = "ticket"

    def __init__(self, pane: OrderTicketPane) -> None:
        super().__init__(pane.session, "ticket_preset", pane)
        self.pane = pane
        pane.fields.side_group.buttonToggled.connect(self._side_toggled)

    def sides(self) -> tuple[OrderSide, ...]:
        return (self.pane.fields.side(),)

    def _side_toggled(self, _button: object, checked: bool) -> None:
        if checked and self._chosen:
            self.choose(self._chosen, keep_quantity=True)

    def apply(self, preset: OrderPreset, check: PresetCheck, *, keep_quantity: bool) -> None:
        pane, fields, legs = self.pane, self.pane.fields, check.legs
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
