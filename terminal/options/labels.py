"""A combo order in words a trader reads at a glance (approval queue, builder, messages).

``BUY IRON CONDOR SPY 2026-12-18 480/490/510/520 ×1 net −1.20 credit``: the strategy, the
underlying, the expiry, the strikes, the quantity and the net price with what it means in
cash (the combo convention prices a credit negative; a sold combo at a positive price is a
credit too, so the word removes the doubt). The legs read ``+1 SPY 2026-12-18 480 P``.
"""

from __future__ import annotations

from decimal import Decimal

from terminal.domain import OrderSide
from terminal.domain.combos import Combo, ComboLeg

MINUS = "\N{MINUS SIGN}"


def signed(value: Decimal, places: int = 2) -> str:
    """``+1.20`` / ``−1.20`` (a true minus sign, as in print), ``0.00``."""
    text = f"{abs(value):,.{places}f}"
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"{MINUS}{text}"
    return text


def cash_word(side: OrderSide, net_price: Decimal) -> str:
    """``debit`` when the order pays, ``credit`` when it receives, ``even`` at zero."""
    flow = net_price * side.sign
    return "debit" if flow > 0 else "credit" if flow < 0 else "even"


def strategy_title(combo: Combo) -> str:
    """``IRON CONDOR SPY 2026-12-18 480/490/510/520`` (the right too when all legs share it)."""
    options = [leg.instrument for leg in combo.option_legs]
    expiries = "/".join(sorted({f"{i.expiry:%Y-%m-%d}" for i in options if i.expiry}))
    strikes = "/".join(
        f"{k.normalize():f}" for k in sorted({i.strike for i in options if i.strike is not None})
    )
    rights = {i.right.value for i in options if i.right is not None}
    right = f" {rights.pop()}" if len(rights) == 1 else ""
    stock = combo.stock_leg
    prefix = f"{stock.signed_ratio:+d} {stock.instrument.key} & " if stock is not None else ""
    return f"{prefix}{combo.strategy.upper()} {combo.underlying} {expiries} {strikes}{right}"


def net_text(side: OrderSide, net_price: Decimal | None) -> str:
    """``net −1.20 credit``; ``net MKT`` for a market order."""
    if net_price is None:
        return "net MKT"
    return f"net {signed(net_price)} {cash_word(side, net_price)}"


def order_title(
    combo: Combo, side: OrderSide, quantity: Decimal | int, net_price: Decimal | None
) -> str:
    """``BUY IRON CONDOR SPY 2026-12-18 480/490/510/520 ×1 net −1.20 credit``."""
    units = f"{Decimal(quantity).normalize():f}"
    return f"{side.value} {strategy_title(combo)} ×{units} {net_text(side, net_price)}"


def leg_text(leg: ComboLeg) -> str:
    """``+1 SPY 2026-12-18 480 P`` (the sign is the side: + bought, − sold, per combo)."""
    inst = leg.instrument
    ratio = f"{'+' if leg.sign > 0 else MINUS}{leg.ratio}"
    if not inst.is_option:
        return f"{ratio} {inst.key} (shares ×{inst.multiplier.normalize():f})"
    assert inst.strike is not None
    assert inst.right is not None
    strike = f"{inst.strike.normalize():f}"
    return f"{ratio} {inst.underlying} {inst.expiry:%Y-%m-%d} {strike} {inst.right.value}"


def legs_text(combo: Combo, separator: str = " · ") -> str:
    """The legs by expiry and strike (puts below calls at one strike), as a chain reads."""
    ordered = sorted(
        combo.legs,
        key=lambda leg: (
            leg.instrument.is_option,
            leg.instrument.expiry or "",
            leg.instrument.strike or 0,
            leg.instrument.right.value if leg.instrument.right else "",
        ),
    )
    return separator.join(leg_text(leg) for leg in ordered)
