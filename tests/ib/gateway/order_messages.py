"""Encoders for the order messages: openOrder, orderStatus, completedOrder, execDetails,
commissionReport, in the field order ib_async 2.x decodes at server version 176.

openOrder is 128 fields for a plain stock order; the groups below follow the decoder so a field
added or dropped shows up as a shifted group, not as a silent mis-decode. Unset prices go out as
0, the way TWS echoes them (a MKT order comes back with lmtPrice 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from .combos import combo_legs_description
from .instruments import Instrument
from .messages import Fields, Out
from .orders import HELD, BookOrder
from .wire import UNSET_DOUBLE


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill as the gateway records it (survives client disconnects)."""

    exec_id: str
    time: str
    epoch: float
    account: str
    instrument: Instrument
    side: str
    shares: float
    price: float
    perm_id: int
    client_id: int
    order_id: int
    cum_qty: float
    avg_price: float
    order_ref: str
    commission: float
    realized_pnl: float | None


def _price(value: float | None) -> float:
    return 0.0 if value is None else value


def _contract(inst: Instrument) -> Fields:
    return [
        inst.con_id,
        inst.symbol,
        inst.sec_type,
        inst.expiry,
        inst.strike,
        inst.right,
        inst.multiplier,
        "SMART",
        inst.currency,
        inst.local_symbol,
        inst.trading_class,
    ]


def _combo_legs(order: BookOrder) -> Fields:
    """numComboLegs and the legs (8 fields each), numOrderComboLegs (0: no per-leg prices),
    numSmartComboRoutingParams and the tags: ``0, 0, 0`` for any order but a BAG."""
    fields: Fields = [len(order.legs)]
    for leg in order.legs:
        fields += [leg.instrument.con_id, leg.ratio, leg.action, "SMART", 0, 0, "", -1]
    fields += [0, len(order.combo_params)]
    for tag, value in order.combo_params:
        fields += [tag, value]
    return fields


def wire_status(order: BookOrder) -> str:
    """The status TWS reports (held orders have not reached TWS: PendingSubmit)."""
    return "PendingSubmit" if order.status == HELD else order.status


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The margin and commission preview a what-if openOrder carries (9 margin fields)."""

    margins: tuple[float, ...]
    commission: float


def open_order(
    order: BookOrder, what_if: WhatIf | None = None, *, order_ref: str | None = None
) -> Fields:
    """``5, orderId, <contract 11>, action, ...``: 128 fields for a plain order."""
    trail_stop = order.trail_stop_price
    fields: Fields = [int(Out.OPEN_ORDER), order.order_id, *_contract(order.instrument)]
    fields += [
        order.action,
        order.total_qty,
        order.order_type,
        _price(order.lmt_price),
        _price(order.aux_price),
        order.tif,
        order.oca_group,
        order.account,
        "O",
        0,
        order.order_ref if order_ref is None else order_ref,
        order.client_id,
        order.perm_id,
        order.outside_rth,
        False,
        0,
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    # modelCode .. deltaNeutralAuxPrice (29)
    fields += [
        "",
        "",
        "",
        "",
        "",
        0,
        "",
        -1,
        0,
        "",
        "",
        "",
        "",
        "",
        "",
        False,
        False,
        False,
        "",
        order.oca_type,
        False,
        False,
        "",
        order.parent_id,
        0,
        "",
        "",
        "",
        "",
    ]
    # continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, basisPoints,
    # basisPointsType, comboLegsDescrip; then the combo counters and the scale/hedge blocks.
    descrip = combo_legs_description(order.legs)
    fields += [False, "", trail_stop, order.trailing_percent, "", "", descrip]
    fields += _combo_legs(order)
    fields += ["", "", ""]
    fields += [""]
    fields += [False, "", "IB", False, False]
    fields += [""]
    # solicited, whatIf, status, 9 margin fields, commission x3, currency, warning, randomize x2
    if what_if is None:
        fields += [False, False, wire_status(order)]
        fields += [UNSET_DOUBLE] * 9
        fields += ["", "", "", "", "", False, False]
    else:
        fields += [False, True, "PreSubmitted"]
        fields += [f"{m:.2f}" for m in what_if.margins]
        fields += [what_if.commission, "", "", "USD", "", False, False]
    fields += [0]  # conditions
    # adjustedOrderType .. usePriceMgmtAlgo (16)
    fields += ["None", "", trail_stop, "", "", "", "", 0, "", "", "", "", False, False, False, ""]
    fields += ["", "", False]  # duration, postToAts, autoCancelParent
    fields += ["", "", "", "", ""]  # minTradeQty .. midOffsetAtHalf
    return fields


def order_status(order: BookOrder) -> Fields:
    """``3, orderId, status, filled, remaining, avgFillPrice, permId, parentId, lastFillPrice,
    clientId, whyHeld, mktCapPrice``."""
    return [
        int(Out.ORDER_STATUS),
        order.order_id,
        wire_status(order),
        order.filled,
        order.remaining if order.status not in {"Cancelled", "Inactive"} else 0.0,
        round(order.avg_fill_price, 6),
        order.perm_id,
        order.parent_id,
        order.last_fill_price,
        order.client_id,
        "",
        0,
    ]


def completed_order(order: BookOrder, *, order_ref: str | None = None) -> Fields:
    """``101, <contract 11>, action, ...``: a filled, cancelled or rejected order."""
    fields: Fields = [int(Out.COMPLETED_ORDER), *_contract(order.instrument)]
    fields += [
        order.action,
        order.total_qty,
        order.order_type,
        _price(order.lmt_price),
        _price(order.aux_price),
        order.tif,
        order.oca_group,
        order.account,
        "O",
        0,
        order.order_ref if order_ref is None else order_ref,
        order.perm_id,
        order.outside_rth,
        False,
        0,
        "",
        "",
        "",
        "",
        "",
    ]
    # modelCode .. deltaNeutralAuxPrice (23)
    fields += [
        "",
        "",
        "",
        "",
        "",
        0,
        "",
        -1,
        "",
        "",
        "",
        "",
        "",
        "",
        False,
        False,
        "",
        order.oca_type,
        0,
        "",
        "",
        "",
        "",
    ]
    descrip = combo_legs_description(order.legs)
    fields += [False, "", order.trail_stop_price, order.trailing_percent, descrip]
    fields += _combo_legs(order)
    fields += ["", "", ""]
    fields += [""]
    fields += ["", "IB", False, False]
    fields += [""]
    fields += [False, wire_status(order), False, False]
    fields += [0]  # conditions
    # trailStopPrice .. completedStatus (15)
    fields += [
        order.trail_stop_price,
        "",
        "",
        False,
        False,
        "",
        order.filled,
        0,
        False,
        "",
        False,
        False,
        0,
        order.completed_time,
        order.completed_status,
    ]
    fields += ["", "", "", "", ""]
    return fields


def exec_details(req_id: int, execution: Execution, *, order_ref: str | None = None) -> Fields:
    """``11, reqId(-1 live), orderId, <contract 11>, execId, time, account, exchange, side,
    shares, price, permId, clientId, liquidation, cumQty, avgPrice, orderRef, evRule,
    evMultiplier, modelCode, lastLiquidity``."""
    inst = execution.instrument
    exchange = inst.primary_exchange or "CBOE"
    return [
        int(Out.EXECUTION_DATA),
        req_id,
        execution.order_id,
        inst.con_id,
        inst.symbol,
        inst.sec_type,
        inst.expiry,
        inst.strike,
        inst.right,
        inst.multiplier,
        exchange,
        inst.currency,
        inst.local_symbol,
        inst.trading_class,
        execution.exec_id,
        execution.time,
        execution.account,
        exchange,
        execution.side,
        execution.shares,
        execution.price,
        execution.perm_id,
        execution.client_id,
        0,
        execution.cum_qty,
        round(execution.avg_price, 6),
        execution.order_ref if order_ref is None else order_ref,
        "",
        "",
        "",
        2,
    ]


def commission_report(execution: Execution) -> Fields:
    """``59, 1, execId, commission, currency, realizedPNL, yield, yieldRedemptionDate``."""
    realized = UNSET_DOUBLE if execution.realized_pnl is None else round(execution.realized_pnl, 2)
    return [
        int(Out.COMMISSION_REPORT),
        1,
        execution.exec_id,
        execution.commission,
        "USD",
        realized,
        UNSET_DOUBLE,
        "",
    ]
