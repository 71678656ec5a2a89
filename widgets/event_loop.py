"""The window's asyncio loop (qasync), run to completion and then taken apart on the GUI thread.

WORKAROUND(https://github.com/CabbageDevelopment/qasync/issues/73): a qasync loop owns QObjects
without a parent: the ``_SimpleTimer`` that carries every ``call_soon``/``call_later`` as a Qt
timer, and the signaller behind ``call_soon_threadsafe``. ``close()`` leaves both alive. A
cancelled ``call_later`` keeps its Qt timer until the delay passes (``asyncio.wait_for(x, 10)``
leaves a 10 s timer behind), and the loop sits in reference cycles, so these objects die whenever
Python's cyclic garbage collector next runs, on whichever thread happens to allocate at that moment
(the database writer, an executor thread). On that thread ``~QObject`` cannot unregister the
timers ("QObject::~QObject: Timers cannot be stopped from another thread"), and the GUI thread's
next ``processEvents`` delivers the timer event to freed memory: a segfault in
``QTimerInfoList::activateTimers`` → ``QCoreApplication::notifyInternal2``.
:func:`dispose_loop` destroys those objects at once, on the thread they belong to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import qasync  # after PySide6, so qasync binds to it
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication


def loop_qobjects(loop: asyncio.AbstractEventLoop) -> list[QObject]:
    """Return the QObjects a qasync loop owns and ``close()`` leaves alive (none for others)."""
    owned = (
        getattr(loop, "_timer", None),  # every call_soon / call_later, as Qt timers
        getattr(loop, "_QEventLoop__call_soon_signaller", None),  # call_soon_threadsafe
    )
    return [o for o in owned if isinstance(o, QObject) and shiboken6.isValid(o)]


def dispose_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close ``loop`` (not running) and destroy its QObjects now, on this, the GUI thread.

    Destroying them on their own thread unregisters every Qt timer they still hold, so nothing
    is left for the garbage collector to destroy later from another thread. Idempotent.
    """
    if loop.is_running():
        raise RuntimeError("cannot dispose of a running event loop")
    loop.close()
    for qobject in loop_qobjects(loop):
        shiboken6.delete(qobject)


def run[T](main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on a new qasync loop over the existing QApplication, like ``qasync.run``,
    then dispose of the loop on this thread (see the module docstring)."""
    app = QApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before running the loop")
    loop = qasync.QEventLoop(app)
    try:
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            return runner.run(main)
    finally:
        dispose_loop(loop)
