"""Who listens to what: every core event handler, session signal slot and refresh flush a widget
holds, kept per owner widget and released together when it closes or is destroyed.

A pane that is closed (or destroyed with its dock) must not be reached by the core any more:
eventkit keeps a bound method's object alive as a Python wrapper after Qt deleted the widget, and
calling it then raises "Internal C++ object already deleted" at every quote. Releasing is also
guarded for calls already under way: eventkit and the refresh clock call a copy of their listener
list, so a listener released by an earlier one in the same round is still called once; its guard
(which keeps the handler's name, for error reports) then does nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

import shiboken6
from eventkit import Event
from PySide6.QtCore import QObject, SignalInstance

from widgets.refresh import RefreshClock

#: What a widget listens to: a core event (eventkit) or a Qt signal (the session's).
type Source = Event | SignalInstance


class _Hold:
    """One connection: ``undo`` removes it; ``active`` is what the guard looks at."""

    __slots__ = ("active", "undo")

    def __init__(self) -> None:
        self.active = True
        self.undo: Callable[[], None] = _nothing

    def release(self) -> None:
        if self.active:
            self.active = False
            self.undo()


class _Owner:
    __slots__ = ("holds", "released", "widget")

    def __init__(self, widget: QObject) -> None:
        self.widget = widget
        self.holds: list[_Hold] = []
        self.released = False


class Ownership:
    """The connections of every widget of one window, by owner.

    A hold without an owner lasts until :meth:`release_all` (the window closes).
    """

    def __init__(self, refresh: RefreshClock) -> None:
        self._refresh = refresh
        self._owners: dict[int, _Owner] = {}
        self._unowned: list[_Hold] = []

    def listen(
        self, source: Source, handler: Callable[..., Any], owner: QObject | None = None
    ) -> None:
        """Call ``handler`` on every emit of ``source`` until ``owner`` is released."""
        hold = _Hold()
        guarded = _guard(handler, hold)
        if isinstance(source, SignalInstance):
            source.connect(guarded)
            hold.undo = functools.partial(_disconnect_signal, source, guarded)
        else:
            source += guarded
            hold.undo = functools.partial(source.disconnect, guarded)
        self._keep(hold, owner)

    def flush(
        self,
        flush: Callable[[], None],
        owner: QObject | None = None,
        phase: int | None = None,
        every: int = 1,
    ) -> None:
        """Call ``flush`` on every refresh (in ``phase``, every ``every``-th: see RefreshClock)
        until ``owner`` is released."""
        hold = _Hold()
        guarded = _guard(flush, hold)
        self._refresh.register(guarded, phase, every)
        hold.undo = functools.partial(self._refresh.unregister, guarded)
        self._keep(hold, owner)

    def release(self, owner: QObject) -> None:
        """Drop every connection of ``owner`` and of the widgets inside it; mark them released."""
        self._record(owner).released = True
        for record in list(self._owners.values()):
            if _inside(record.widget, owner):
                record.released = True
                _release(record.holds)

    def release_all(self) -> None:
        """Drop every connection (the window is closing)."""
        for record in self._owners.values():
            record.released = True
            _release(record.holds)
        _release(self._unowned)

    def alive(self, owner: QObject) -> bool:
        """Whether ``owner`` still exists and neither it nor a widget around it was released:
        what a coroutine checks after an ``await`` before it touches the widget."""
        node: QObject | None = owner
        while node is not None:
            if not shiboken6.isValid(node):
                return False
            record = self._owners.get(id(node))
            if record is not None and record.released:
                return False
            node = node.parent()
        return True

    def holds(self, owner: QObject) -> int:
        """How many connections ``owner`` itself still holds (for tests and diagnostics)."""
        record = self._owners.get(id(owner))
        return 0 if record is None else sum(h.active for h in record.holds)

    def _keep(self, hold: _Hold, owner: QObject | None) -> None:
        if owner is None:
            self._unowned.append(hold)
            return
        record = self._record(owner)
        if record.released:  # subscribing after close: nothing will ever release it
            hold.release()
            return
        record.holds.append(hold)

    def _record(self, owner: QObject) -> _Owner:
        key = id(owner)
        record = self._owners.get(key)
        if record is None:
            record = self._owners[key] = _Owner(owner)
            # The slot holds the key, not the widget: the dying widget is not touched.
            owner.destroyed.connect(functools.partial(self._destroyed, key))
        return record

    def _destroyed(self, key: int, *_args: object) -> None:
        record = self._owners.pop(key, None)
        if record is not None:
            _release(record.holds)


def _guard(handler: Callable[..., Any], hold: _Hold) -> Callable[..., Any]:
    @functools.wraps(handler)
    def guarded(*args: Any) -> Any:
        if hold.active:
            return handler(*args)
        return None

    return guarded


def _release(holds: list[_Hold]) -> None:
    for hold in holds:
        hold.release()
    holds.clear()


def _inside(widget: QObject, ancestor: QObject) -> bool:
    node: QObject | None = widget
    while node is not None and shiboken6.isValid(node):
        if node is ancestor:
            return True
        node = node.parent()
    return False


def _disconnect_signal(signal: SignalInstance, slot: Callable[..., Any]) -> None:
    # The session (the signal's sender) may already be gone at window teardown.
    with contextlib.suppress(RuntimeError, TypeError):
        signal.disconnect(slot)


def _nothing() -> None:
    pass
