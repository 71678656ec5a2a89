"""The listening socket and one task per connection: handshake, framing, dispatch to the core.

A malformed frame closes that connection (logged), never the gateway. Refusal comes in two
forms: not listening at all (connection refused) or accepting then closing at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import struct

from .connection import Connection
from .core import GatewayCore
from .history import TWS_TZ
from .wire import (
    GREETING,
    SERVER_VERSION,
    FrameBuffer,
    MalformedFrame,
    parse_version_range,
    split_body,
)

log = logging.getLogger(__name__)
READ_SIZE = 65536


class Listener:
    """Accepts clients on ``host:port`` and feeds their frames to the core."""

    def __init__(self, core: GatewayCore, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._core = core
        self._server: asyncio.Server | None = None
        self._conn_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def listening(self) -> bool:
        """True while the listening socket is open."""
        return self._server is not None

    async def listen(self) -> None:
        """Open the listening socket (port 0 picks a free one; later calls reuse it)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop_listening(self) -> None:
        """Close the listening socket; sessions already up stay up."""
        # close() releases the port at once; wait_closed() would also wait for the sessions.
        if self._server is not None:
            self._server.close()
            self._server = None

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        self.stop_listening()
        for conn in list(self._core.connections.values()):
            conn.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        core = self._core
        conn = Connection(next(self._conn_ids), writer, core.faults)
        try:
            if core.faults.refuse:
                log.info("refusing connection %s (accept-then-close)", conn.conn_id)
                return
            core.total_connections += 1
            await self._handshake(reader, conn)
            core.register(conn)
            buffer = FrameBuffer()
            while not conn.closed:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                self._dispatch(conn, buffer.feed(data))
        except MalformedFrame as exc:
            log.warning("closing connection %s: %s", conn.conn_id, exc)
        except (ConnectionError, asyncio.IncompleteReadError):
            log.debug("connection %s lost", conn.conn_id)
        except asyncio.CancelledError:
            # WORKAROUND(https://github.com/python/cpython/issues/113538): before 3.12.2 asyncio's
            # stream callback calls exception() on a cancelled handler task and logs the
            # CancelledError as an error. The gateway cancels handlers only when it closes, so
            # ending the handler normally here loses nothing.
            log.debug("connection %s closed with the gateway", conn.conn_id)
        except Exception as exc:  # a gateway bug: drop this connection, report it at exit
            log.exception("connection %s failed", conn.conn_id)
            core.internal_errors.append(f"connection {conn.conn_id}: {exc!r}")
        finally:
            self._tasks.discard(task)
            core.unregister(conn)
            if not conn.closed:
                conn.abort()

    def _dispatch(self, conn: Connection, bodies: list[bytes]) -> None:
        for body in bodies:
            if conn.closed:
                return
            self._core.handle(conn, split_body(body))

    async def _handshake(self, reader: asyncio.StreamReader, conn: Connection) -> None:
        greeting = await reader.readexactly(len(GREETING))
        if greeting != GREETING:
            raise MalformedFrame(f"expected the API greeting, got {greeting!r}")
        (length,) = struct.unpack(">I", await reader.readexactly(4))
        if not 0 < length <= 256:
            raise MalformedFrame(f"version announcement of {length} bytes")
        low, high = parse_version_range(await reader.readexactly(length))
        if not low <= SERVER_VERSION <= high:
            raise MalformedFrame(f"client versions v{low}..{high} exclude {SERVER_VERSION}")
        stamp = dt.datetime.now(TWS_TZ).strftime("%Y%m%d %H:%M:%S %Z")
        conn.send([SERVER_VERSION, stamp])
