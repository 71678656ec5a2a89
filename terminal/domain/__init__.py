"""Domain values and entities. No I/O, no Qt, no broker library: only the standard library."""

from terminal.domain.account import AccountSnapshot
from terminal.domain.alerts import Alert, AlertState, Severity
from terminal.domain.clock import Clock, ManualClock, WallClock
from terminal.domain.combo_fills import ComboProgress, LegFilled
from terminal.domain.combos import Combo, ComboLeg, InvalidCombo, NetQuote
from terminal.domain.errors import (
    DomainError,
    IllegalTransition,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    InvariantError,
    UnknownInstrument,
)
from terminal.domain.fills import Fill
from terminal.domain.formatting import (
    UNKNOWN,
    format_change,
    format_money,
    format_percent,
    format_price,
    format_quantity,
)
from terminal.domain.instruments import AssetClass, Instrument, OptionRight
from terminal.domain.lifecycle import OrderStatus
from terminal.domain.market import (
    Bar,
    DepthBook,
    DepthLevel,
    Greeks,
    OptionChainParams,
    OptionQuote,
    Quote,
    Timeframe,
    Trade,
)
from terminal.domain.orders import Order, OrderIntent, OrderRole, OrderSide, OrderType, TimeInForce
from terminal.domain.positions import Position
from terminal.domain.verdicts import RiskReason, Verdict, VerdictLevel

__all__ = [
    "UNKNOWN",
    "AccountSnapshot",
    "Alert",
    "AlertState",
    "AssetClass",
    "Bar",
    "Clock",
    "Combo",
    "ComboLeg",
    "ComboProgress",
    "DepthBook",
    "DepthLevel",
    "DomainError",
    "Fill",
    "Greeks",
    "IllegalTransition",
    "Instrument",
    "InvalidCombo",
    "InvalidOrder",
    "InvalidPrice",
    "InvalidQuantity",
    "InvariantError",
    "LegFilled",
    "ManualClock",
    "NetQuote",
    "OptionChainParams",
    "OptionQuote",
    "OptionRight",
    "Order",
    "OrderIntent",
    "OrderRole",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "Quote",
    "RiskReason",
    "Severity",
    "TimeInForce",
    "Timeframe",
    "Trade",
    "UnknownInstrument",
    "Verdict",
    "VerdictLevel",
    "WallClock",
    "format_change",
    "format_money",
    "format_percent",
    "format_price",
    "format_quantity",
]
