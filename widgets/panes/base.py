"""The base class of every pane: built from the Session, shown in a dock by the main window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QWidget

from widgets.ownership import Source
from widgets.session import Session


class Pane(QWidget):
    """A dockable pane. ``pane_id`` names it in the saved layout; ``title`` is its dock title.

    A pane listens through its own :meth:`subscribe` / :meth:`register_flush` and runs UI actions
    through :meth:`run`, so it owns all of it: closing the pane (:meth:`close`) or destroying it
    releases its core event handlers, session signal slots and refresh flush, and those of the
    widgets inside it; a coroutine's completion no longer reaches it. Hiding its dock (the
    dock's close button, the View menu) is not closing: the trader can bring it back live, and
    panes whose market data is scarce (ladder, chart, chain) release it while off screen.
    Widgets inside a pane pass ``owner=self`` to the session's methods of the same names.

    :attr:`on_screen` says whether the trader can see the pane: in a dock, whether the dock is
    shown with its tab in front (Qt keeps a dock behind another tab "visible", so
    ``isVisible()`` cannot tell); outside a dock, whether it is shown. A change calls
    :meth:`on_screen_changed`.
    """

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(f"pane_{self.pane_id}")
        self._docked = False
        self._dock_visible = False
        self._reported_on_screen = False

    # -- on screen or not --------------------------------------------------------------------
    def attach_dock(self, dock: QDockWidget) -> None:
        """Follow ``dock``'s visibility (shown, closed, floated, its tab raised or lowered)."""
        self._docked = True
        self._dock_visible = dock.isVisible() and not dock.visibleRegion().isEmpty()
        self.subscribe(dock.visibilityChanged, self._on_dock_visibility)
        self._check_on_screen()

    @property
    def on_screen(self) -> bool:
        """Whether the trader can see this pane now (see the class docstring)."""
        if not self.session.alive(self):
            return False
        if self._docked:
            return self._dock_visible
        return self.isVisible()

    def on_screen_changed(self, on_screen: bool) -> None:
        """The pane came on screen or left it (override; the base does nothing)."""

    def _on_dock_visibility(self, visible: bool) -> None:
        self._dock_visible = visible
        self._check_on_screen()

    def _check_on_screen(self) -> None:
        now = self.on_screen
        if now != self._reported_on_screen:
            self._reported_on_screen = now
            self.on_screen_changed(now)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._check_on_screen()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._check_on_screen()

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
        self._check_on_screen()  # closed: off screen for good
