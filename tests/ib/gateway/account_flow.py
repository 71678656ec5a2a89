"""Requests for positions, account values, account summary and P&L, and the updates TWS pushes
to those subscriptions after a fill (it also refreshes them every few minutes; a test can force
that with ``Gateway.publish_account``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import messages as msg
from .history import TWS_TZ
from .instruments import Instrument
from .messages import In, Out
from .wire import FieldReader

if TYPE_CHECKING:
    from .account import Account
    from .connection import Connection
    from .core import GatewayCore


def _account_rows(core: GatewayCore, account: Account) -> list[tuple[str, str, str]]:
    values = account.values(core.market)
    rows = [
        ("AccountCode", account.name, ""),
        ("AccountType", "INDIVIDUAL", ""),
        ("Currency", "USD", "USD"),
    ]
    rows += [(key, value, "USD") for key, value in values.items()]
    rows += [("TotalCashBalance", values["TotalCashValue"], "BASE")]
    return rows


def _account(core: GatewayCore, name: str) -> Account | None:
    return core.accounts.get(name or core.primary_account)


def _positions(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.positions = True
    for account in core.accounts.values():
        for holding in account.positions():
            for _ in range(core.faults.times("positions")):
                conn.send(
                    msg.position(
                        account.name, holding.instrument, holding.quantity, holding.avg_cost
                    )
                )
    conn.send(msg.position_end())


def _cancel_positions(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.positions = False


def _positions_multi(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    req_id = reader.integer()
    name = reader.text()
    for account in core.accounts.values():
        if name and name != account.name:
            continue
        for holding in account.positions():
            conn.send(
                msg.position_multi(
                    req_id, account.name, holding.instrument, holding.quantity, holding.avg_cost
                )
            )
    conn.send(msg.end_with_req_id(Out.POSITION_MULTI_END, req_id))


def _account_updates(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    subscribe = reader.flag()
    account = _account(core, reader.text())
    if not subscribe or account is None:
        conn.account_updates = None
        return
    conn.account_updates = account.name
    _send_account_update(core, conn, account, None)
    conn.send(msg.account_download_end(account.name))


def _send_account_update(
    core: GatewayCore, conn: Connection, account: Account, instrument: Instrument | None
) -> None:
    for key, value, currency in _account_rows(core, account):
        conn.send(msg.account_value(key, value, currency, account.name))
    for row in account.portfolio(core.market):
        if instrument is None or row.instrument.con_id == instrument.con_id:
            conn.send(msg.portfolio_value(row, account.name))
    conn.send(msg.account_time(dt.datetime.now(TWS_TZ).strftime("%H:%M")))


def _account_updates_multi(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    req_id = reader.integer()
    account = _account(core, reader.text())
    if account is None:
        conn.send(
            msg.error(req_id, 321, "Error validating request.-'cB' : cause - Invalid account code")
        )
        return
    conn.account_multi[req_id] = account.name
    _send_multi(core, conn, req_id, account)
    conn.send(msg.end_with_req_id(Out.ACCOUNT_UPDATE_MULTI_END, req_id))


def _send_multi(core: GatewayCore, conn: Connection, req_id: int, account: Account) -> None:
    for key, value, currency in _account_rows(core, account):
        conn.send(msg.account_update_multi(req_id, account.name, key, value, currency))


def _cancel_account_updates_multi(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.account_multi.pop(FieldReader(fields, start=2).integer(), None)


def _account_summary(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields, start=2)
    req_id = reader.integer()
    reader.skip(1)  # group ("All")
    tags = frozenset(t for t in reader.text().split(",") if t and not t.startswith("$"))
    conn.account_summary[req_id] = tags
    _send_summary(core, conn, req_id, tags)


def _send_summary(core: GatewayCore, conn: Connection, req_id: int, tags: frozenset[str]) -> None:
    for account in core.accounts.values():
        for key, value, currency in _account_rows(core, account):
            if key in tags and currency != "BASE":
                conn.send(msg.account_summary(req_id, account.name, key, value, currency))
    conn.send(msg.end_with_req_id(Out.ACCOUNT_SUMMARY_END, req_id))


def _cancel_account_summary(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.account_summary.pop(FieldReader(fields, start=2).integer(), None)


def _pnl(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    reader = FieldReader(fields)
    req_id = reader.integer()
    account = _account(core, reader.text())
    if account is None:
        return
    conn.pnl[req_id] = account.name
    _send_pnl(core, conn, req_id, account)


def _send_pnl(core: GatewayCore, conn: Connection, req_id: int, account: Account) -> None:
    if not core.options.account_pnl:
        return  # an account TWS gives no P&L for
    unrealized = sum(r.unrealized for r in account.portfolio(core.market))
    daily = account.daily_pnl(core.market)
    conn.send(msg.pnl(req_id, daily, unrealized, account.realized))


def _pnl_single(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    """reqPnLSingle: ``94, reqId, account, modelCode, conId``; answered at once and after
    every change, as TWS does (about once a second there)."""
    reader = FieldReader(fields)
    req_id = reader.integer()
    account = _account(core, reader.text())
    reader.skip(1)  # modelCode
    con_id = reader.integer()
    if account is None:
        return
    conn.pnl_single[req_id] = (account.name, con_id)
    _send_pnl_single(core, conn, req_id, account, con_id)


def _send_pnl_single(
    core: GatewayCore, conn: Connection, req_id: int, account: Account, con_id: int
) -> None:
    if not core.options.account_pnl:
        return
    holding = account.holdings.get(con_id)
    if holding is None:  # TWS answers a position it does not hold with no values
        conn.send(msg.pnl_single(req_id, 0, 0.0, 0.0, 0.0, 0.0))
        return
    [row] = [r for r in account.portfolio(core.market) if r.instrument.con_id == con_id]
    daily = account.day_pnl(holding, core.market)
    conn.send(
        msg.pnl_single(
            req_id, holding.quantity, daily, row.unrealized, row.realized, row.market_value
        )
    )


def _cancel_pnl_single(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.pnl_single.pop(FieldReader(fields).integer(), None)


def _cancel_pnl(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.pnl.pop(FieldReader(fields).integer(), None)


def publish(core: GatewayCore, account: Account, instrument: Instrument | None) -> None:
    """Push the account's changed state to every session subscribed to it."""
    holding = account.holdings.get(instrument.con_id) if instrument else None
    for conn in core.clients().values():
        if conn.positions:
            holdings = [holding] if holding else account.positions()
            for h in holdings:
                conn.send(msg.position(account.name, h.instrument, h.quantity, h.avg_cost))
        if conn.account_updates == account.name:
            _send_account_update(core, conn, account, instrument)
        for req_id, name in conn.account_multi.items():
            if name == account.name:
                _send_multi(core, conn, req_id, account)
        for req_id, tags in conn.account_summary.items():
            _send_summary(core, conn, req_id, tags)
        for req_id, name in conn.pnl.items():
            if name == account.name:
                _send_pnl(core, conn, req_id, account)
        for req_id, (name, con_id) in conn.pnl_single.items():
            if name == account.name and (instrument is None or instrument.con_id == con_id):
                _send_pnl_single(core, conn, req_id, account, con_id)


HANDLERS: dict[int, Callable[[GatewayCore, Connection, list[str]], None]] = {
    In.REQ_POSITIONS: _positions,
    In.CANCEL_POSITIONS: _cancel_positions,
    In.REQ_POSITIONS_MULTI: _positions_multi,
    In.REQ_ACCOUNT_UPDATES: _account_updates,
    In.REQ_ACCOUNT_UPDATES_MULTI: _account_updates_multi,
    In.CANCEL_ACCOUNT_UPDATES_MULTI: _cancel_account_updates_multi,
    In.REQ_ACCOUNT_SUMMARY: _account_summary,
    In.CANCEL_ACCOUNT_SUMMARY: _cancel_account_summary,
    In.REQ_PNL: _pnl,
    In.CANCEL_PNL: _cancel_pnl,
    In.REQ_PNL_SINGLE: _pnl_single,
    In.CANCEL_PNL_SINGLE: _cancel_pnl_single,
}
