"""The Gateway's fault switches: rejects, dropped sockets, error messages (farm and competing
session messages among them), held replies, stalls, repeated messages, silenced feeds, order
refs left out, late commission reports and refused connections (the controls a test uses to
make TWS misbehave)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

from . import messages as msg
from . import order_flow
from .faults import DEFAULT_REJECT_TEXT, REPEATS, ModifyRefusal, Reject, Repeat

if TYPE_CHECKING:
    from .core import GatewayCore
    from .listener import Listener

T = TypeVar("T")
#: How long a control waits for the gateway's loop to run it.
CALL_TIMEOUT = 10.0
#: The texts TWS sends with its data-farm and competing-session codes.
FARM_TEXTS = {
    2103: "Market data farm connection is broken:usfarm",
    2104: "Market data farm connection is OK:usfarm",
    2105: "HMDS data farm connection is broken:ushmds",
    2106: "HMDS data farm connection is OK:ushmds",
    2157: "Sec-def data farm connection is broken:secdefnj",
    2158: "Sec-def data farm connection is OK:secdefnj",
    10197: "No market data during competing live session",
}


class FaultControls:
    """Mixed into :class:`~tests.ib.gateway.server.Gateway`, which owns the loop and core."""

    _core: GatewayCore
    _listener: Listener
    _loop: asyncio.AbstractEventLoop | None

    def _control(self, fn: Callable[[], T]) -> T:
        raise NotImplementedError  # the Gateway runs ``fn`` on its loop

    def _call(self, fn: Callable[[], T]) -> T:
        raise NotImplementedError

    def _changed(self) -> None:
        raise NotImplementedError

    def reject_next_order(self, code: int = 201, text: str = DEFAULT_REJECT_TEXT) -> None:
        """Answer the next new placeOrder with ``error(orderId, code, text)``, then Inactive."""
        self._control(lambda: self._core.faults.rejects.append(Reject(code, text)))

    def refuse_next_modify(
        self,
        code: int = 201,
        text: str = "Order rejected - reason:Price is too far from the market",
        *,
        report_order: bool = True,
    ) -> None:
        """Refuse the next modification of a working order with ``error(orderId, code, text)``
        (then, with ``report_order``, its openOrder and orderStatus at the terms it kept)."""
        refusal = ModifyRefusal(code, text, report_order)
        self._control(lambda: self._core.faults.modify_refusals.append(refusal))

    def drop_connections(self) -> None:
        """Close every client socket abruptly (state is kept, as TWS keeps it)."""

        def run() -> None:
            for conn in list(self._core.connections.values()):
                conn.abort()

        self._control(run)

    def send_error(self, code: int, text: str, req_id: int = -1) -> None:
        """Send an error/info message to every session (1100, 1101, 1102, 2103, ...)."""
        self._control(lambda: self._core.broadcast(msg.error(req_id, code, text)))

    def farm_message(self, code: int) -> None:
        """Send a data-farm message as TWS words it: 2103/2105/2157 broken, 2104/2106/2158 OK,
        10197 competing live session (see :data:`FARM_TEXTS`)."""
        self.send_error(code, FARM_TEXTS[code])

    def silence_feed(self, symbol: str) -> None:
        """Stop every stream of ``symbol`` (ticks, depth, bars) while the connection stays up:
        its prices move, nothing is sent (a request made meanwhile still gets its snapshot)."""

        def run() -> None:
            self._core.faults.silenced.add(self._core.instrument_for(symbol).con_id)

        self._control(run)

    def resume_feed(self, symbol: str) -> None:
        """Let ``symbol``'s streams send again (from its next price change)."""

        def run() -> None:
            self._core.faults.silenced.discard(self._core.instrument_for(symbol).con_id)

        self._control(run)

    def omit_order_refs(self, *, executions: bool = True, orders: bool = False) -> None:
        """Leave orderRef out of execDetails (``executions``) and of openOrder/completedOrder
        (``orders``) from now on, as TWS does for orders placed elsewhere; both False: stop."""
        where = frozenset(w for w, on in (("executions", executions), ("orders", orders)) if on)

        def run() -> None:
            self._core.faults.omit_refs = where

        self._control(run)

    def hold_commissions(self) -> None:
        """Keep commission reports back from now on (live and in executions answers), in
        order, until :meth:`release_commissions`: a report that comes long after its fill."""

        def run() -> None:
            self._core.faults.hold_commissions = True

        self._control(run)

    def release_commissions(self) -> None:
        """Send every held commission report now, to its client's current session."""
        self._control(lambda: order_flow.release_commissions(self._core))

    @property
    def held_commissions(self) -> int:
        """Commission reports held now."""
        return self._call(lambda: len(self._core.faults.held_commissions))

    def hold_replies(self) -> None:
        """Hold every message to every session from now on: queued in order, not written,
        until :meth:`release_replies` (a TWS that is slow to answer, for as long as a test
        needs; messages to a connection that drops meanwhile are lost, as with TWS)."""

        def run() -> None:
            self._core.faults.holding = True

        self._control(run)

    def release_replies(self) -> None:
        """Stop holding: write every held message, in order, and answer at once again."""

        def run() -> None:
            self._core.faults.holding = False
            for conn in self._core.connections.values():
                conn.release()

        self._control(run)

    @property
    def held_replies(self) -> int:
        """Messages held now (all sessions)."""
        return self._call(lambda: sum(c.held_messages for c in self._core.connections.values()))

    def stall(self, seconds: float) -> None:
        """Block the gateway's loop for ``seconds`` (a busy TWS): what clients send meanwhile
        waits in the socket and is stamped together when the gateway reads it. For benchmarks;
        returns at once."""
        assert self._loop is not None
        self._loop.call_soon_threadsafe(time.sleep, seconds)

    def repeat_messages(self, *kinds: Repeat) -> None:
        """Send each message of these kinds twice from now on, as TWS does (see
        :data:`~tests.ib.gateway.faults.Repeat`); no kinds: send everything once again."""
        unknown = set(kinds) - REPEATS
        if unknown:
            raise ValueError(f"unknown repeat kinds {sorted(unknown)}; known: {sorted(REPEATS)}")

        def run() -> None:
            self._core.faults.repeats = frozenset(kinds)

        self._control(run)

    def refuse_connections(
        self, refuse: bool = True, mode: Literal["stop", "close"] = "stop"
    ) -> None:
        """Refuse new connections: ``stop`` closes the listener (connection refused), ``close``
        accepts then closes at once. Existing sessions are not touched."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._refuse(refuse, mode), self._loop).result(
            CALL_TIMEOUT
        )
        self._changed()

    async def _refuse(self, refuse: bool, mode: str) -> None:
        faults = self._core.faults
        if refuse and mode == "stop":
            self._listener.stop_listening()
            faults.refuse = False
            return
        faults.refuse = refuse
        faults.refuse_mode = mode
        if not refuse and not self._listener.listening:
            await self._listener.listen()
