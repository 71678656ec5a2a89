"""The base class of every pane: built from the Session, shown in a dock by the main window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from widgets.ownership import Source
from widgets.session import Session


class Pane(QWidget):
    """A dockable pane. ``pane_id`` names it in the saved layout; ``title`` is its dock title.

    A pane listens through its own :meth:`subscribe` / :meth:`register_flush` and runs UI actions
    through :meth:`run`, so it owns all of it: closing the pane (:meth:`close`) or destroying it
    releases its core event handlers, session signal slots and refresh flush, and those of the
    widgets inside it; a coroutine's completion no longer reaches it. Hiding its dock (the
    dock's close button, the View menu) is not closing: the trader can bring it back live.
    Widgets inside a pane pass ``owner=self`` to the session's methods of the same names.
    """

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(f"pane_{self.pane_id}")

    def subscribe(self, source: Source, handler: Callable[..., Any]) -> None:
        """Call ``handler`` on ``source`` (a core event or session signal) while the pane lives."""
        self.session.subscribe(source, handler, owner=self)

    def register_flush(self, flush: Callable[[], None]) -> None:
        """Call ``flush`` on every refresh while the pane lives."""
        self.session.register_flush(flush, owner=self)

    def run(
        self,
        coro: Coroutine[Any, Any, Any],
        what: str,
        on_done: Callable[[Any], None] | None = None,
    ) -> asyncio.Task[Any]:
        """Run a UI action (see :meth:`Session.run`); ``on_done`` only if the pane still lives."""
        return self.session.run(coro, what, on_done, owner=self)

    @property
    def alive(self) -> bool:
        """Whether the pane exists and is not closed: what a coroutine checks after ``await``."""
        return self.session.alive(self)

    def release(self) -> None:
        """Stop listening (closing does this; destroying the pane does it too)."""
        self.session.release(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)
