"""What every pane shares: the core, the active instrument, the refresh clock, and UI actions.

Panes observe the core's events and write back only through core methods. The session keeps
track of every core event, session signal and refresh flush a widget listens to, by owner
(:meth:`Session.subscribe`, :meth:`Session.register_flush`; :mod:`widgets.ownership`): closing or
destroying a pane releases its own, closing the window releases them all. It runs the UI's
coroutines as owned tasks whose failures surface as alerts and whose completion does not reach a
widget that is gone (:meth:`Session.run`), and carries the signals that link panes: the active
instrument, a ticket pre-filled from another pane, a price alert requested from the watchlist or
the chart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal.analytics.fill_marks import FillMark
from terminal.app import StartReport, TradingApp
from terminal.broker.base import BrokerError
from terminal.domain import Combo, DomainError, Instrument, OrderSide, OrderType, Severity
from widgets.link_groups import MAIN, UNLINKED, LinkGroups
from widgets.ownership import Ownership, Source
from widgets.refresh import RefreshClock
from widgets.theme import Palette

log = logging.getLogger(__name__)


class Mode(StrEnum):
    """What the trader is connected to; IB LIVE is shown in red everywhere."""

    SIM = "SIM"
    #: IB before any account was reported: paper or live is not known yet, so neither is shown.
    IB_NOT_CONNECTED = "IB (not connected)"
    IB_PAPER = "IB PAPER"
    IB_LIVE = "IB LIVE"

    @classmethod
    def of(cls, broker_name: str, paper: bool | None) -> Mode:
        """The mode of ``broker_name``; ``paper`` is None while no account was reported."""
        if broker_name == "sim":
            return cls.SIM
        if paper is None:
            return cls.IB_NOT_CONNECTED
        return cls.IB_PAPER if paper else cls.IB_LIVE


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """Open the order ticket pre-filled (from the depth ladder, the options chain, hotkeys)."""

    instrument: Instrument
    side: OrderSide | None = None
    order_type: OrderType | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    quantity: Decimal | None = None
    #: A combo to load (legs read-only; ``instrument`` is its combo instrument).
    combo: Combo | None = None


@dataclass(frozen=True, slots=True)
class ChartMarks:
    """Show these fills of ``instrument`` on the chart (a trade or an order from analytics).

    ``start`` .. ``end`` is the span to bring into view (the trade's entry to its exit);
    ``title`` says what is marked ("AAPL LONG 100, net +12.50").
    """

    instrument: Instrument
    title: str
    start: dt.datetime
    end: dt.datetime
    fills: tuple[FillMark, ...]


class Session(QObject):
    """The shared state of one window.

    Signals:
        active_changed(Instrument): the instrument the panes of the main link group show.
        link_selected(str, Instrument): a link group (:mod:`widgets.link_groups`) changed
            instrument, the main group included: its panes show it.
        instrument_selected(Instrument): the trader selected an instrument (even the active one
            again): the order ticket goes to it.
        ticket_requested(TicketRequest): pre-fill the order ticket and bring it forward.
        price_alert_requested(Instrument, float): ask for a price alert near ``price``.
        chart_marks_requested(ChartMarks): chart these fills (the chart pane marks them and the
            window brings it forward).
        message(str): a short message for the status bar (errors of UI actions).
        theme_changed(Palette): the theme switched; repaint custom colours.
        settings_applied(Settings): the settings dialog applied new settings (the window
            rebinds its keys).
        started(StartReport): the core connected, reconciled and subscribed the watchlist.
    """

    active_changed = Signal(object)
    link_selected = Signal(str, object)
    instrument_selected = Signal(object)
    ticket_requested = Signal(object)
    price_alert_requested = Signal(object, float)
    chart_marks_requested = Signal(object)
    message = Signal(str)
    theme_changed = Signal(object)
    settings_applied = Signal(object)
    started = Signal(object)

    def __init__(
        self,
        app: TradingApp,
        refresh: RefreshClock,
        palette: Palette,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        if refresh.parent() is None:
            # Owned by the session, so its timer dies with it, on the GUI thread.
            refresh.setParent(self)
        self.refresh = refresh
        self.palette = palette
        self.active: Instrument | None = None
        #: Which pane follows which link group, and each colour group's instrument.
        self.links = LinkGroups()
        self.mode = Mode.of(app.broker.name, paper=None)
        #: What the core's start found, once it started (None before, or after a failed start).
        self.start_report: StartReport | None = None
        #: The settings file changes made outside the dialog are saved to ("don't ask again").
        self.settings_path: Path | None = None
        #: The window is closing: panes leaving the screen need not give back subscriptions
        #: one by one (the core's stop ends them all).
        self.closing = False
        self._ownership = Ownership(refresh)
        refresh.report = lambda name, exc: app.report_failure(f"refresh {name}", exc)

    # -- listening, by owner -----------------------------------------------------------------
    def subscribe(
        self, source: Source, handler: Callable[..., Any], owner: QObject | None = None
    ) -> None:
        """Call ``handler`` on every emit of ``source`` (a core event or a session signal) until
        ``owner`` is closed or destroyed (:meth:`release`), or the window closes (:meth:`detach`).
        """
        self._ownership.listen(source, handler, owner)

    def register_flush(
        self,
        flush: Callable[[], None],
        owner: QObject | None = None,
        phase: int | None = None,
        every: int = 1,
    ) -> None:
        """Call ``flush`` on every refresh until ``owner`` is released or the window closes
        (``phase`` and ``every``: see :class:`~widgets.refresh.RefreshClock`)."""
        self._ownership.flush(flush, owner, phase, every)

    def release(self, owner: QObject) -> None:
        """Drop what ``owner`` and the widgets inside it listen to (it closed)."""
        self._ownership.release(owner)

    def alive(self, owner: QObject) -> bool:
        """Whether ``owner`` exists and was not released: check it after an ``await``."""
        return self._ownership.alive(owner)

    def holds(self, owner: QObject) -> int:
        """How many connections ``owner`` itself holds."""
        return self._ownership.holds(owner)

    def detach(self) -> None:
        """Drop what every widget listens to (the window is closing)."""
        self.closing = True
        self._ownership.release_all()

    # -- linking -----------------------------------------------------------------------------
    def set_active(self, instrument: Instrument, group: str = MAIN) -> None:
        """Make ``instrument`` the one the panes of link ``group`` (chart, depth, tape, options,
        watchlist) show; by default the main group, whose instrument is :attr:`active`.

        The order ticket goes to every selection, whatever its group. Selecting the group's
        instrument again changes no pane but the ticket, which may have moved to another
        instrument meanwhile (an option from the chain): it comes back.
        """
        if group == MAIN:
            changed = self.active is None or self.active.key != instrument.key
            self.active = instrument
            self.links.select(MAIN, instrument)
            if changed:
                self.active_changed.emit(instrument)
                self.link_selected.emit(MAIN, instrument)
        elif group != UNLINKED and self.links.select(group, instrument):
            self.link_selected.emit(group, instrument)
        self.instrument_selected.emit(instrument)

    def group_instrument(self, group: str) -> Instrument | None:
        """What link ``group`` shows (:attr:`active` for the main group)."""
        return self.active if group == MAIN else self.links.instrument(group)

    def request_ticket(self, request: TicketRequest) -> None:
        self.ticket_requested.emit(request)

    def request_price_alert(self, instrument: Instrument, price: float) -> None:
        self.price_alert_requested.emit(instrument, price)

    def request_chart_marks(self, marks: ChartMarks) -> None:
        """Make ``marks.instrument`` the active one and mark its fills on the chart."""
        self.chart_marks_requested.emit(marks)
        self.set_active(marks.instrument)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.theme_changed.emit(palette)

    # -- running UI actions ------------------------------------------------------------------
    def run(
        self,
        coro: Coroutine[Any, Any, Any],
        what: str,
        on_done: Callable[[Any], None] | None = None,
        owner: QObject | None = None,
    ) -> asyncio.Task[Any]:
        """Run a UI action's coroutine as an owned task.

        A refusal by the core or the broker (DomainError, BrokerError) becomes a status-bar
        message and a warning alert; anything else is a bug and becomes a critical alert through
        the app's task supervision. ``on_done`` gets the result on success, unless ``owner``
        was closed or destroyed meanwhile. The action itself is not cancelled with its widget:
        an order approved or a kill switch pressed from a pane still happens.
        """

        async def guarded() -> Any:
            try:
                result = await coro
            except (DomainError, BrokerError) as exc:
                self.fail(what, exc)
                return None
            if on_done is not None and (owner is None or self.alive(owner)):
                on_done(result)
            return result

        task = self.app.spawn(guarded(), what)
        # Cancelled before it started (the app stopping): close the action's coroutine, which
        # never ran, instead of leaving it to warn "never awaited" when collected.
        task.add_done_callback(lambda done: coro.close() if done.cancelled() else None)
        return task

    def fail(self, what: str, exc: BaseException | str) -> None:
        """Show a refused UI action: status bar message plus a warning alert."""
        text = f"{what}: {exc}"
        log.warning("%s", text)
        self.message.emit(text)
        self.app.alerts.raise_alert(Severity.WARNING, "ui", text, f"ui-{what}")

    # -- actions shared by several panes and shortcuts ----------------------------------------
    def trip_kill_switch(self, reason: str = "kill switch pressed") -> asyncio.Task[Any]:
        """HALT now: withdraw staged orders, cancel working ones at the broker."""
        return self.run(self.app.kill_switch.trip(reason, by=self.app.actor), "kill switch")

    def cancel_all(self) -> asyncio.Task[Any]:
        """Cancel every working order (the trading state does not change)."""

        async def cancel_every() -> None:
            for order in self.app.orders.working_orders():
                await self.app.orders.cancel(order.id, "cancel all by trader")

        return self.run(cancel_every(), "cancel all")
