"""The simulated market generated in a process of its own, its path streamed over a socket.

Why: at storm rates the vectorised market step (random walk, requotes, sizes and prints over the
whole universe) costs the GUI thread as much as drawing the window does, and a real venue is
another process whose feed arrives on a socket. A thread would not help: it holds the GIL while it
runs numpy on small arrays, so it competes with the window as much as the step it replaces. Here
the child owns the random path and its clock; the parent's :class:`~.broker.SimBroker` keeps a
mirror :class:`~.market.Market`, writes each step into it (numpy fancy-index assignments) and
matches and publishes exactly as it does in-process. Orders, the account, history and option
quotes (priced only for subscribed chains) stay in the parent: they are the exchange's
bookkeeping, not its market generator, and live there deterministically for a seed.

Why ``python -m`` through :mod:`subprocess` and not :mod:`multiprocessing`: "spawn" and
"forkserver" re-import the parent's ``__main__`` in the child (the window's launcher or
``bench/gui_load.py``, which import Qt), and "fork" copies a process with Qt loaded. An exec'd
module imports only numpy and the simulator.

Lifetime: the child exits when its socket to the parent reaches end of file, whether the parent
closed it (:meth:`MarketProcess.close`) or died (the kernel closes its descriptors), so it can
never outlive the terminal. The parent learns of the child's end the same way and reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator

from terminal.broker.sim import market_wire as wire
from terminal.broker.sim.market import Market, StepResult

log = logging.getLogger(__name__)

#: Socket buffer asked for each way (the kernel may grant less): a few steps of a storm.
SOCKET_BUFFER = 4 << 20
#: Bytes read per ``recv`` call.
READ_SIZE = 1 << 20
#: Reads per loop turn at most (64 MiB: hundreds of storm steps), so a turn always ends.
_READS_PER_TURN = 64
#: What the child runs (a module the package does not import, so ``-m`` runs it cleanly).
CHILD_MODULE = "terminal.broker.sim.market_child"


class MarketProcess:
    """The parent's end of the market process: start it, steer it, read its steps, reap it.

    Args:
        market: The mirror; the child starts from a copy of its state (and random generator).
        tick_interval: Seconds between the child's steps on its own (wall) clock.
        steps_on_command: Test hook: the child steps only when :meth:`step_now` asks, by the
            ``dt`` given, so a test compares the streamed path with the in-process one.
    """

    def __init__(self, market: Market, tick_interval: float, *, steps_on_command: bool) -> None:
        self.market = market
        self.tick_interval = tick_interval
        self.steps_on_command = steps_on_command
        self.process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._reader = wire.FrameReader()
        self._on_steps: Callable[[Iterator[StepResult]], None] | None = None
        self._on_lost: Callable[[str], None] | None = None
        #: Step frames received, and how many of them arrived behind another one and were
        #: published with it in one batch (the loop was busy: conflated, never queued).
        self.frames = 0
        self.conflated = 0
        #: Set once the child runs and has its start frame: it streams (and takes commands).
        self.ready = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def open(
        self, on_steps: Callable[[Iterator[StepResult]], None], on_lost: Callable[[str], None]
    ) -> None:
        """Start the child and stream: ``on_steps`` gets, once per loop turn, the steps that
        arrived; each is written into the mirror as the iteration reaches it, so whatever runs
        between two (matching) sees the market as it stood at that step. ``on_lost`` gets the
        reason, once, if the child or the socket goes away."""
        parent, child = socket.socketpair()
        for end in (parent, child):
            with contextlib.suppress(OSError):
                end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
                end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        parent.setblocking(False)
        self._sock = parent
        self._on_steps, self._on_lost = on_steps, on_lost
        try:
            self.process = _spawn(child, self.tick_interval)
        except OSError as exc:
            self._lose(f"could not start the simulated exchange's market process: {exc}")
            return
        finally:
            child.close()
        loop = asyncio.get_running_loop()
        try:
            await loop.sock_sendall(parent, wire.encode_start(self.market, self.steps_on_command))
        except OSError:
            self._lose(self._exit_reason())  # it died before it read its start
            return
        loop.add_reader(parent.fileno(), self._readable)
        self.ready.set()
        log.info("market process %d started", self.process.pid)

    def halt(self, index: int, halted: bool) -> None:
        """Tell the child to freeze (or release) an instrument."""
        self._send(wire.encode_halt(index, halted))

    def step_now(self, seconds: float, activity: float = 1.0) -> None:
        """Test hook (``steps_on_command``): ask the child for one step of ``seconds``."""
        self._send(wire.encode_step_now(seconds, activity))

    def _send(self, data: bytes) -> None:
        if self._sock is None:
            return
        try:
            sent = self._sock.send(data)  # a few bytes: the child drains its socket every turn
        except (BrokenPipeError, ConnectionResetError):
            self._lose(self._exit_reason())  # it died (unread bytes turn its end into a reset)
            return
        except OSError as exc:
            self._lose(f"the market process's socket failed: {exc}")
            return
        if sent != len(data):
            self._lose("the market process stopped reading its socket")

    def _readable(self) -> None:
        sock = self._sock
        assert sock is not None
        bodies: list[bytes] = []
        for _ in range(_READS_PER_TURN):  # everything queued now: one batch, never a backlog
            try:
                data = sock.recv(READ_SIZE)
            except BlockingIOError:
                break
            except ConnectionResetError:
                data = b""  # it died with bytes of ours unread: as good as end of file
            except OSError as exc:
                self._lose(f"the market process's socket failed: {exc}")
                return
            if not data:
                self._apply(bodies)
                self._lose(self._exit_reason())
                return
            bodies += self._reader.feed(data)
        self._apply(bodies)  # (a child outpacing even this continues on the next turn)

    def _apply(self, bodies: list[bytes]) -> None:
        steps = [b for b in bodies if b[:1] == wire.STEP]
        if not steps:
            return
        self.frames += len(steps)
        self.conflated += len(steps) - 1
        assert self._on_steps is not None
        self._on_steps(wire.apply_step(self.market, b) for b in steps)

    def _exit_reason(self) -> str:
        code = self._reap()
        how = (
            f"killed by signal {-code}"
            if code is not None and code < 0
            else f"exit code {code}"
            if code is not None
            else "still running"
        )
        return f"the simulated exchange's market process ended ({how})"

    def _lose(self, reason: str) -> None:
        on_lost = self._on_lost
        self._shut()
        self._reap()
        if on_lost is not None:
            on_lost(reason)

    def _shut(self) -> None:
        self._on_steps = self._on_lost = None
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(ValueError, RuntimeError):  # the loop may be closed
                asyncio.get_running_loop().remove_reader(sock.fileno())  # (none yet: no-op)
            sock.close()

    def _reap(self) -> int | None:
        """Wait for the child after its socket closed (it is exiting: milliseconds); kill a
        child that does not exit at once, so none outlives us."""
        proc = self.process
        if proc is None:
            return None
        try:
            return proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            log.error("market process %d did not exit: killing it", proc.pid)
            proc.kill()
            return proc.wait()

    async def close(self) -> None:
        """Close the socket (the child exits at end of file) and reap the child."""
        self._shut()
        proc = self.process
        if proc is not None and proc.poll() is None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._reap)
        if proc is not None:
            log.info("market process %d stopped (exit code %s)", proc.pid, proc.returncode)


def _spawn(child: socket.socket, tick_interval: float) -> subprocess.Popen[bytes]:
    """Start the child on its end of the socket. Exec'd at once (no Python runs between fork
    and exec), so it is safe with Qt loaded; quick enough for the loop (no waiting on it)."""
    return subprocess.Popen(
        [sys.executable, "-m", CHILD_MODULE, str(child.fileno()), str(tick_interval)],
        pass_fds=(child.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # it prints nothing; errors go to the terminal's stderr
        # Its own session: Ctrl+C at the shell goes to the terminal's process group, not to
        # it; the terminal shuts down in order, and closing the socket ends the child.
        start_new_session=True,
    )
