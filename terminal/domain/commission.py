"""Commission estimates (IB fixed-rate style), used by the ticket, risk and the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from terminal.domain.instruments import Instrument


@dataclass(frozen=True, slots=True)
class CommissionModel:
    """Per share for stocks (with a minimum and a cap on value), per contract for options."""

    per_share: Decimal = Decimal("0.005")
    share_minimum: Decimal = Decimal("1.00")
    share_max_fraction: Decimal = Decimal("0.01")
    per_contract: Decimal = Decimal("0.65")
    contract_minimum: Decimal = Decimal("1.00")

    def estimate(self, instrument: Instrument, quantity: Decimal, price: Decimal) -> Decimal:
        """Return the commission for one execution of ``quantity`` at ``price``."""
        quantity = abs(quantity)
        if quantity == 0:
            return Decimal(0)
        if instrument.is_option:
            fee = max(quantity * self.per_contract, self.contract_minimum)
        else:
            value = quantity * price * instrument.multiplier
            fee = max(quantity * self.per_share, self.share_minimum)
            if value > 0:
                fee = min(fee, value * self.share_max_fraction)
        return fee.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
