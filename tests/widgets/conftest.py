"""Fixtures for the window's tests: a qasync loop inside pytest-qt, the real core on the
simulated exchange with a virtual clock, and the real window.

The loop is built with ``already_running=True`` so pytest-qt's waits (which spin Qt) also run
asyncio's callbacks. Teardown never calls ``loop.stop()``: that sets Qt's "quit now" flag and every
later wait would return at once. Coroutines are driven from test code with :meth:`Harness.run`;
never call ``qtbot.wait*`` from inside a coroutine.

Every Qt object a test makes is destroyed at its teardown, on the GUI thread: the loop's timer
objects (:func:`widgets.event_loop.dispose_loop`), the widgets pytest-qt closed, the session and
its refresh clock. None is left for the garbage collector, which may run on the database
writer's thread, where destroying a QObject crashes the process later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import StartReport, TradingApp
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import ManualClock
from terminal.settings import Settings
from widgets.event_loop import dispose_loop
from widgets.main_window import MainWindow
from widgets.refresh import RefreshClock
from widgets.session import Session
from widgets.theme import DARK, apply_theme

WATCHLIST = ("AAPL", "MSFT", "SPY")


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    for _ in range(5):  # let cancellations run
        qapp.processEvents()
    qapp.aboutToQuit.disconnect(loop._after_run_forever)  # type: ignore[attr-defined]
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]  # without stop()
    loop._after_run_forever()  # type: ignore[attr-defined]
    asyncio.events._set_running_loop(None)
    dispose_loop(loop)
    asyncio.set_event_loop(None)


def delete_qt_objects(*objects: object) -> None:
    """Destroy, now and on this thread, the widgets whose ``deleteLater`` is pending (pytest-qt
    closes the test's widgets that way before fixtures tear down) and then ``objects``."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for qobject in objects:
        if isinstance(qobject, QObject) and shiboken6.isValid(qobject):
            shiboken6.delete(qobject)


@dataclass
class Harness:
    """The real core on the simulator, a virtual clock, and ways to drive both from a test."""

    qtbot: QtBot
    app: TradingApp
    broker: SimBroker
    clock: ManualClock
    session: Session
    report: StartReport | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: int = 10_000) -> Any:
        """Run ``coro`` on the loop until done (Qt keeps spinning) and return its result."""
        task = asyncio.ensure_future(coro)
        self.qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    def step(self, count: int = 1, seconds: float = 0.5) -> None:
        """Advance the market ``count`` steps of ``seconds`` virtual time, then flush the views."""
        for _ in range(count):
            self.clock.advance(seconds)
            self.broker.step()
        QApplication.processEvents()
        self.session.refresh.flush_now()

    def commit(self) -> None:
        """Wait until every write queued so far is committed and its outcome delivered on the
        loop (audit records are numbered at the commit; ``recorded`` fires after it)."""
        done: list[object] = []
        self.app.writer.submit(lambda _s: None, "test: commit marker", done.append)
        self.qtbot.waitUntil(lambda: bool(done))  # the writer and the loop are both FIFO

    def until(self, predicate: Callable[[], bool], timeout: int = 10_000) -> None:
        """Step the market (and spin the loop) until ``predicate()`` holds."""

        def check() -> bool:
            self.step()
            return predicate()

        self.qtbot.waitUntil(check, timeout=timeout)

    def start(self) -> StartReport:
        """Start the core and wait until its startup writes (``session_start``, …) are delivered,
        so a test that listens to ``audit.recorded`` afterwards hears only its own records."""
        self.report = self.run(self.app.start())
        self.step()
        self.commit()
        return self.report


def sim_settings() -> Settings:
    from dataclasses import replace

    settings = Settings()
    return replace(settings, ui=replace(settings.ui, watchlist=WATCHLIST))


def build_harness(qtbot: QtBot, db_path: Path, settings: Settings | None = None) -> Harness:
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=3)
    app = TradingApp.open(settings or sim_settings(), f"sqlite:///{db_path}", broker, clock)
    app.actor = app.orders.actor = "tester"
    app.restore()
    session = Session(app, RefreshClock(), DARK)
    return Harness(qtbot, app, broker, clock, session)


@pytest.fixture
def harness(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, qapp: QApplication, tmp_path: Path
) -> Iterator[Harness]:
    """The core on the simulator, started, with the watchlist subscribed (no window)."""
    apply_theme(qapp, "dark")
    h = build_harness(qtbot, tmp_path / "terminal.db")
    h.start()
    yield h
    for close in reversed(h.closers):
        close()
    h.session.detach()
    h.run(h.app.stop())
    delete_qt_objects(h.session)


@pytest.fixture
def window(harness: Harness) -> Iterator[MainWindow]:
    """The real main window on the started core, shown offscreen."""
    win = MainWindow(harness.session)
    harness.qtbot.addWidget(win)
    win.show()
    assert harness.report is not None
    win.on_started(harness.report)
    harness.step()
    harness.closers.append(win.close_now)
    yield win
