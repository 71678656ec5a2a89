"""Encoders for reference data: contractDetails, the option-chain parameters, symbol samples."""

from __future__ import annotations

import datetime as dt

from .instruments import Instrument
from .messages import Fields, Out

ORDER_TYPES = (
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,BENCHPX,CASHQTY,COND,CONDORDER,"
    "DARKONLY,DARKPOLL,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,"
    "IOC,LIT,LMT,LOC,MIDPX,MIT,MKT,MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,"
    "PEGMID,POSTATS,POSTONLY,PREOPGRTH,PRICECHK,REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,"
    "SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,SWEEP,TRAIL,TRAILLIT,TRAILLMT,"
    "TRAILMIT,WHATIF"
)
MARKET_RULE_ID = 26


def _hours(today: dt.date, opens: str, closes: str) -> str:
    days: list[str] = []
    for offset in range(4):
        day = today + dt.timedelta(days=offset)
        stamp = day.strftime("%Y%m%d")
        if day.weekday() >= 5:
            days.append(f"{stamp}:CLOSED")
        else:
            days.append(f"{stamp}:{opens}-{stamp}:{closes}")
    return ";".join(days)


def contract_details(req_id: int, inst: Instrument, exchange: str, today: dt.date) -> Fields:
    """``10, reqId, symbol, secType, lastTradeDate, strike, right, exchange, ...`` (sv >= 164)."""
    sec_ids: Fields = [1, "ISIN", inst.isin] if inst.isin else [0]
    rules = ",".join([str(MARKET_RULE_ID)] * len(inst.valid_exchanges))
    fields: Fields = [
        int(Out.CONTRACT_DATA),
        req_id,
        inst.symbol,
        inst.sec_type,
        inst.expiry,
        inst.strike,
        inst.right,
        exchange,
        inst.currency,
        inst.local_symbol,
        inst.market_name,
        inst.trading_class,
        inst.con_id,
        inst.min_tick,
    ]
    fields += [
        inst.multiplier,
        ORDER_TYPES,
        ",".join(inst.valid_exchanges),
        1,
        inst.underlying_con_id,
        inst.long_name,
        inst.primary_exchange,
        inst.expiry[:6] if inst.expiry else "",
        inst.industry,
        inst.category,
        inst.subcategory,
        "US/Eastern",
        _hours(today, "0400", "2000"),
        _hours(today, "0930", "1600"),
        "",
        "",
        *sec_ids,
    ]
    fields += [
        1,  # aggGroup
        inst.underlying_symbol,
        "STK" if inst.is_option else "",
        rules,
        inst.expiry,
        inst.stock_type,
        1,
        1,
        1 if inst.is_option else 100,
    ]
    return fields


def sec_def_opt_params(
    req_id: int, exchange: str, underlying: Instrument, expiries: list[str], strikes: list[float]
) -> Fields:
    """``75, reqId, exchange, underlyingConId, tradingClass, multiplier, n, exp..., n, k...``."""
    return [
        int(Out.SEC_DEF_OPT_PARAMS),
        req_id,
        exchange,
        underlying.con_id,
        underlying.symbol,
        "100",
        len(expiries),
        *expiries,
        len(strikes),
        *strikes,
    ]


def sec_def_opt_params_end(req_id: int) -> Fields:
    """``76, reqId``."""
    return [int(Out.SEC_DEF_OPT_PARAMS_END), req_id]


def symbol_samples(req_id: int, stocks: list[Instrument], has_options: set[str]) -> Fields:
    """``79, reqId, n, [conId, symbol, secType, primaryExchange, currency, m, types*, desc,
    issuerId]*`` (description and issuerId from server version 176)."""
    fields: Fields = [int(Out.SYMBOL_SAMPLES), req_id, len(stocks)]
    for stock in stocks:
        derived = ["OPT"] if stock.symbol in has_options else []
        fields += [
            stock.con_id,
            stock.symbol,
            stock.sec_type,
            stock.primary_exchange,
            stock.currency,
            len(derived),
            *derived,
            stock.long_name,
            "",
        ]
    return fields
