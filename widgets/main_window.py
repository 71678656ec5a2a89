"""The main window: every pane in a dock, menus and shortcuts, the status bar, the saved layout.

The window owns no trading logic: panes observe the core through the Session and write back
through core methods; the global actions here (kill switch, cancel all, tickets) call the same
Session methods the panes use.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import importlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from terminal.app import StartReport
from terminal.broker.base import ConnectionState
from terminal.broker.paper import PaperVenue
from terminal.domain import OrderSide
from terminal.persistence.store import Store
from terminal.settings import Settings
from terminal.startup import run_market
from widgets import confirmations, shortcuts
from widgets.dialogs.shortcuts import ShortcutsDialog
from widgets.keymap import BY_NAME, Keymap
from widgets.layout_firewall import LayoutFirewall
from widgets.link_groups import GROUPS, MAIN, UNLINKED
from widgets.panes.alerts import AlertsPane
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.audit import AuditTrailPane
from widgets.panes.base import Pane
from widgets.panes.blotter import BlotterPane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.pending import PendingPane
from widgets.panes.risk import RiskPanel
from widgets.panes.ticket import OrderTicketPane
from widgets.panes.watchlist import WatchlistPane
from widgets.session import ChartMarks, Mode, Session, TicketRequest
from widgets.status_bar import StatusBar
from widgets.theme import THEMES, apply_theme
from widgets.trade_keys import PriceSource, TradeKeys
from widgets.workspace import (
    Floating,
    WorkspaceExtras,
    check_name,
    fit_on_screen,
    workspace_key,
)

log = logging.getLogger(__name__)

#: A window shown but never painted (minimised) builds its pending panes after this long.
PENDING_FALLBACK_MS = 1000


class LaterPane(NamedTuple):
    """A kind of pane whose module is imported only when a pane of it is built, which the
    launcher's window does just after it is first shown (:meth:`MainWindow.build_pending`):
    its first pane's id, its dock title, and the module and name of its class."""

    pane_id: str
    title: str
    module: str
    name: str

    def load(self) -> type[Pane]:
        """Import the class."""
        found = getattr(importlib.import_module(self.module), self.name)
        assert isinstance(found, type)
        assert issubclass(found, Pane)
        return found


#: Built after the window is shown: the chart (pyqtgraph: about a third of a cold start) and
#: the panes the default layout tabs away (not the blotter, audit trail and alerts, which fill
#: from the start of the session or notify from its first alert).
CHART = LaterPane("chart", "Chart", "widgets.panes.chart", "ChartPane")
OPTIONS = LaterPane("options", "Options chain", "widgets.panes.options", "OptionsChainPane")
HEALTH = LaterPane("health", "Health", "widgets.panes.health", "HealthPane")
ANALYTICS = LaterPane("analytics", "Analytics", "widgets.panes.analytics", "AnalyticsPane")
TAPE = LaterPane("tape", "Time and sales", "widgets.panes.tape", "TimeAndSalesPane")

type PaneKind = type[Pane] | LaterPane

#: Panes in View-menu order (Ctrl+1 … Ctrl+9 bring the first nine forward).
PANE_KINDS: tuple[PaneKind, ...] = (
    WatchlistPane,
    OrderTicketPane,
    ApprovalQueuePane,
    CHART,
    BlotterPane,
    DepthLadderPane,
    RiskPanel,
    AlertsPane,
    OPTIONS,
    AuditTrailPane,
    HEALTH,
    ANALYTICS,
    TAPE,
)

LAYOUT_VERSION = 1

#: The kinds of pane the trader can open more of (Window › New …), by the first one's id.
INSTANCE_KINDS: dict[str, PaneKind] = {
    "chart": CHART,
    "depth": DepthLadderPane,
    "tape": TAPE,
    "options": OPTIONS,
}


def pane_class(kind: PaneKind) -> type[Pane]:
    """The class of a kind of pane (importing it, for a :class:`LaterPane`)."""
    return kind.load() if isinstance(kind, LaterPane) else kind


def pane_types() -> tuple[type[Pane], ...]:
    """Every kind of pane's class, in View-menu order (imports the chart's, and pyqtgraph)."""
    return tuple(pane_class(kind) for kind in PANE_KINDS)


class PaneDock(QDockWidget):
    """A pane's dock; ``closed`` says the trader closed it (its close button)."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()


class MainWindow(QMainWindow):
    """The terminal window.

    Signals:
        closed(): the trader closed the window (the launcher then shuts the core down).
    """

    closed = Signal()

    def __init__(
        self,
        session: Session,
        *,
        open_settings: Callable[[QWidget], None] | None = None,
        build_later: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``build_later``: the panes of a :class:`LaterPane` kind (the charts, whose pyqtgraph
        is slow to import, and the panes tabbed away at first) stand as :class:`PendingPane` in
        their docks until the window has been painted once, then are built in their place
        (:meth:`build_pending`), so the window shows without waiting for them. The launcher
        asks for it; otherwise every pane is built here."""
        super().__init__(parent)
        self.session = session
        self._build_later = build_later
        #: Panes standing in for one not built yet (``build_later``), by pane id.
        self._pending: dict[str, LaterPane] = {}
        self._build_scheduled = False
        self._build_chained = False
        self._open_settings = open_settings
        #: Connects the session the first time (the launcher's start); File → Connect calls it
        #: while the core has not started, e.g. after TWS was not running at start-up.
        self.start_session: Callable[[], Coroutine[Any, Any, Any]] | None = None
        self._connecting: asyncio.Task[Any] | None = None
        self.setObjectName("main_window")
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AnimatedDocks
        )
        self.panes: dict[str, Pane] = {}
        self.docks: dict[str, QDockWidget] = {}
        #: The name of the workspace the window shows (None: never saved under a name).
        self.workspace: str | None = None
        #: The user's saved workspaces, read off the GUI thread (:meth:`refresh_workspaces`).
        self.workspace_names: list[str] = []
        #: A layout restored before the core started: its groups' instruments, shown at start.
        self._links_at_start: WorkspaceExtras | None = None
        for kind in PANE_KINDS:
            self._open(kind)
        self._arrange_default()
        self.default_state = self.saveState(LAYOUT_VERSION)
        self.live_banner = self._build_live_banner()
        self.status = StatusBar(session, self)
        self.setStatusBar(self.status)
        self.status.health.clicked.connect(self.open_health)
        self.named_actions: dict[str, QAction] = {}
        self.keymap, problems = Keymap.from_settings(session.app.settings.keymap)
        ticket, queue = self.panes["ticket"], self.panes["approvals"]
        assert isinstance(ticket, OrderTicketPane)
        assert isinstance(queue, ApprovalQueuePane)
        self.trade_keys = TradeKeys(session, ticket, queue, self)
        self._build_menus()
        self._report_keymap(problems)
        session.subscribe(session.settings_applied, self._on_settings_applied, owner=self)
        session.subscribe(session.ticket_requested, self._on_ticket_requested, owner=self)
        session.subscribe(session.chart_marks_requested, self._on_chart_marks, owner=self)
        session.subscribe(
            session.app.broker.connection_changed, self._on_connection_changed, owner=self
        )
        self._closing = False
        self._quit_confirmed = False
        self.update_mode()
        self._update_connection_actions()
        self.resize(1600, 980)

    # -- panes -------------------------------------------------------------------------------
    def _new_dock(self, title: str) -> tuple[PaneDock, LayoutFirewall]:
        """A dock titled ``title`` and the firewall inside it (a pane's re-layouts stay in the
        pane), for a pane to be built in the firewall."""
        dock = PaneDock(title, self)
        return dock, LayoutFirewall(parent=dock)

    def _open(self, kind: PaneKind, pane_id: str | None = None) -> tuple[Pane, PaneDock]:
        """Build a pane of ``kind`` (named ``pane_id`` when not the first) in a new dock: a
        stand-in for a :class:`LaterPane` while the window builds those later."""
        dock, firewall = self._new_dock(kind.title)
        pane: Pane
        if isinstance(kind, LaterPane) and self._build_later:
            pane = PendingPane(self.session, pane_id or kind.pane_id, kind.title, firewall)
            self._pending[pane.pane_id] = kind
        else:
            pane = pane_class(kind)(self.session, firewall)
            if pane_id is not None:
                pane.assign_id(pane_id)
        self._add_pane(pane, dock, firewall)
        return pane, dock

    # -- panes built after the window is shown ---------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending and not self._build_scheduled:
            # Built once the window has been painted (:meth:`event`); should no paint come
            # (a minimised start), soon anyway: the chart never waits for the trader.
            self._build_scheduled = True
            QTimer.singleShot(PENDING_FALLBACK_MS, self, self._build_next)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if (
            event.type() == QEvent.Type.Paint
            and self._pending
            and self.session.start_report is not None
        ):
            # After this paint has reached the screen: the window is up, saying "Loading".
            self._schedule_build()
        return handled

    def _schedule_build(self) -> None:
        """Start building the pending panes on the next turn (one chain of builds at a time)."""
        if not self._build_chained:
            self._build_chained = True
            QTimer.singleShot(0, self, self._build_next)

    def _build_next(self) -> None:
        """Build the first pending pane (the chart first), then the next on a later turn of
        the loop: the window repaints and takes input between two builds."""
        self._build_chained = False
        if self._pending:
            self._build_later = False
            self._build(next(iter(self._pending)))
        if self._pending:
            self._schedule_build()

    def build_pending(self) -> list[Pane]:
        """Build every pane still standing as a :class:`PendingPane`, in its place (its dock,
        link group and, unlinked, instrument); from now on panes are built at once. Return
        the panes built."""
        self._build_later = False
        return [self._build(pane_id) for pane_id in list(self._pending)]

    def _build(self, pane_id: str) -> Pane:
        kind = self._pending.pop(pane_id)
        pending, dock = self.panes[pane_id], self.docks[pane_id]
        firewall = pending.parentWidget()
        assert isinstance(firewall, LayoutFirewall)
        started = time.perf_counter()
        pane = kind.load()(self.session, firewall)
        if pane.pane_id != pane_id:
            pane.assign_id(pane_id)
        pending.release()  # not closed: closing would take it (its id) out of its link group
        pending.hide()
        pending.deleteLater()
        firewall.hold(pane)
        pane.setGeometry(firewall.rect())
        pane.show()
        firewall.updateGeometry()
        self.panes[pane_id] = pane
        pane.attach_dock(dock)
        group = pane.link_group  # the stand-in's, kept by the session under the same id
        if group != MAIN:
            pane.set_link_group(group)
        if group == UNLINKED and pending.linked_instrument is not None:
            pane.show_linked(pending.linked_instrument)
        log.info("%s built in %.0f ms", pane_id, (time.perf_counter() - started) * 1000)
        return pane

    def _add_pane(self, pane: Pane, dock: PaneDock, firewall: LayoutFirewall) -> None:
        """Put ``pane``, built with ``firewall`` (of :meth:`_new_dock`) as its parent, in
        ``dock``.

        Built where it stays, not moved there: under the application's style sheet a widget
        given another parent is polished again with everything in it, which cost every start
        about 0.15 s for the thirteen panes.
        """
        dock.setObjectName(f"dock_{pane.pane_id}")
        firewall.hold(pane)
        dock.setWidget(firewall)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.panes[pane.pane_id] = pane
        self.docks[pane.pane_id] = dock
        pane.attach_dock(dock)

    def new_pane(self, kind: str, pane_id: str | None = None) -> Pane:
        """Open another pane of ``kind`` (Window › New chart …), tabbed with the first one;
        it starts in the main link group. Closing its dock closes it for good."""
        pane_kind = INSTANCE_KINDS[kind]
        if pane_id is None:
            number = 2
            while f"{kind}-{number}" in self.panes:
                number += 1
            pane_id = f"{kind}-{number}"
        if pane_id in self.panes:
            raise ValueError(f"pane {pane_id} is already open")
        pane, dock = self._open(pane_kind, pane_id)
        first = self.docks.get(kind)
        if first is not None and first.isVisible() and not first.isFloating():
            self.tabifyDockWidget(first, dock)
        dock.show()
        dock.raise_()
        dock.closed.connect(functools.partial(self.close_pane, pane_id))
        return pane

    def extra_panes(self) -> dict[str, str]:
        """The panes opened besides the first of each kind: pane id → kind."""
        return {
            pane_id: kind
            for pane_id in self.panes
            for kind in INSTANCE_KINDS
            if pane_id.startswith(f"{kind}-")
        }

    def close_pane(self, pane_id: str) -> None:
        """Close the extra pane ``pane_id``: it gives back its market data and is destroyed."""
        if pane_id not in self.extra_panes():
            return  # the first of a kind only hides (View menu brings it back)
        pane, dock = self.panes.pop(pane_id), self.docks.pop(pane_id)
        pane.close()  # releases its subscriptions (off screen: its market data too)
        self.removeDockWidget(dock)
        dock.deleteLater()

    def cycle_link_group(self) -> None:
        """Give the pane with the keyboard focus the next link group (Window › Link group)."""
        pane = self.focused_linkable_pane()
        if pane is None:
            self.session.message.emit(
                "link group: give a chart, ladder, tape, options chain or the watchlist the focus"
            )
            return
        pane.set_link_group(GROUPS[(GROUPS.index(pane.link_group) + 1) % len(GROUPS)])
        self.session.message.emit(f"{pane.dock_title()}")

    def focused_linkable_pane(self) -> Pane | None:
        focus = QApplication.focusWidget()
        for pane in self.panes.values():
            if pane.linkable and focus is not None and (pane is focus or pane.isAncestorOf(focus)):
                return pane
        return None

    def _on_ticket_requested(self, _request: TicketRequest) -> None:
        self.bring_forward("ticket")

    def _on_chart_marks(self, marks: ChartMarks) -> None:
        # A chart built now subscribed too late for this request: give it the marks.
        for pane in self.build_pending():
            show_marks = getattr(pane, "show_marks", None)
            if callable(show_marks) and pane.link_group == MAIN:
                show_marks(marks)
        self.bring_forward("chart")

    def pane(self, pane_id: str) -> Pane:
        """The pane ``pane_id``, built now if it was still to be built."""
        if pane_id in self._pending:
            return self._build(pane_id)
        return self.panes[pane_id]

    def _arrange_default(self) -> None:
        """Watchlist, ticket and risk (the kill switch) down the left; chart and depth ladder
        side by side, time & sales in a tab behind the ladder; queue / blotter / alerts / options /
        audit / health / analytics tabbed below both, so the options chain has the width for its
        Greeks."""
        d = self.docks
        for dock in d.values():
            self.removeDockWidget(dock)
        area = Qt.DockWidgetArea
        self.addDockWidget(area.LeftDockWidgetArea, d["watchlist"])
        self.splitDockWidget(d["watchlist"], d["chart"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["chart"], d["approvals"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["chart"], d["depth"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["watchlist"], d["ticket"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["ticket"], d["risk"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(d["approvals"], d["blotter"])
        self.tabifyDockWidget(d["blotter"], d["alerts"])
        self.tabifyDockWidget(d["alerts"], d["options"])
        self.tabifyDockWidget(d["options"], d["audit"])
        self.tabifyDockWidget(d["audit"], d["health"])
        self.tabifyDockWidget(d["health"], d["analytics"])
        self.tabifyDockWidget(d["depth"], d["tape"])
        for dock in d.values():
            dock.show()
        d["approvals"].raise_()
        d["depth"].raise_()
        # The watchlist's columns need about 450 px with the fonts of a Linux desktop.
        self.resizeDocks([d["watchlist"], d["chart"]], [450, 1130], Qt.Orientation.Horizontal)
        self.resizeDocks([d["chart"], d["depth"]], [710, 420], Qt.Orientation.Horizontal)
        self.resizeDocks([d["chart"], d["approvals"]], [580, 330], Qt.Orientation.Vertical)
        self.resizeDocks(
            [d["watchlist"], d["ticket"], d["risk"]], [290, 360, 290], Qt.Orientation.Vertical
        )

    def open_health(self) -> None:
        """Bring the health view forward (the status bar's health summary, Ctrl+Shift+H)."""
        self.bring_forward("health")

    def bring_forward(self, pane_id: str) -> None:
        """Show the pane's dock (tabbed or floating) and give it the keyboard focus."""
        dock = self.docks[pane_id]
        dock.show()
        dock.raise_()
        self.panes[pane_id].setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- menus and shortcuts -----------------------------------------------------------------
    def _action(
        self,
        name: str,
        text: str,
        slot: Callable[[], object],
        keys: str | None = None,
        *,
        global_shortcut: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"action_{name}")
        if name in BY_NAME:  # the trader may have rebound it
            keys = self.keymap.keys(name)
        if keys:
            action.setShortcut(QKeySequence(keys))
            if global_shortcut:  # works even while a floating pane has the focus
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            else:
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.named_actions[name] = action
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(
            self._action("settings", "&Settings…", self.open_settings, shortcuts.SETTINGS.keys)
        )
        file_menu.addSeparator()
        broker = self.session.app.broker.name.upper()
        file_menu.addAction(self._action("connect", f"&Connect to {broker}", self.connect_broker))
        file_menu.addAction(
            self._action("disconnect", f"&Disconnect from {broker}", self.disconnect_broker)
        )
        if isinstance(self.session.app.broker, PaperVenue):
            file_menu.addAction(
                self._action(
                    "reset_sim",
                    "&Reset simulated account…",
                    lambda: confirmations.request_sim_reset(self.session, self),
                )
            )
        file_menu.addSeparator()
        file_menu.addAction(self._action("quit", "&Quit", self.close, shortcuts.QUIT.keys))

        trade = bar.addMenu("&Trade")
        trade.addAction(
            self._action(
                "buy_ticket",
                "&Buy ticket",
                lambda: self.new_ticket(OrderSide.BUY),
                shortcuts.BUY_TICKET.keys,
            )
        )
        trade.addAction(
            self._action(
                "sell_ticket",
                "&Sell ticket",
                lambda: self.new_ticket(OrderSide.SELL),
                shortcuts.SELL_TICKET.keys,
            )
        )
        trade.addSeparator()
        self._build_trade_keys(trade)
        trade.addSeparator()
        trade.addAction(
            self._action(
                "cancel_all",
                "&Cancel all working orders…",
                self.cancel_all,
                shortcuts.CANCEL_ALL.keys,
                global_shortcut=True,
            )
        )
        trade.addAction(
            self._action(
                "kill_switch",
                "&KILL SWITCH",
                self.session.trip_kill_switch,
                shortcuts.KILL_SWITCH.keys,
                global_shortcut=True,
            )
        )

        view = bar.addMenu("&View")
        for number, (pane_id, dock) in enumerate(self.docks.items(), start=1):
            toggle = dock.toggleViewAction()
            toggle.setObjectName(f"action_toggle_{pane_id}")
            view.addAction(toggle)
            if number <= 9:
                self._action(
                    f"focus_{pane_id}",
                    f"Focus {dock.windowTitle()}",
                    functools.partial(self.bring_forward, pane_id),
                    f"Ctrl+{number}",
                )
        self._action(
            "focus_analytics",
            "Focus Analytics",
            functools.partial(self.bring_forward, "analytics"),
            shortcuts.ANALYTICS.keys,
        )
        view.addSeparator()
        view.addAction(
            self._action("health", "Open &health view", self.open_health, shortcuts.HEALTH.keys)
        )
        view.addAction(
            self._action(
                "recentre_ladder",
                "Re-centre the &depth ladder",
                self.recentre_ladder,
                shortcuts.RECENTRE_LADDER.keys,
                global_shortcut=True,
            )
        )
        view.addAction(
            self._action(
                "reset_layout", "&Reset layout", self.reset_layout, shortcuts.RESET_LAYOUT.keys
            )
        )
        view.addAction(
            self._action(
                "toggle_theme", "Switch &theme", self.toggle_theme, shortcuts.TOGGLE_THEME.keys
            )
        )
        view.addAction(
            self._action(
                "find_symbol",
                "Add &symbol…",
                lambda: self.bring_forward("watchlist"),
                shortcuts.FIND_SYMBOL.keys,
            )
        )

        self._build_window_menu(bar.addMenu("&Window"))

        alerts = bar.addMenu("&Alerts")
        alerts.addAction(
            self._action(
                "ack_all", "&Acknowledge all", self.acknowledge_all_alerts, shortcuts.ACK_ALL.keys
            )
        )
        mute = self._action(
            "mute_sounds",
            "&Mute sounds",
            self.toggle_mute,
            shortcuts.MUTE_SOUNDS.keys,
            global_shortcut=True,
        )
        mute.setCheckable(True)
        alerts.addAction(mute)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(
            self._action("help", "&Keyboard shortcuts", self.show_shortcuts, shortcuts.HELP.keys)
        )

    def _build_window_menu(self, menu: QMenu) -> None:
        """New panes, link groups, named workspaces."""
        for kind, text in (
            ("chart", "New &chart"),
            ("depth", "New &ladder"),
            ("tape", "New &time && sales"),
            ("options", "New &options chain"),
        ):
            name = {"depth": "new_ladder", "options": "new_options"}.get(kind, f"new_{kind}")
            menu.addAction(self._action(name, text, functools.partial(self.new_pane, kind)))
        menu.addAction(
            self._action("cycle_link", "Next &link group of this pane", self.cycle_link_group)
        )
        menu.addSeparator()
        self.workspaces_menu = menu.addMenu("&Workspaces")
        self.workspaces_menu.setObjectName("workspaces_menu")
        self._action("save_workspace", "&Save workspace as…", self.ask_workspace_name)
        self._rebuild_workspaces_menu()

    def _rebuild_workspaces_menu(self) -> None:
        menu = self.workspaces_menu
        menu.clear()
        menu.addAction(self.named_actions["save_workspace"])
        menu.addSeparator()
        for name in self.workspace_names:
            action = menu.addAction(name)
            action.setObjectName(f"workspace_{name}")
            action.setCheckable(True)
            action.setChecked(name == self.workspace)
            action.triggered.connect(functools.partial(self._open_from_menu, name))
        delete = menu.addMenu("&Delete")
        delete.setEnabled(bool(self.workspace_names))
        for name in self.workspace_names:
            action = delete.addAction(name)
            action.setObjectName(f"delete_workspace_{name}")
            action.triggered.connect(functools.partial(self._delete_from_menu, name))

    def _open_from_menu(self, name: str, _checked: bool = False) -> None:
        self.open_workspace(name)

    def _delete_from_menu(self, name: str, _checked: bool = False) -> None:
        self.delete_workspace(name)

    def _build_trade_keys(self, trade: QMenu) -> None:
        """The trading keys (they stage for approval; see widgets/trade_keys.py)."""
        keys = self.trade_keys
        stage = trade.addMenu("Stage from the &ticket")
        staging: tuple[tuple[str, str, OrderSide, PriceSource], ...] = (
            ("buy_at_bid", "Buy at the &bid", OrderSide.BUY, "bid"),
            ("buy_at_ask", "Buy at the &ask", OrderSide.BUY, "ask"),
            ("buy_market", "Buy &market", OrderSide.BUY, "market"),
            ("sell_at_bid", "Sell at the b&id", OrderSide.SELL, "bid"),
            ("sell_at_ask", "Sell at the as&k", OrderSide.SELL, "ask"),
            ("sell_market", "Sell ma&rket", OrderSide.SELL, "market"),
        )
        # Application-wide, like the kill switch: they work while a floating ladder or chart
        # has the focus (a key editor in Settings takes the keys it records first).
        act = functools.partial(self._action, global_shortcut=True)
        for name, text, side, source in staging:
            stage.addAction(act(name, text, functools.partial(keys.stage, side, source)))
        stage.addSeparator()
        stage.addAction(act("flatten_instrument", "&Flatten this instrument", keys.flatten))
        stage.addAction(act("reverse_position", "Re&verse the position", keys.reverse))
        trade.addAction(
            act(
                "cancel_instrument_orders",
                "Cancel this &instrument's orders",
                keys.cancel_instrument,
            )
        )
        trade.addAction(
            act("approve_staged", "&Approve the order just staged", keys.approve_staged)
        )
        sizes = trade.addMenu("Si&ze presets")
        for number in range(1, 6):
            sizes.addAction(
                act(
                    f"size_preset_{number}",
                    f"Size preset &{number}",
                    functools.partial(keys.size_preset, number),
                )
            )

    # -- keymap ------------------------------------------------------------------------------
    def apply_keymap(self, keymap: Keymap) -> None:
        """Put every rebindable action on its key in ``keymap`` (at once, no restart)."""
        self.keymap = keymap
        for name in BY_NAME:
            action = self.named_actions.get(name)
            if action is not None:
                action.setShortcut(QKeySequence(keymap.keys(name)))

    def _on_settings_applied(self, settings: Settings) -> None:
        keymap, problems = Keymap.from_settings(settings.keymap)
        self.apply_keymap(keymap)
        self._report_keymap(problems)

    def _report_keymap(self, problems: list[str]) -> None:
        """Say which keymap entries were set aside (status bar and a warning alert)."""
        if problems:
            self.session.fail("keymap", "; ".join(p.removeprefix("keymap: ") for p in problems))

    def _build_live_banner(self) -> QToolBar:
        banner = QToolBar("Live account", self)
        banner.setObjectName("live_banner")
        banner.setMovable(False)
        label = QLabel("", banner)
        label.setObjectName("live_banner_label")
        banner.addWidget(label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, banner)
        banner.hide()
        return banner

    def update_mode(self, account_id: str = "") -> None:
        """Show the mode in the title; a live account also gets the red banner."""
        mode = self.session.mode
        account = f" — {account_id}" if account_id else ""
        app = self.session.app
        user = f" — {app.user.name} ({app.user.role.value}) @ {app.workstation}" if app.user else ""
        # Qt appends the application display name ("— Trading Terminal") in the title bar.
        self.setWindowTitle(f"{mode.value}{account}{user}")
        live = mode is Mode.IB_LIVE
        label = self.live_banner.findChild(QLabel, "live_banner_label")
        if label is not None:
            label.setText(f"LIVE ACCOUNT{account}: ORDERS USE REAL MONEY")
        self.live_banner.setVisible(live)
        self.status.refresh()

    def on_started(self, report: StartReport) -> None:
        """The core is up: panes fill from it, the first watchlist instrument becomes active."""
        self.session.start_report = report
        if self._pending:
            # Built now that the core is up: building them first (pyqtgraph, 0.4 s on this
            # thread) had held back the session's start; a start that never comes has the
            # fallback of showEvent.
            self._schedule_build()
        self._update_connection_actions()
        self.refresh_workspaces()
        self.session.started.emit(report)
        if self.session.active is None and self.session.app.watchlist:
            self.session.set_active(self.session.app.watchlist[0])
        if self._links_at_start is not None:
            extras, self._links_at_start = self._links_at_start, None
            self._apply_links(extras)

    # -- connection ---------------------------------------------------------------------------
    def connect_broker(self) -> asyncio.Task[Any] | None:
        """Connect (File → Connect): start the session if it never started, else reconnect.

        Returns the running task (the one already running if a connect is under way), or None
        when there is nothing to run.
        """
        if self._connecting is not None and not self._connecting.done():
            self.session.app.connect_now()  # waiting for the next attempt: try at once
            return self._connecting
        if self.session.start_report is None:
            if self.start_session is None:
                self.session.message.emit("connect: this window cannot start the session")
                return None
            coro = self.start_session()
        else:
            coro = self._reconnect()
        task = self.session.run(
            self._connect_then_update(coro), f"connect to {self.session.app.broker.name}"
        )
        self._connecting = task
        self._update_connection_actions()
        return task

    async def _connect_then_update(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            return await coro
        finally:
            self._connecting = None
            self._update_connection_actions()

    async def _reconnect(self) -> None:
        broker = self.session.app.broker
        await broker.connect()  # the core renews the market data and reconciles on its own
        run_market(broker)

    def disconnect_broker(self) -> asyncio.Task[Any] | None:
        """Disconnect on purpose (File → Disconnect): no reconnect follows; orders at the
        broker keep working there, and order entry freezes until File → Connect."""
        broker = self.session.app.broker
        if broker.connection_state is ConnectionState.DISCONNECTED:
            return None
        self.session.message.emit(f"disconnecting from {broker.name}…")
        return self.session.run(broker.disconnect(), f"disconnect from {broker.name}")

    def _on_connection_changed(self, _state: ConnectionState, _message: str) -> None:
        self._update_connection_actions()
        self.status.refresh()

    def _update_connection_actions(self) -> None:
        if not shiboken6.isValid(self) or "connect" not in self.named_actions:
            return
        state = self.session.app.broker.connection_state
        busy = self._connecting is not None and not self._connecting.done()
        disconnected = state is ConnectionState.DISCONNECTED
        # Waiting for the next attempt (TWS not up yet): the action tries at once.
        waiting = busy and disconnected and self.session.app.connection_status().next_attempt
        connect = self.named_actions["connect"]
        broker = self.session.app.broker.name.upper()
        connect.setText("&Connect now" if waiting else f"&Connect to {broker}")
        connect.setEnabled(disconnected and (not busy or bool(waiting)))
        self.named_actions["disconnect"].setEnabled(
            not disconnected and self.session.start_report is not None
        )

    # -- actions -----------------------------------------------------------------------------
    def new_ticket(self, side: OrderSide) -> None:
        instrument = self.session.active
        if instrument is None:
            self.session.message.emit("choose an instrument in the watchlist first")
            return
        self.session.request_ticket(TicketRequest(instrument, side=side))

    def recentre_ladder(self) -> None:
        """Put the market in the middle of the depth ladder, wherever the keyboard focus is."""
        ladder = self.panes["depth"]
        assert isinstance(ladder, DepthLadderPane)
        ladder.recentre()

    def cancel_all(self) -> object:
        """Cancel every working order, after the question (it names the protective ones)."""
        return confirmations.request_cancel_all(self.session, self)

    def acknowledge_all_alerts(self) -> None:
        self.session.app.alerts.acknowledge_all(self.session.app.actor)

    def show_shortcuts(self) -> ShortcutsDialog:
        """Show the shortcuts (F1), or bring the open list forward.

        Opened with ``open()``, not ``exec()``: a nested event loop would run the asyncio
        callbacks (and their order flow) inside this slot, re-entrantly.
        """
        existing = self.findChild(ShortcutsDialog, "shortcuts_dialog")
        if existing is not None and existing.isVisible():
            existing.raise_()
            existing.activateWindow()
            return existing
        dialog = ShortcutsDialog(self, self.keymap)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_settings(self) -> None:
        if self._open_settings is not None:
            self._open_settings(self)

    def toggle_mute(self) -> None:
        """Silence (or restore) the sounds of fills, rejects and alerts; desktop notifications
        still show. For this session: the per-kind choices are in Settings › Alerts."""
        pane = self.panes.get("alerts")
        if not isinstance(pane, AlertsPane):
            return
        notifier = pane.notifier
        notifier.set_muted(not notifier.muted)
        self.named_actions["mute_sounds"].setChecked(notifier.muted)
        self.status.muted.setVisible(notifier.muted)
        key = self.keymap.keys("mute_sounds")
        if notifier.muted:
            self.session.message.emit(f"Sounds muted ({key} to unmute)")
        else:
            self.session.message.emit("Sounds on")

    def toggle_theme(self) -> None:
        current = self.session.palette.name
        name = THEMES[(THEMES.index(current) + 1) % len(THEMES)] if current in THEMES else "dark"
        self.set_theme(name)

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.session.set_palette(apply_theme(app, name))

    # -- layout ------------------------------------------------------------------------------
    @staticmethod
    def layout_name_for(actor: str, workstation: str) -> str:
        """The name the layout of ``actor``'s window on ``workstation`` is saved under (a desk
        shares one database: each workstation keeps its own screens)."""
        return f"window:{actor}@{workstation}"

    @staticmethod
    def load_layout_for(store: Store, actor: str, workstation: str) -> bytes | None:
        """The saved layout of ``actor`` on ``workstation``; else the one saved per user only
        (before layouts were per workstation). Blocking read."""
        return store.load_layout(MainWindow.layout_name_for(actor, workstation)) or (
            store.load_layout(f"window:{actor}")
        )

    def load_saved_layout(self) -> bytes | None:
        """:meth:`load_layout_for` this window's user and workstation (blocking)."""
        app = self.session.app
        return self.load_layout_for(app.store, app.actor, app.workstation)

    @property
    def layout_name(self) -> str:
        app = self.session.app
        return self.layout_name_for(app.actor, app.workstation)

    def layout_blob(self) -> bytes:
        """The window as it is: Qt's geometry and dock state, plus what Qt cannot recreate
        (:class:`~widgets.workspace.WorkspaceExtras`)."""
        data = {
            "version": LAYOUT_VERSION,
            "geometry": base64.b64encode(bytes(self.saveGeometry().data())).decode(),
            "state": base64.b64encode(bytes(self.saveState(LAYOUT_VERSION).data())).decode(),
            "workspace": self.workspace_extras().to_json(),
        }
        return json.dumps(data).encode()

    def workspace_extras(self) -> WorkspaceExtras:
        links = self.session.links
        linkable = [p for p in self.panes.values() if p.linkable]
        floating = {}
        for dock in self.docks.values():
            if dock.isFloating() and dock.isVisible():
                frame = dock.geometry()
                screen = dock.screen()
                floating[dock.objectName()] = Floating(
                    screen.name() if screen is not None else "",
                    (frame.x(), frame.y(), frame.width(), frame.height()),
                )
        return WorkspaceExtras(
            instances=self.extra_panes(),
            links={p.pane_id: p.link_group for p in linkable if p.link_group != MAIN},
            groups={g: i for g, i in links.groups_in_use().items() if g != MAIN},
            own={
                p.pane_id: p.linked_instrument
                for p in linkable
                if p.link_group == UNLINKED and p.linked_instrument is not None
            },
            floating=floating,
            name=self.workspace,
        )

    def save_layout(self) -> None:
        self.session.app.store.save_layout(self.layout_name, self.layout_blob())

    def restore_layout(self, blob: bytes | None = None) -> bool:
        """Restore ``blob``, by default the saved layout; False if there is none or it does not fit.

        Reading the saved layout is a blocking database read: the launcher reads it before the
        loop runs and passes it in.
        """
        if blob is None:
            blob = self.load_saved_layout()
        if not blob:
            return False
        try:
            data = json.loads(blob)
            geometry = QByteArray(base64.b64decode(data["geometry"]))
            state = QByteArray(base64.b64decode(data["state"]))
            extras = WorkspaceExtras.from_json(dict(data.get("workspace") or {}))
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("saved layout %s is unreadable; using the default", self.layout_name)
            return False
        self._open_instances(extras.instances)
        self.restoreGeometry(geometry)
        restored = bool(self.restoreState(state, LAYOUT_VERSION))
        if self.session.start_report is None:
            # Restored at start, before the core is up: the colours now, the instruments once
            # it started (a chart asking for bars now would only be refused).
            self._assign_groups(extras)
            self._links_at_start = extras
        else:
            self._apply_links(extras)
        self._place_floating(extras.floating)
        self.workspace = extras.name
        self._rebuild_workspaces_menu()
        return restored

    def _open_instances(self, wanted: dict[str, str]) -> None:
        """Open the extra panes ``wanted`` lists, close the others (before Qt's dock state is
        restored: it places only docks that exist)."""
        for pane_id in set(self.extra_panes()) - set(wanted):
            self.close_pane(pane_id)
        for pane_id, kind in wanted.items():
            if pane_id not in self.panes and kind in INSTANCE_KINDS:
                self.new_pane(kind, pane_id)

    def _apply_links(self, extras: WorkspaceExtras) -> None:
        """Each pane in its saved group, each group on its instrument, unlinked panes on theirs."""
        links = self.session.links
        for group, instrument in extras.groups.items():
            links.select(group, instrument)
        self._assign_groups(extras)
        for pane_id, own in extras.own.items():
            pane = self.panes.get(pane_id)
            if pane is not None and pane.link_group == UNLINKED:
                pane.show_linked(own)  # not a selection: the ticket stays

    def _assign_groups(self, extras: WorkspaceExtras) -> None:
        for pane in self.panes.values():
            if pane.linkable:
                group = extras.links.get(pane.pane_id, MAIN)
                pane.set_link_group(group if group in GROUPS else MAIN)

    def _place_floating(self, floating: dict[str, Floating]) -> None:
        """Each floating dock back on the screen it was on; on the primary screen, fully
        visible, when that screen is not connected now."""
        screens = {screen.name(): screen for screen in QGuiApplication.screens()}
        primary = QGuiApplication.primaryScreen()
        for dock in self.docks.values():
            saved = floating.get(dock.objectName())
            if saved is None or not dock.isFloating():
                continue
            frame = QRect(*saved.rect)
            if saved.screen not in screens and primary is not None:
                log.info(
                    "screen %r of %s is gone: it opens on %s",
                    saved.screen,
                    dock.objectName(),
                    primary.name(),
                )
                frame = fit_on_screen(frame, primary.availableGeometry())
            dock.setGeometry(frame)

    # -- named workspaces ----------------------------------------------------------------------
    def refresh_workspaces(self) -> asyncio.Task[Any]:
        """Read the user's workspace names off the GUI thread, then list them in the menu."""
        prefix = workspace_key(self.session.app.actor, "")
        store = self.session.app.store

        def show(names: list[str]) -> None:
            self.workspace_names = [n.removeprefix(prefix) for n in names]
            self._rebuild_workspaces_menu()

        return self.session.run(
            asyncio.to_thread(store.layout_names, prefix), "list workspaces", show, owner=self
        )

    def ask_workspace_name(self) -> QInputDialog:
        """Window › Workspaces › Save as…: ask a name (opened with ``open()``, no nested loop)."""
        dialog = QInputDialog(self)
        dialog.setObjectName("workspace_name_dialog")
        dialog.setWindowTitle("Save workspace")
        dialog.setLabelText("Workspace name:")
        dialog.setTextValue(self.workspace or "")
        dialog.textValueSelected.connect(self.save_workspace)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def save_workspace(self, name: str) -> bool:
        """Save the window as workspace ``name`` (replacing one of that name)."""
        try:
            name = check_name(name)
        except ValueError as exc:
            self.session.fail("save workspace", exc)
            return False
        self.workspace = name
        self.session.app.store.save_layout(
            workspace_key(self.session.app.actor, name), self.layout_blob()
        )
        if name not in self.workspace_names:
            self.workspace_names = sorted([*self.workspace_names, name])
        self._rebuild_workspaces_menu()
        self.session.message.emit(f"workspace {name} saved")
        return True

    def open_workspace(self, name: str) -> asyncio.Task[Any]:
        """Switch to the saved workspace ``name`` (read off the GUI thread)."""
        store = self.session.app.store
        key = workspace_key(self.session.app.actor, name)

        def show(blob: bytes | None) -> None:
            if blob is None:
                self.session.fail("open workspace", f"no workspace {name} is saved")
            elif not self.restore_layout(blob):
                self.session.fail("open workspace", f"workspace {name} could not be restored")
            else:
                self.workspace = name
                self._rebuild_workspaces_menu()
                self.session.message.emit(f"workspace {name}")

        return self.session.run(
            asyncio.to_thread(store.load_layout, key), f"open workspace {name}", show, owner=self
        )

    def delete_workspace(self, name: str) -> None:
        self.session.app.store.delete_layout(workspace_key(self.session.app.actor, name))
        self.workspace_names = [n for n in self.workspace_names if n != name]
        if self.workspace == name:
            self.workspace = None
        self._rebuild_workspaces_menu()
        self.session.message.emit(f"workspace {name} deleted")

    def reset_layout(self) -> None:
        """The default layout: the first pane of each kind, docked (extra panes close)."""
        self._open_instances({})
        for dock in self.docks.values():
            dock.setFloating(False)
        self.restoreState(self.default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.show()
        self.docks["approvals"].raise_()

    # -- closing -----------------------------------------------------------------------------
    def close_now(self) -> None:
        """Close without asking (Ctrl+C, the smoke test, a declined live account, tests)."""
        self._quit_confirmed = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if (
            not self._closing
            and not self._quit_confirmed
            and confirmations.quit_question(self.session) is not None
        ):
            # Ctrl+Q or the window's close button with positions open or orders working.
            event.ignore()
            confirmations.ask_to_quit(self.session, self, self.close_now)
            return
        if not self._closing:
            self._closing = True
            try:
                self.save_layout()
            except Exception:
                log.exception("could not save the layout")
            self.session.refresh.stop()
            self.session.detach()
            self.closed.emit()
        event.accept()
