"""Message ids in both directions, and encoders for the simpler server messages.

Each encoder returns the message's fields (msgId first) in the order ib_async 2.x decodes them at
server version 176 (see the reference, "Incoming message ids the fake server must send").
"""

from __future__ import annotations

from enum import IntEnum

from .account import PortfolioRow
from .history import Bar, FormingBar
from .instruments import Instrument
from .pricing import Greeks
from .wire import Field


class In(IntEnum):
    """Requests a client sends."""

    REQ_MKT_DATA = 1
    CANCEL_MKT_DATA = 2
    PLACE_ORDER = 3
    CANCEL_ORDER = 4
    REQ_OPEN_ORDERS = 5
    REQ_ACCOUNT_UPDATES = 6
    REQ_EXECUTIONS = 7
    REQ_IDS = 8
    REQ_CONTRACT_DETAILS = 9
    REQ_MKT_DEPTH = 10
    CANCEL_MKT_DEPTH = 11
    REQ_AUTO_OPEN_ORDERS = 15
    REQ_ALL_OPEN_ORDERS = 16
    REQ_MANAGED_ACCTS = 17
    REQ_HISTORICAL_DATA = 20
    CANCEL_HISTORICAL_DATA = 25
    REQ_CURRENT_TIME = 49
    REQ_REAL_TIME_BARS = 50
    CANCEL_REAL_TIME_BARS = 51
    REQ_GLOBAL_CANCEL = 58
    REQ_MARKET_DATA_TYPE = 59
    REQ_POSITIONS = 61
    REQ_ACCOUNT_SUMMARY = 62
    CANCEL_ACCOUNT_SUMMARY = 63
    CANCEL_POSITIONS = 64
    START_API = 71
    REQ_POSITIONS_MULTI = 74
    CANCEL_POSITIONS_MULTI = 75
    REQ_ACCOUNT_UPDATES_MULTI = 76
    CANCEL_ACCOUNT_UPDATES_MULTI = 77
    REQ_SEC_DEF_OPT_PARAMS = 78
    REQ_MATCHING_SYMBOLS = 81
    REQ_HEAD_TIMESTAMP = 87
    REQ_MARKET_RULE = 91
    REQ_PNL = 92
    CANCEL_PNL = 93
    REQ_PNL_SINGLE = 94
    CANCEL_PNL_SINGLE = 95
    REQ_COMPLETED_ORDERS = 99
    REQ_USER_INFO = 104


class Out(IntEnum):
    """Messages the server sends."""

    TICK_PRICE = 1
    TICK_SIZE = 2
    ORDER_STATUS = 3
    ERROR = 4
    OPEN_ORDER = 5
    ACCOUNT_VALUE = 6
    PORTFOLIO_VALUE = 7
    ACCOUNT_UPDATE_TIME = 8
    NEXT_VALID_ID = 9
    CONTRACT_DATA = 10
    EXECUTION_DATA = 11
    MARKET_DEPTH = 12
    MARKET_DEPTH_L2 = 13
    MANAGED_ACCOUNTS = 15
    HISTORICAL_DATA = 17
    TICK_OPTION_COMPUTATION = 21
    TICK_STRING = 46
    CURRENT_TIME = 49
    REAL_TIME_BAR = 50
    CONTRACT_DATA_END = 52
    OPEN_ORDER_END = 53
    ACCOUNT_DOWNLOAD_END = 54
    EXECUTION_DATA_END = 55
    TICK_SNAPSHOT_END = 57
    MARKET_DATA_TYPE = 58
    COMMISSION_REPORT = 59
    POSITION = 61
    POSITION_END = 62
    ACCOUNT_SUMMARY = 63
    ACCOUNT_SUMMARY_END = 64
    POSITION_MULTI = 71
    POSITION_MULTI_END = 72
    ACCOUNT_UPDATE_MULTI = 73
    ACCOUNT_UPDATE_MULTI_END = 74
    SEC_DEF_OPT_PARAMS = 75
    SEC_DEF_OPT_PARAMS_END = 76
    SYMBOL_SAMPLES = 79
    TICK_REQ_PARAMS = 81
    HEAD_TIMESTAMP = 88
    HISTORICAL_DATA_UPDATE = 90
    MARKET_RULE = 93
    PNL = 94
    PNL_SINGLE = 95
    COMPLETED_ORDER = 101
    COMPLETED_ORDERS_END = 102
    USER_INFO = 107


Fields = list[Field]

# Tick types (live, delayed): what reqMktData streams.
BID, ASK, LAST, HIGH, LOW, CLOSE = 1, 2, 4, 6, 7, 9
BID_SIZE, ASK_SIZE, LAST_SIZE, VOLUME = 0, 3, 5, 8
LAST_TIMESTAMP = 45
DELAYED = {
    BID: 66,
    ASK: 67,
    LAST: 68,
    HIGH: 72,
    LOW: 73,
    CLOSE: 75,
    BID_SIZE: 69,
    ASK_SIZE: 70,
    LAST_SIZE: 71,
    VOLUME: 74,
    LAST_TIMESTAMP: 88,
}
BID_OPTION, ASK_OPTION, MODEL_OPTION = 10, 11, 13
DELAYED_OPTION = {BID_OPTION: 80, ASK_OPTION: 81, MODEL_OPTION: 83}


def error(req_id: int, code: int, text: str) -> Fields:
    """``4, 2, reqId, code, text, advancedOrderRejectJson``."""
    return [int(Out.ERROR), 2, req_id, code, text, ""]


def managed_accounts(accounts: list[str]) -> Fields:
    """``15, 1, "DU1,DU2"`` (exactly three fields: ib_async unpacks it)."""
    return [int(Out.MANAGED_ACCOUNTS), 1, ",".join(accounts)]


def next_valid_id(order_id: int) -> Fields:
    """``9, 1, orderId`` (exactly three fields)."""
    return [int(Out.NEXT_VALID_ID), 1, order_id]


def current_time(epoch: int) -> Fields:
    """``49, 1, epochSeconds``."""
    return [int(Out.CURRENT_TIME), 1, epoch]


def tick_price(req_id: int, tick: int, price: float, size: float) -> Fields:
    """``1, 6, reqId, tickType, price, size, attrMask`` (exactly seven fields)."""
    return [int(Out.TICK_PRICE), 6, req_id, tick, price, size, 0]


def tick_size(req_id: int, tick: int, size: float) -> Fields:
    """``2, 6, reqId, tickType, size``."""
    return [int(Out.TICK_SIZE), 6, req_id, tick, size]


def tick_string(req_id: int, tick: int, value: str) -> Fields:
    """``46, 6, reqId, tickType, value``."""
    return [int(Out.TICK_STRING), 6, req_id, tick, value]


def tick_option(req_id: int, tick: int, vol: float, greeks: Greeks, underlying: float) -> Fields:
    """``21, reqId, tickType, tickAttrib, iv, delta, optPrice, pvDividend, gamma, vega, ...``."""
    return [
        int(Out.TICK_OPTION_COMPUTATION),
        req_id,
        tick,
        1,
        round(vol, 6),
        round(greeks.delta, 6),
        round(greeks.price, 4),
        0,
        round(greeks.gamma, 6),
        round(greeks.vega, 6),
        round(greeks.theta, 6),
        round(underlying, 4),
    ]


def market_data_type(req_id: int, data_type: int) -> Fields:
    """``58, 1, reqId, type`` (1 live, 3 delayed)."""
    return [int(Out.MARKET_DATA_TYPE), 1, req_id, data_type]


def tick_req_params(req_id: int, min_tick: float, bbo_exchange: str) -> Fields:
    """``81, reqId, minTick, bboExchange, snapshotPermissions``."""
    return [int(Out.TICK_REQ_PARAMS), req_id, min_tick, bbo_exchange, 3]


def snapshot_end(req_id: int) -> Fields:
    """``57, 1, reqId``."""
    return [int(Out.TICK_SNAPSHOT_END), 1, req_id]


def depth_row(
    req_id: int, position: int, operation: int, side: int, price: float, size: float
) -> Fields:
    """``12, 1, reqId, position, operation, side(0 ask, 1 bid), price, size``."""
    return [int(Out.MARKET_DEPTH), 1, req_id, position, operation, side, price, size]


def depth_row_l2(
    req_id: int, position: int, maker: str, operation: int, side: int, price: float, size: float
) -> Fields:
    """``13, 1, reqId, position, marketMaker, operation, side, price, size, isSmartDepth``."""
    return [int(Out.MARKET_DEPTH_L2), 1, req_id, position, maker, operation, side, price, size, 1]


def historical_data(req_id: int, start: str, end: str, bars: list[Bar]) -> Fields:
    """``17, reqId, start, end, nBars, [date, o, h, l, c, volume, wap, count]*``."""
    fields: Fields = [int(Out.HISTORICAL_DATA), req_id, start, end, len(bars)]
    for bar in bars:
        fields += [
            bar.label,
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
            bar.wap,
            bar.count,
        ]
    return fields


def historical_update(req_id: int, bar: FormingBar) -> Fields:
    """``90, reqId, barCount, date, open, close, high, low, wap, volume`` (o/c/h/l order)."""
    return [
        int(Out.HISTORICAL_DATA_UPDATE),
        req_id,
        bar.count,
        bar.label,
        bar.open,
        bar.close,
        bar.high,
        bar.low,
        bar.wap,
        bar.volume,
    ]


def realtime_bar(
    req_id: int, epoch: int, ohlc: tuple[float, float, float, float], volume: float, count: int
) -> Fields:
    """``50, 3, reqId, time, open, high, low, close, volume, wap, count``."""
    o, h, lo, c = ohlc
    wap = round((h + lo + c) / 3, 4)
    return [int(Out.REAL_TIME_BAR), 3, req_id, epoch, o, h, lo, c, volume, wap, count]


def head_timestamp(req_id: int, stamp: str) -> Fields:
    """``88, reqId, headTimestamp``."""
    return [int(Out.HEAD_TIMESTAMP), req_id, stamp]


def _contract11(inst: Instrument, exchange: str) -> Fields:
    return [
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
    ]


def position(account: str, inst: Instrument, quantity: float, avg_cost: float) -> Fields:
    """``61, 3, account, <contract 11>, position, avgCost`` (exactly 16 fields)."""
    return [
        int(Out.POSITION),
        3,
        account,
        *_contract11(inst, inst.primary_exchange),
        quantity,
        round(avg_cost, 6),
    ]


def position_end() -> Fields:
    """``62, 1``."""
    return [int(Out.POSITION_END), 1]


def position_multi(
    req_id: int, account: str, inst: Instrument, quantity: float, avg_cost: float
) -> Fields:
    """``71, 1, reqId, account, <contract 11>, position, avgCost, modelCode``."""
    return [
        int(Out.POSITION_MULTI),
        1,
        req_id,
        account,
        *_contract11(inst, inst.primary_exchange),
        quantity,
        round(avg_cost, 6),
        "",
    ]


def account_value(key: str, value: str, currency: str, account: str) -> Fields:
    """``6, 2, key, value, currency, account``."""
    return [int(Out.ACCOUNT_VALUE), 2, key, value, currency, account]


def portfolio_value(row: PortfolioRow, account: str) -> Fields:
    """``7, 8, <contract 11 with primaryExchange>, position, price, value, avgCost, ...``."""
    inst = row.instrument
    return [
        int(Out.PORTFOLIO_VALUE),
        8,
        inst.con_id,
        inst.symbol,
        inst.sec_type,
        inst.expiry,
        inst.strike,
        inst.right,
        inst.multiplier,
        inst.primary_exchange,
        inst.currency,
        inst.local_symbol,
        inst.trading_class,
        row.position,
        row.market_price,
        row.market_value,
        row.avg_cost,
        row.unrealized,
        row.realized,
        account,
    ]


def account_time(stamp: str) -> Fields:
    """``8, 1, "HH:MM"``."""
    return [int(Out.ACCOUNT_UPDATE_TIME), 1, stamp]


def account_download_end(account: str) -> Fields:
    """``54, 1, account``."""
    return [int(Out.ACCOUNT_DOWNLOAD_END), 1, account]


def account_summary(req_id: int, account: str, tag: str, value: str, currency: str) -> Fields:
    """``63, 1, reqId, account, tag, value, currency``."""
    return [int(Out.ACCOUNT_SUMMARY), 1, req_id, account, tag, value, currency]


def account_update_multi(req_id: int, account: str, key: str, value: str, currency: str) -> Fields:
    """``73, 1, reqId, account, modelCode, key, value, currency``."""
    return [int(Out.ACCOUNT_UPDATE_MULTI), 1, req_id, account, "", key, value, currency]


def end_with_req_id(kind: Out, req_id: int) -> Fields:
    """The ``<id>, 1, reqId`` end markers (52, 55, 64, 72, 74)."""
    return [int(kind), 1, req_id]


def pnl(req_id: int, daily: float, unrealized: float, realized: float) -> Fields:
    """``94, reqId, dailyPnL, unrealizedPnL, realizedPnL``."""
    return [int(Out.PNL), req_id, round(daily, 2), round(unrealized, 2), round(realized, 2)]


def pnl_single(
    req_id: int, position: float, daily: float, unrealized: float, realized: float, value: float
) -> Fields:
    """``95, reqId, pos, dailyPnL, unrealizedPnL, realizedPnL, value``."""
    return [
        int(Out.PNL_SINGLE),
        req_id,
        position,
        round(daily, 2),
        round(unrealized, 2),
        round(realized, 2),
        round(value, 2),
    ]


def market_rule(rule_id: int) -> Fields:
    """``93, ruleId, n, [lowEdge, increment]*``: a flat 0.01 increment."""
    return [int(Out.MARKET_RULE), rule_id, 1, 0, 0.01]


def user_info(req_id: int) -> Fields:
    """``107, reqId, whiteBrandingId``."""
    return [int(Out.USER_INFO), req_id, ""]
