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

from PySide6.QtWidgets import QSpinBox, QWidget

from terminal.domain import OrderSide, OrderType
from terminal.oms.brackets import Bracket
from terminal.presets.model import OrderPreset
from terminal.presets.orders import preset_order
from widgets.preset_choice import PresetCheck, PresetChoice
from widgets.session import Session


class LadderPresets(PresetChoice):
    """The ladder's preset: checked for both sides, setting the ladder's quantity."""

    source = "ladder"

    def __init__(self, session: Session, quantity: QSpinBox, parent: QWidget) -> None:
        super().__init__(session, "depth_preset", parent)
        self.quantity = quantity

    def describe(self, preset: OrderPreset) -> str:
        exits = " · ".join(preset.exit_texts())
        what = f"{preset.quantity:f} {preset.tif.value} at the clicked price"
        return f"{what} · {exits} from it" if exits else what

    def sides(self) -> tuple[OrderSide, ...]:
        return (OrderSide.BUY, OrderSide.SELL)

    def apply(self, preset: OrderPreset, check: PresetCheck, *, keep_quantity: bool) -> None:
        if not keep_quantity:
            self.quantity.setValue(int(preset.quantity))

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
            source=self.source,
        )
