"""Listener supervision: a core event handler that raises is never silent.

eventkit catches whatever a listener raises and emits it on the event's ``error_event``; when
nothing listens there, the exception is dropped without a word (aeventkit 2.1 does not even log
it). So if ``Portfolio.apply_fill`` raised, positions would silently stop matching fills. The
composition root hands every core service to :meth:`ListenerSupervisor.watch`, which listens on
the error event of each of the service's events and reports the failure, naming the handler.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

from eventkit import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListenerFailure:
    """A listener of ``event`` raised ``error``; ``handler`` names it (module.Class.method)."""

    event: str
    handler: str
    error: BaseException

    @property
    def source(self) -> str:
        return f"handler {self.handler}"

    def __str__(self) -> str:
        return f"{self.handler} failed on {self.event}: {type(self.error).__name__}: {self.error}"


def handler_name(error: BaseException) -> str:
    """Name the listener that raised ``error``, read from its traceback.

    eventkit calls each listener from its dispatch loop and catches the exception there, so the
    traceback's first frame is that loop and the second is the listener itself.
    """
    tb: TracebackType | None = error.__traceback__
    if tb is None or tb.tb_next is None:
        return "<unknown listener>"
    frame = tb.tb_next.tb_frame
    module = frame.f_globals.get("__name__", "?")
    return f"{module}.{frame.f_code.co_qualname}"


class ListenerSupervisor:
    """Report every exception a listener of a watched event raises to ``report``."""

    def __init__(self, report: Callable[[ListenerFailure], None]) -> None:
        self._report = report
        # By id, weakly: Event compares by value, and a watched event may die (a closed stream).
        self._watched: weakref.WeakValueDictionary[int, Event] = weakref.WeakValueDictionary()
        self._reporting = False

    def watch(self, *owners: object) -> None:
        """Watch every eventkit :class:`Event` held in an attribute of each of ``owners``."""
        for owner in owners:
            self.watch_events(v for v in vars(owner).values() if isinstance(v, Event))

    def watch_events(self, events: Iterable[Event]) -> None:
        """Watch each of ``events`` (watching one twice reports its failures once)."""
        for event in events:
            if id(event) in self._watched:
                continue
            if event.error_event is None:
                raise ValueError(f"event {event.name()!r} has no error event to watch")
            # A strong reference: a supervisor must not stop reporting because it was dropped.
            event.error_event.connect(self._on_error, keep_ref=True)
            self._watched[id(event)] = event

    def watches(self, event: Event) -> bool:
        return self._watched.get(id(event)) is event

    def _on_error(self, event: Event, error: BaseException) -> None:
        failure = ListenerFailure(event.name(), handler_name(error), error)
        if self._reporting:
            # A listener of the report itself failed (say, the alerts pane's handler of the
            # alert being raised): log it, but do not report again, or the two would loop.
            log.error("%s (while reporting another failure)", failure, exc_info=error)
            return
        self._reporting = True
        try:
            self._report(failure)
        except Exception:
            log.exception("could not report a listener failure: %s", failure)
        finally:
            self._reporting = False
