"""IB's own P&L: the account's daily P&L (reqPnL) and each position's (reqPnLSingle).

Day P&L measured by the terminal needs a start of day; a terminal started mid-day, or before
the positions were valued, has none it can trust. IB has one: reqPnL's daily P&L is IB's
figure since its own start of day. The adapter keeps it subscribed for the account, and one
reqPnLSingle per position held (added and dropped as positions open and close), asks again
after a reconnect or IB's 1101, and puts the figures on every account snapshot
(``AccountSnapshot.day_pnl`` and ``position_day_pnl``). Until IB's first figure arrives the
snapshot has none (the portfolio then says its day P&L is not established).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal

from ib_async import IB, PnL, PnLSingle, Position

from terminal.broker.ib.contracts import ContractBook
from terminal.broker.ib.lanes import Lanes
from terminal.broker.ib.mapping_values import decimal_or_none
from terminal.domain.values import money

log = logging.getLogger(__name__)


def pnl_amount(value: float) -> Decimal | None:
    """An amount of a PnL message, or None for IB's "no value" (NaN, the unset double)."""
    number = decimal_or_none(value, signed=True)
    return money(number) if number is not None else None


class AccountPnl:
    """The account's and its positions' daily P&L as IB reports them.

    Args:
        ib: The ib_async client.
        lanes: The subscriptions are data requests.
        book: Names each position's instrument.
        account: The account traded (empty until connected).
        changed: Called when a figure changed (the adapter publishes a snapshot).
    """

    def __init__(
        self,
        ib: IB,
        lanes: Lanes,
        book: ContractBook,
        account: Callable[[], str],
        changed: Callable[[], None],
    ) -> None:
        self.ib = ib
        self.lanes = lanes
        self.book = book
        self._account = account
        self._changed = changed
        self._keys: dict[int, str] = {}  # conId -> instrument key, of the positions followed
        self._arrived = asyncio.Event()
        ib.pnlEvent += self._on_pnl
        ib.pnlSingleEvent += self._on_single
        ib.positionEvent += self._on_position

    # -- subscriptions ----------------------------------------------------------------------------
    def subscribe(self) -> None:
        """Ask for the account's P&L and each held position's (again, after a reconnect)."""
        account = self._account()
        self._arrived.clear()

        def request() -> None:
            if self.ib.pnl(account):  # from before the reconnect: TWS forgot it
                self.ib.cancelPnL(account)
            self.ib.reqPnL(account)

        self.lanes.data(request, f"P&L of {account}")
        for con_id in list(self._keys):
            self._unfollow(con_id)
        for position in self.ib.positions(account):
            self._on_position(position)

    def _follow(self, position: Position) -> None:
        account, con_id = position.account, position.contract.conId
        self._keys[con_id] = self.book.instrument_for(position.contract).key

        def request() -> None:
            if not self.ib.pnlSingle(account, "", con_id):
                self.ib.reqPnLSingle(account, "", con_id)

        self.lanes.data(request, f"P&L of {self._keys[con_id]}", key=("pnl", con_id))

    def _unfollow(self, con_id: int) -> None:
        self._keys.pop(con_id, None)
        if self.lanes.withdraw(("pnl", con_id)):
            return
        account = self._account()

        def cancel() -> None:
            if self.ib.pnlSingle(account, "", con_id):
                self.ib.cancelPnLSingle(account, "", con_id)

        self.lanes.data(cancel, f"cancel P&L of {con_id}")

    def _on_position(self, position: Position) -> None:
        if not self._account() or position.account != self._account():
            return  # not connected yet (the start-up sync), or another account
        con_id = position.contract.conId
        if position.position and con_id not in self._keys:
            self._follow(position)
        elif not position.position and con_id in self._keys:
            self._unfollow(con_id)
            self._changed()

    # -- figures ----------------------------------------------------------------------------------
    def day_pnl(self) -> Decimal | None:
        """IB's daily P&L of the account, or None before its first figure."""
        account = self._account()
        found = self.ib.pnl(account) if account else []
        return pnl_amount(found[0].dailyPnL) if found else None

    def positions(self) -> tuple[tuple[str, Decimal], ...]:
        """IB's daily P&L of each position followed that has a figure."""
        account = self._account()
        figures = []
        for single in self.ib.pnlSingle(account) if account else []:
            key = self._keys.get(single.conId)
            amount = pnl_amount(single.dailyPnL)
            if key is not None and amount is not None:
                figures.append((key, amount))
        return tuple(sorted(figures))

    async def first(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for IB's first daily P&L of the account; False if none came
        (an account TWS gives no P&L for: the day P&L stays not established)."""
        if self.day_pnl() is not None:
            return True
        try:
            async with asyncio.timeout(seconds):
                await self._arrived.wait()
        except TimeoutError:
            log.warning("IB sent no P&L for %s within %.0f s", self._account(), seconds)
            return False
        return True

    def _on_pnl(self, pnl: PnL) -> None:
        if pnl.account != self._account():
            return
        if pnl_amount(pnl.dailyPnL) is not None:
            self._arrived.set()
        self._changed()

    def _on_single(self, single: PnLSingle) -> None:
        if single.account == self._account() and single.conId in self._keys:
            self._changed()
