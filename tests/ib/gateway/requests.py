"""Decoding of client requests (the fields ib_async 2.x sends at server version 176)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .instruments import ContractSpec
from .wire import FieldReader


def read_contract(reader: FieldReader) -> ContractSpec:
    """The 12 contract fields: conId, symbol, ..., localSymbol, tradingClass."""
    return ContractSpec(
        con_id=reader.integer(),
        symbol=reader.text(),
        sec_type=reader.text(),
        last_trade_date=reader.text(),
        strike=reader.number() or 0.0,
        right=reader.text(),
        multiplier=reader.text(),
        exchange=reader.text(),
        primary_exchange=reader.text(),
        currency=reader.text(),
        local_symbol=reader.text(),
        trading_class=reader.text(),
    )


@dataclass(frozen=True, slots=True)
class ComboLegSpec:
    """One ``comboLegs`` entry of a BAG placeOrder (the fields the gateway uses)."""

    con_id: int
    ratio: int
    action: str
    exchange: str


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """One placeOrder as the gateway decoded it (new orders and modifications alike)."""

    received_at: dt.datetime
    client_id: int
    order_id: int
    contract: ContractSpec
    action: str
    total_quantity: float
    order_type: str
    lmt_price: float | None
    aux_price: float | None
    tif: str
    oca_group: str
    account: str
    order_ref: str
    transmit: bool
    parent_id: int
    outside_rth: bool
    oca_type: int
    trail_stop_price: float | None
    trailing_percent: float | None
    what_if: bool = False
    #: A BAG's legs, per-leg prices (``orderComboLegs``) and smart-combo routing tags.
    combo_legs: tuple[ComboLegSpec, ...] = ()
    combo_leg_prices: tuple[float | None, ...] = ()
    combo_params: tuple[tuple[str, str], ...] = ()


def decode_place_order(
    fields: Sequence[str], client_id: int, received_at: dt.datetime
) -> PlacedOrder:
    """Read placeOrder (msg 3, no version field) up to whatIf."""
    r = FieldReader(fields)
    order_id = r.integer()
    contract = read_contract(r)
    r.skip(2)  # secIdType, secId
    action = r.text()
    quantity = r.number() or 0.0
    order_type = r.text()
    lmt_price = r.number()
    aux_price = r.number()
    tif = r.text()
    oca_group = r.text()
    account = r.text()
    r.skip(2)  # openClose, origin
    order_ref = r.text()
    transmit = r.flag()
    parent_id = r.integer()
    r.skip(4)  # blockOrder, sweepToFill, displaySize, triggerMethod
    outside_rth = r.flag()
    r.skip(1)  # hidden
    legs: list[ComboLegSpec] = []
    leg_prices: list[float | None] = []
    params: list[tuple[str, str]] = []
    if contract.sec_type == "BAG":
        for _ in range(r.integer()):
            # conId, ratio, action, exchange, openClose, shortSaleSlot, designatedLocation,
            # exemptCode
            legs.append(ComboLegSpec(r.integer(), r.integer(), r.text().upper(), r.text()))
            r.skip(4)
        leg_prices = [r.number() for _ in range(r.integer())]
        params = [(r.text(), r.text()) for _ in range(r.integer())]
    r.skip(1)  # deprecated sharesAllocation
    r.skip(7)  # discretionaryAmt, goodAfterTime, goodTillDate, faGroup/Method/Percentage/Profile
    r.skip(4)  # modelCode, shortSaleSlot, designatedLocation, exemptCode
    oca_type = r.integer()
    r.skip(17)  # rule80A ... volatilityType
    delta_neutral_type = r.text()
    r.skip(1)  # deltaNeutralAuxPrice
    if delta_neutral_type:
        r.skip(8)
    r.skip(2)  # continuousUpdate, referencePriceType
    trail_stop_price = r.number()
    trailing_percent = r.number()
    r.skip(2)  # scaleInitLevelSize, scaleSubsLevelSize
    increment = r.number()
    if increment is not None and 0 < increment < 1e308:
        r.skip(7)  # the scale-order block
    r.skip(3)  # scaleTable, activeStartTime, activeStopTime
    if r.text():  # hedgeType
        r.skip(1)
    r.skip(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    if r.flag():  # delta-neutral contract
        r.skip(3)
    if r.text():  # algoStrategy
        r.skip(r.integer() * 2)
    r.skip(1)  # algoId
    what_if = r.flag()
    return PlacedOrder(
        received_at=received_at,
        client_id=client_id,
        order_id=order_id,
        contract=contract,
        action=action.upper(),
        total_quantity=quantity,
        order_type=order_type.upper(),
        lmt_price=lmt_price,
        aux_price=aux_price,
        tif=tif,
        oca_group=oca_group,
        account=account,
        order_ref=order_ref,
        transmit=transmit,
        parent_id=parent_id,
        outside_rth=outside_rth,
        oca_type=oca_type,
        trail_stop_price=trail_stop_price,
        trailing_percent=trailing_percent,
        what_if=what_if,
        combo_legs=tuple(legs),
        combo_leg_prices=tuple(leg_prices),
        combo_params=tuple(params),
    )


@dataclass(frozen=True, slots=True)
class MarketDataRequest:
    """reqMktData: which contract, and whether it is a one-off snapshot."""

    req_id: int
    contract: ContractSpec
    generic_ticks: str
    snapshot: bool


def decode_market_data(fields: Sequence[str]) -> MarketDataRequest:
    """Read reqMktData (``1, 11, reqId, contract, [legs], dnc, ticks, snapshot, ...``)."""
    r = FieldReader(fields, start=2)
    req_id = r.integer()
    contract = read_contract(r)
    if contract.sec_type == "BAG":
        r.skip(r.integer() * 4)
    if r.flag():
        r.skip(3)
    generic = r.text()
    snapshot = r.flag()
    return MarketDataRequest(req_id, contract, generic, snapshot)


@dataclass(frozen=True, slots=True)
class DepthRequest:
    """reqMktDepth: contract, rows per side, SMART depth or one exchange."""

    req_id: int
    contract: ContractSpec
    rows: int
    smart: bool


def decode_depth(fields: Sequence[str]) -> DepthRequest:
    """Read reqMktDepth (``10, 5, reqId, contract, numRows, isSmartDepth, options``)."""
    r = FieldReader(fields, start=2)
    req_id = r.integer()
    contract = read_contract(r)
    rows = r.integer(5)
    smart = r.flag()
    return DepthRequest(req_id, contract, rows, smart)


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    """reqHistoricalData with everything the bars depend on."""

    req_id: int
    contract: ContractSpec
    end: str
    bar_size: str
    duration: str
    use_rth: bool
    what_to_show: str
    format_date: int
    keep_up_to_date: bool


def decode_history(fields: Sequence[str]) -> HistoryRequest:
    """Read reqHistoricalData (msg 20, no version field)."""
    r = FieldReader(fields)
    req_id = r.integer()
    contract = read_contract(r)
    r.skip(1)  # includeExpired
    end = r.text()
    bar_size = r.text()
    duration = r.text()
    use_rth = r.flag()
    what = r.text()
    format_date = r.integer(1)
    if contract.sec_type == "BAG":
        r.skip(r.integer() * 4)
    keep = r.flag()
    return HistoryRequest(
        req_id, contract, end, bar_size, duration, use_rth, what.upper(), format_date, keep
    )


@dataclass(frozen=True, slots=True)
class ExecutionFilterRequest:
    """reqExecutions and its filter (empty or zero fields do not filter)."""

    req_id: int
    client_id: int
    account: str
    time: str
    symbol: str
    sec_type: str
    exchange: str
    side: str


def decode_executions(fields: Sequence[str]) -> ExecutionFilterRequest:
    """Read reqExecutions (``7, 3, reqId, clientId, acct, time, symbol, secType, exch, side``)."""
    r = FieldReader(fields, start=2)
    return ExecutionFilterRequest(
        req_id=r.integer(),
        client_id=r.integer(),
        account=r.text(),
        time=r.text(),
        symbol=r.text(),
        sec_type=r.text(),
        exchange=r.text(),
        side=r.text(),
    )
