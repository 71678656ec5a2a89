"""The market process's side (run by :class:`~.market_process.MarketProcess`, not imported).

It owns the random path: it steps its copy of the market every tick interval on its own clock
(or, for tests, when told to) and writes each step to the socket as one binary frame. It exits
when the socket reaches end of file: the parent closed it or died.
"""

from __future__ import annotations

import datetime as dt
import selectors
import signal
import socket
import sys
import time

from terminal.broker.sim import market_wire as wire
from terminal.broker.sim.market_process import READ_SIZE
from terminal.broker.sim.sessions import SessionCalendar


def serve(sock: socket.socket, tick_interval: float) -> None:
    """Generate the market on this process's clock and stream each step until end of file."""
    reader = wire.FrameReader()
    sock.setblocking(True)
    start: list[bytes] = []
    while not start:
        data = sock.recv(READ_SIZE)
        if not data:
            return
        start = reader.feed(data)
    market, steps_on_command = wire.decode_start(start[0])
    calendar = SessionCalendar(market.config)
    pending = start[1:]
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ)
    last = time.monotonic()
    due = last + tick_interval
    while True:
        for body in pending:
            kind = body[:1]
            if kind == wire.HALT:
                index, halted = wire.decode_halt(body)
                market.halted[index] = halted
            elif kind == wire.STEP_NOW:
                seconds, activity = wire.decode_step_now(body)
                sock.sendall(wire.encode_step(market, market.step(seconds, activity)))
        pending = []
        timeout = None if steps_on_command else max(0.0, due - time.monotonic())
        if selector.select(timeout):
            data = sock.recv(READ_SIZE)
            if not data:
                return  # the parent closed its end or died
            pending = reader.feed(data)
            continue
        now = time.monotonic()
        seconds, last = min(now - last, 60.0), now
        due = max(due + tick_interval, now)  # a late step is not followed by a burst
        phase = calendar.phase(dt.datetime.now(dt.UTC))
        if phase.is_open and seconds > 0:
            # Blocks when the parent lags a socket buffer behind: the next step then covers the
            # longer interval, so the market keeps wall time and the parent never queues more.
            sock.sendall(wire.encode_step(market, market.step(seconds, phase.activity)))


def main(argv: list[str]) -> int:
    """``python -m terminal.broker.sim.market_process FD TICK_INTERVAL`` (started by the parent)."""
    # A service manager's SIGTERM reaches every process of the service (and Ctrl+C would, were
    # this not in a session of its own): the terminal shuts down in order and closes the socket,
    # which ends this process. Dying first would show a lost connection while it is stopping.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(argv[0]))
    try:
        serve(sock, float(argv[1]))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent went away mid-write
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
