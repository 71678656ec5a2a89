"""Requests for reference data and market data: contract details, option chains, ticks,
depth, historical and real-time bars; and the fan-out of a price change to subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import contract_messages as cmsg
from . import history
from . import messages as msg
from .feeds import DepthSub, HistorySub, MarketDataSub, RealtimeSub
from .instruments import OPTION_CHAIN_EXCHANGES, ContractSpec, Instrument
from .messages import In, Out
from .requests import (
    decode_depth,
    decode_history,
    decode_market_data,
    read_contract,
)
from .wire import FieldReader

if TYPE_CHECKING:
    from .connection import Connection
    from .core import GatewayCore

NO_SECURITY = "No security definition has been found for the request"
MAX_DEPTH_ROWS = 10


def _resolve(
    core: GatewayCore, conn: Connection, req_id: int, spec: ContractSpec
) -> Instrument | None:
    """The one instrument a request names, or None after sending TWS's error 200."""
    found = core.universe.match(spec)
    if len(found) == 1:
        return found[0]
    if not found:
        conn.send(msg.error(req_id, 200, NO_SECURITY))
    else:
        conn.send(
            msg.error(
                req_id, 200, f"The contract description specified for {spec.symbol} is ambiguous."
            )
        )
    return None


# -- reference data --------------------------------------------------------------------------


def _contract_details(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    req_id = reader.integer()
    spec = read_contract(reader)
    found = core.universe.match(spec)
    if not found:
        conn.send(msg.error(req_id, 200, NO_SECURITY))
        return
    for inst in found:
        for exchange in _detail_exchanges(inst, spec):
            conn.send(cmsg.contract_details(req_id, inst, exchange, core.today))
    conn.send(msg.end_with_req_id(Out.CONTRACT_DATA_END, req_id))


def _detail_exchanges(inst: Instrument, spec: ContractSpec) -> list[str]:
    # Without an exchange TWS lists the contract once per exchange (ambiguous for qualify);
    # a bare conId resolves to SMART.
    if spec.exchange:
        return [spec.exchange.upper()]
    if spec.con_id:
        return ["SMART"]
    return ["SMART", inst.primary_exchange or "CBOE"]


def _sec_def_opt_params(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields)
    req_id = reader.integer()
    symbol = reader.text().upper()
    reader.skip(2)  # futFopExchange, underlyingSecType
    con_id = reader.integer()
    stock = core.universe.stocks.get(symbol)
    if stock is None or (con_id and con_id != stock.con_id):
        conn.send(msg.error(req_id, 200, NO_SECURITY))
        return
    expiries, strikes = core.universe.chain(symbol)
    if expiries:
        for exchange in OPTION_CHAIN_EXCHANGES:
            conn.send(cmsg.sec_def_opt_params(req_id, exchange, stock, expiries, strikes))
    conn.send(cmsg.sec_def_opt_params_end(req_id))


def _matching_symbols(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields)
    req_id = reader.integer()
    pattern = reader.text().upper()
    stocks = [
        s
        for s in core.universe.stocks.values()
        if s.symbol.startswith(pattern) or pattern in s.long_name
    ]
    conn.send(cmsg.symbol_samples(req_id, stocks, set(core.universe.options)))


def _market_rule(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.send(msg.market_rule(FieldReader(fields).integer()))


def _head_timestamp(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields)
    req_id = reader.integer()
    if _resolve(core, conn, req_id, read_contract(reader)) is None:
        return
    reader.skip(3)  # includeExpired, useRTH, whatToShow
    format_date = reader.integer(1)
    conn.send(msg.head_timestamp(req_id, history.format_time(946909800, format_date)))


# -- market data -----------------------------------------------------------------------------


def _market_data(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    request = decode_market_data(fields)
    req_id = request.req_id
    inst = _resolve(core, conn, req_id, request.contract)
    if inst is None:
        return
    if req_id in conn.mkt_data:
        conn.send(
            msg.error(
                req_id,
                322,
                f"Error processing request.-'bW' : cause - Duplicate ticker id {req_id}",
            )
        )
        return
    in_use = sum(c.line_count for c in core.connections.values())
    if not request.snapshot and in_use >= core.options.max_market_data_lines:
        conn.send(msg.error(req_id, 101, "Max number of tickers has been reached"))
        return
    # Types 3 and 4 mean "delayed where there is no real-time subscription": TWS still sends
    # real-time data when it has it, so only a gateway without it (``delayed``) goes delayed.
    delayed = core.options.delayed
    if core.options.delayed and conn.market_data_type in {1, 2}:
        conn.send(
            msg.error(
                req_id,
                10167,
                "Requested market data is not subscribed. Displaying delayed market data.",
            )
        )
    sub = MarketDataSub(req_id, inst, delayed)
    conn.send(msg.market_data_type(req_id, 3 if delayed else 1))
    conn.send(msg.tick_req_params(req_id, inst.min_tick, "9c0001"))
    _send_ticks(core, conn, sub)
    if request.snapshot:
        conn.send(msg.snapshot_end(req_id))
    else:
        conn.mkt_data[req_id] = sub


def _send_ticks(core: GatewayCore, conn: Connection, sub: MarketDataSub) -> None:
    view = core.market.option_view(sub.instrument) if sub.instrument.is_option else None
    quote = view.quote if view else core.market.quote(sub.instrument)
    for fields in sub.updates(quote, view):
        conn.send(fields)


def _cancel_market_data(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    req_id = FieldReader(fields, start=2).integer()
    if conn.mkt_data.pop(req_id, None) is None:
        conn.send(msg.error(req_id, 300, f"Can't find EId with tickerId:{req_id}"))


def _depth(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    request = decode_depth(fields)
    inst = _resolve(core, conn, request.req_id, request.contract)
    if inst is None:
        return
    limit = core.options.max_depth_requests
    if sum(len(c.depth) for c in core.connections.values()) >= limit:
        conn.send(
            msg.error(
                request.req_id,
                309,
                f"Max number ({limit}) of market depth requests has been reached",
            )
        )
        return
    rows = min(max(request.rows, 1), MAX_DEPTH_ROWS)
    sub = DepthSub(request.req_id, inst, rows, request.smart)
    conn.depth[request.req_id] = sub
    for update in sub.updates(core.market.quote(inst)):
        conn.send(update)


def _cancel_depth(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.depth.pop(FieldReader(fields, start=2).integer(), None)


# -- bars ------------------------------------------------------------------------------------

PACING_TEXT = (
    "Historical Market Data Service error message:Historical data request pacing violation"
)


def _historical_data(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    request = decode_history(fields)
    req_id = request.req_id
    inst = _resolve(core, conn, req_id, request.contract)
    if inst is None:
        return
    if request.keep_up_to_date and request.end:
        conn.send(
            msg.error(
                req_id,
                321,
                "Error validating request.-'bX' : cause - End date not supported with live updates",
            )
        )
        return
    now = core.clock()
    key = (inst.con_id, request.bar_size, request.duration, request.what_to_show, request.end)
    last = core.pacing.get(key)
    if last is not None and now - last < core.options.history_pacing_seconds:
        conn.send(msg.error(req_id, 162, PACING_TEXT))
        return
    core.pacing[key] = now
    try:
        size = history.bar_seconds(request.bar_size)
        end = history.parse_end(request.end, now)
        first = history.window_start(request.duration, end)
        starts = history.bar_starts(first, end, size, request.use_rth)
    except history.HistoryRequestError as exc:
        conn.send(msg.error(req_id, exc.code, exc.text))
        return
    quote = core.market.quote(inst)
    anchor = {"BID": quote.bid, "ASK": quote.ask}.get(
        request.what_to_show, quote.last if request.what_to_show == "TRADES" else quote.mid
    )
    underlying = core.universe.underlying(inst)
    bars = history.make_bars(
        starts,
        size=size,
        anchor=anchor,
        volatility=core.universe.seeds[underlying.symbol].volatility,
        tick=inst.min_tick,
        seed=f"{inst.con_id}|{size}|{request.what_to_show}|{int(end) // size}",
        format_date=request.format_date,
        with_volume=request.what_to_show == "TRADES",
    )
    if not bars:
        conn.send(
            msg.error(
                req_id,
                162,
                "Historical Market Data Service error message:HMDS "
                f"query returned no data: {inst.local_symbol}@SMART "
                f"{request.what_to_show.title()}",
            )
        )
        return
    start_text = history.format_time(int(first), request.format_date)
    end_text = history.format_time(int(end), request.format_date)
    conn.send(msg.historical_data(req_id, start_text, end_text, bars))
    if request.keep_up_to_date:
        bar = history.FormingBar.from_bar(bars[-1], size, request.format_date)
        sub = HistorySub(req_id, inst, request.what_to_show, bar)
        sub.update(quote, now)  # remember the current quote; updates start with the next change
        conn.history[req_id] = sub


def _cancel_historical_data(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.history.pop(FieldReader(fields, start=2).integer(), None)


def _realtime_bars(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    req_id = reader.integer()
    inst = _resolve(core, conn, req_id, read_contract(reader))
    if inst is None:
        return
    reader.skip(1)  # barSize (always 5 seconds)
    sub = RealtimeSub(req_id, inst, reader.text().upper())
    sub.see(core.market.quote(inst))
    conn.realtime[req_id] = sub
    interval = core.options.realtime_bar_seconds
    conn.realtime_tasks[req_id] = asyncio.get_running_loop().create_task(
        _realtime_pump(core, conn, sub, interval)
    )


async def _realtime_pump(
    core: GatewayCore, conn: Connection, sub: RealtimeSub, interval: float
) -> None:
    try:
        while True:
            await asyncio.sleep(interval)
            now = int(core.clock())
            conn.send(sub.bar(now - now % 5 - 5, core.market.quote(sub.instrument)))
    except Exception as exc:  # a gateway bug: stop this stream, report it at exit
        core.internal_errors.append(f"real-time bars {sub.req_id}: {exc!r}")


def _cancel_realtime_bars(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    req_id = FieldReader(fields, start=2).integer()
    conn.realtime.pop(req_id, None)
    task = conn.realtime_tasks.pop(req_id, None)
    if task is not None:
        task.cancel()


# -- fan-out ---------------------------------------------------------------------------------


def push_updates(core: GatewayCore, conn: Connection, affected: set[int]) -> None:
    """Send this connection's subscribers what changed on the ``affected`` conIds (except on
    silenced ones: their feeds stopped)."""
    now = core.clock()
    affected = affected - core.faults.silenced
    for sub in list(conn.mkt_data.values()):
        if sub.instrument.con_id in affected:
            _send_ticks(core, conn, sub)
    for depth in list(conn.depth.values()):
        if depth.instrument.con_id in affected:
            for update in depth.updates(core.market.quote(depth.instrument)):
                conn.send(update)
    for bars in list(conn.history.values()):
        if bars.instrument.con_id in affected:
            for update in bars.update(core.market.quote(bars.instrument), now):
                conn.send(update)
    for realtime in conn.realtime.values():
        if realtime.instrument.con_id in affected:
            realtime.see(core.market.quote(realtime.instrument))


HANDLERS: dict[int, Callable[[GatewayCore, Connection, list[str]], None]] = {
    In.REQ_CONTRACT_DETAILS: _contract_details,
    In.REQ_SEC_DEF_OPT_PARAMS: _sec_def_opt_params,
    In.REQ_MATCHING_SYMBOLS: _matching_symbols,
    In.REQ_MARKET_RULE: _market_rule,
    In.REQ_HEAD_TIMESTAMP: _head_timestamp,
    In.REQ_MKT_DATA: _market_data,
    In.CANCEL_MKT_DATA: _cancel_market_data,
    In.REQ_MKT_DEPTH: _depth,
    In.CANCEL_MKT_DEPTH: _cancel_depth,
    In.REQ_HISTORICAL_DATA: _historical_data,
    In.CANCEL_HISTORICAL_DATA: _cancel_historical_data,
    In.REQ_REAL_TIME_BARS: _realtime_bars,
    In.CANCEL_REAL_TIME_BARS: _cancel_realtime_bars,
}
