"""The base class of every pane: built from the Session, shown in a dock by the main window."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMenu, QToolButton, QWidget

from terminal.domain import Instrument
from widgets.link_groups import GROUPS, MAIN, SWATCHES, UNLINKED
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

    Link groups (:mod:`widgets.link_groups`): a pane that shows one instrument calls
    :meth:`follow_link` with the method that shows it, and puts :meth:`link_button` in its
    toolbar; it then follows the instrument of its group (the main group until the trader picks
    a colour), or keeps its own when unlinked.

    ``pane_id`` is the kind's id (``"chart"``) for the first pane of a kind; the window gives
    further instances their own (``"chart-2"``, :meth:`assign_id`).
    """

    pane_id: str = ""
    title: ClassVar[str] = ""
    #: The refresh phase the pane's flushes run in (None: shared, spread as they register; see
    #: :class:`~widgets.refresh.RefreshClock`).
    refresh_phase: ClassVar[int | None] = None
    #: The pane's flushes run on every Nth refresh (see Pacing in :mod:`widgets.refresh`).
    refresh_every: ClassVar[int] = 1

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(f"pane_{self.pane_id}")
        self._docked = False
        self._dock_visible = False
        self._reported_on_screen = False
        self._link_show: Callable[[Instrument], None] | None = None
        self._link_button: QToolButton | None = None
        self._dock: QDockWidget | None = None
        #: The instrument the link last gave this pane (what a workspace saves for it).
        self.linked_instrument: Instrument | None = None

    def assign_id(self, pane_id: str) -> None:
        """Name this instance ``pane_id`` (another chart, ladder, … than the first)."""
        self.pane_id = pane_id
        self.setObjectName(f"pane_{pane_id}")

    # -- link groups -------------------------------------------------------------------------
    @property
    def link_group(self) -> str:
        return self.session.links.group_of(self.pane_id)

    @property
    def linkable(self) -> bool:
        """Whether this pane follows a link group (it shows one instrument)."""
        return self._link_show is not None

    def follow_link(self, show: Callable[[Instrument], None]) -> None:
        """Show each instrument this pane's link group selects with ``show`` (and the group's
        instrument now, if it has one)."""
        self._link_show = show
        self.subscribe(self.session.link_selected, self._on_link_selected)
        current = self.session.group_instrument(self.link_group)
        if current is not None:
            self.show_linked(current)

    def set_link_group(self, group: str) -> None:
        """Join ``group``: show its instrument at once (unlinked: keep the one shown)."""
        current = self.session.links.join(self.pane_id, group)
        self._update_link_marks()
        if current is not None:
            self.show_linked(current)

    def select_instrument(self, instrument: Instrument) -> None:
        """The trader chose ``instrument`` in this pane: its whole group shows it (unlinked: only
        this pane)."""
        group = self.link_group
        if group == UNLINKED:
            self.show_linked(instrument)
        self.session.set_active(instrument, group)

    def _on_link_selected(self, group: str, instrument: Instrument) -> None:
        if group == self.link_group and group != UNLINKED:
            self.show_linked(instrument)

    def show_linked(self, instrument: Instrument) -> None:
        """Show ``instrument`` as the link would (a workspace restoring an unlinked pane)."""
        self.linked_instrument = instrument
        if self._link_show is not None:
            self._link_show(instrument)

    def link_button(self) -> QToolButton:
        """A small button showing the pane's link colour, its menu choosing another."""
        if self._link_button is None:
            button = QToolButton(self)
            button.setObjectName("link_button")
            button.setAutoRaise(True)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(button)
            for group in GROUPS:
                action = menu.addAction(link_label(group))
                action.setObjectName(f"link_{group}")
                action.triggered.connect(lambda _c=False, g=group: self.set_link_group(g))
            button.setMenu(menu)
            self._link_button = button
            self._update_link_marks()
        return self._link_button

    def _update_link_marks(self) -> None:
        group = self.link_group
        if self._link_button is not None:
            colour = SWATCHES[group]
            self._link_button.setText("●" if colour else "○")
            self._link_button.setStyleSheet(f"color: {colour};" if colour else "")
            self._link_button.setToolTip(f"Link group: {link_label(group)}")
        if self._dock is not None:
            self._dock.setWindowTitle(self.dock_title())

    def dock_title(self) -> str:
        """The dock's title: the kind, the instance number, the link colour when not main."""
        number = self.pane_id.rpartition("-")[2] if "-" in self.pane_id else ""
        kind = self.kind_name()
        title = f"{kind} {number}" if number else kind
        group = self.link_group
        return title if group == MAIN else f"{title} [{link_label(group)}]"

    def kind_name(self) -> str:
        """The kind's name in the dock title (:attr:`title`; a stand-in names what it holds)."""
        return self.title

    # -- on screen or not --------------------------------------------------------------------
    def attach_dock(self, dock: QDockWidget) -> None:
        """Follow ``dock``'s visibility (shown, closed, floated, its tab raised or lowered)."""
        self._docked = True
        self._dock = dock
        dock.setWindowTitle(self.dock_title())
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
        """Call ``flush`` on every refresh while the pane lives (in the pane's
        :attr:`refresh_phase`, every :attr:`refresh_every`-th)."""
        self.session.register_flush(
            flush, owner=self, phase=self.refresh_phase, every=self.refresh_every
        )

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
        self.session.links.leave(self.pane_id)
        self.release()
        super().closeEvent(event)
        self._check_on_screen()  # closed: off screen for good


def link_label(group: str) -> str:
    """How a link group is named in menus and titles."""
    return {MAIN: "main (watchlist)", UNLINKED: "not linked"}.get(group, group)
