"""No QObject is destroyed off the GUI thread: the qasync loop's Qt objects are disposed of on it,
and Python's cyclic garbage collector runs only there while the window runs.

The crash these guard against is real and was seen in the suite: a closed qasync loop's timer
object, collected by the garbage collector on the database writer's thread, left its Qt timers
registered with the GUI thread, whose next ``processEvents`` delivered a timer event to freed
memory (SIGSEGV in ``QTimerInfoList::activateTimers``). The crash scenarios run in a child
process, so that a regression fails the test instead of killing the suite.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import weakref
from pathlib import Path

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from widgets import event_loop
from widgets.event_loop import dispose_loop, loop_qobjects
from widgets.gui_gc import GuiThreadCollector

ROOT = Path(__file__).resolve().parents[2]

#: Shared by the child processes: a QApplication, a worker thread that runs a collection (what
#: Python does on whichever thread allocates when a threshold is crossed), and one that allocates
#: enough cyclic garbage to cross the thresholds many times while the GUI thread waits for it.
PRELUDE = """
import asyncio, gc, sys, threading, time
from PySide6.QtWidgets import QApplication
import qasync
app = QApplication([])

def on_a_worker_thread(work):
    worker = threading.Thread(target=work, name="database-writer")
    worker.start()
    worker.join()

def churn():
    for _ in range(200_000):
        cycle = []
        cycle.append(cycle)

def spin(seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
"""


def run_child(body: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6"}
    code = PRELUDE + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_disposed_loop_leaves_no_qt_timer_behind_for_another_thread_to_destroy() -> None:
    result = run_child(
        """
        from widgets.event_loop import dispose_loop
        gc.disable()  # the loop's garbage waits for the worker's collection below
        loop = qasync.QEventLoop(app)
        async def scenario():
            # As asyncio.wait_for(..., 10) in a test: the timeout's Qt timer outlives the loop.
            await asyncio.wait_for(asyncio.sleep(0), 0.5)
        loop.run_until_complete(scenario())
        dispose_loop(loop)
        asyncio.set_event_loop(None)
        del loop
        on_a_worker_thread(gc.collect)  # the loop dies here, off the GUI thread
        spin(1.0)  # past the timeout: a timer left registered now fires into freed memory
        print("survived")
        """
    )
    assert (result.returncode, result.stdout.strip()) == (0, "survived"), result.stderr
    assert "Timers cannot be stopped from another thread" not in result.stderr


def test_with_the_collector_installed_a_worker_thread_never_destroys_a_qobject() -> None:
    result = run_child(
        """
        from PySide6.QtCore import QTimer
        from widgets.gui_gc import GuiThreadCollector
        collector = GuiThreadCollector(parent=app)
        def make_garbage():
            timer = QTimer()  # no parent: Python owns it
            timer.start(200)
            cycle = [timer]
            cycle.append(cycle)  # only the cyclic collector can free it
        gc.collect()
        make_garbage()
        on_a_worker_thread(churn)  # automatic collection would run (and destroy the timer) here
        spin(1.0)  # the timer fires (if it was destroyed on the worker: into freed memory)
        assert collector.collections > 0
        print("survived")
        """
    )
    assert (result.returncode, result.stdout.strip()) == (0, "survived"), result.stderr
    assert "Timers cannot be stopped from another thread" not in result.stderr


def test_garbage_is_collected_on_the_gui_thread_while_a_worker_allocates(
    qapp: QApplication, qtbot: QtBot
) -> None:
    was_enabled = gc.isenabled()
    gc.enable()  # as before the window starts
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        freed_on: list[str] = []

        def make_garbage() -> None:
            holder = QObject()
            cycle: list[object] = [holder]
            cycle.append(cycle)
            weakref.finalize(holder, lambda: freed_on.append(threading.current_thread().name))

        gc.collect()
        make_garbage()

        def churn() -> None:
            for _ in range(100_000):
                cycle: list[object] = []
                cycle.append(cycle)

        worker = threading.Thread(target=churn, name="database-writer")
        worker.start()
        worker.join()
        assert freed_on == []  # the worker crossed every threshold and collected nothing
        qtbot.waitUntil(lambda: freed_on != [])
        assert freed_on == ["MainThread"]
    finally:
        collector.stop()
        shiboken6.delete(collector)
        if not was_enabled:
            gc.disable()


def test_stopping_the_collector_gives_collection_back_to_the_interpreter(
    qapp: QApplication,
) -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        collector = GuiThreadCollector()
        assert not gc.isenabled()
        collector.stop()
        assert gc.isenabled()
        gc.disable()
        shiboken6.delete(collector)  # a stopped collector gave collection back once only
        assert not gc.isenabled()
        gc.enable()
        destroyed_without_stop = GuiThreadCollector()
        assert not gc.isenabled()
        shiboken6.delete(destroyed_without_stop)
        assert gc.isenabled()
    finally:
        if not was_enabled:
            gc.disable()


def test_dispose_destroys_the_loops_qt_objects_at_once(qapp: QApplication) -> None:
    loop = qasync.QEventLoop(qapp)
    try:
        loop.run_until_complete(asyncio.wait_for(asyncio.sleep(0), 5))
    finally:
        owned = loop_qobjects(loop)
        dispose_loop(loop)
        asyncio.set_event_loop(None)
    assert len(owned) == 2  # the timer object and the call_soon_threadsafe signaller
    assert not any(shiboken6.isValid(o) for o in owned)
    assert loop.is_closed()
    assert loop_qobjects(loop) == []
    dispose_loop(loop)  # twice is harmless


def test_the_launchers_loop_runs_the_coroutine_and_is_disposed_of_afterwards(
    qapp: QApplication,
) -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def main() -> str:
        seen.append(asyncio.get_running_loop())
        await asyncio.sleep(0.01)
        return "done"

    assert event_loop.run(main()) == "done"
    (loop,) = seen
    assert loop.is_closed()
    assert loop_qobjects(loop) == []
    asyncio.set_event_loop(None)


class FakeGC:
    """Stands in for the ``gc`` module: counts, generation sizes, and the collections asked for."""

    def __init__(self, old_generation: int) -> None:
        self.count = (0, 0, 0)
        self.sizes = [0, 0, old_generation]
        self.collected: list[int] = []
        self.enabled = True

    def get_count(self) -> tuple[int, int, int]:
        return self.count

    def get_threshold(self) -> tuple[int, int, int]:
        return (700, 10, 10)

    def get_objects(self, generation: int) -> list[None]:
        return [None] * self.sizes[generation]

    def collect(self, generation: int) -> int:
        self.collected.append(generation)
        survivors = sum(self.sizes[: generation + 1])
        self.sizes[: generation + 1] = [0] * (generation + 1)
        self.sizes[min(generation + 1, 2)] += survivors
        return 0

    def isenabled(self) -> bool:
        return self.enabled

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


def test_the_collector_picks_the_generation_as_the_interpreter_does(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeGC(old_generation=1000)
    monkeypatch.setattr("widgets.gui_gc.gc", fake)
    collector = GuiThreadCollector()
    try:
        fake.count = (700, 20, 20)  # generation 0 not past its threshold: nothing is due
        assert collector.collect_due() == 0 and fake.collected == []
        fake.count = (701, 3, 0)
        collector.collect_due()  # generation 0 is due
        fake.count, fake.sizes[:2] = (701, 11, 11), [100, 100]
        collector.collect_due()  # 2 is over its count but nothing moved up yet: 1 instead
        fake.sizes[:2] = [50, 50]
        collector.collect_due()  # 200 moved up: 20% of the old generation, still 1
        collector.collect_due()  # 300 moved up: 30%, more than a quarter: a full collection
        collector.collect_due()  # right after a full collection nothing has moved up: 1
        assert fake.collected == [0, 1, 1, 2, 1]
    finally:
        collector.stop()
        shiboken6.delete(collector)
