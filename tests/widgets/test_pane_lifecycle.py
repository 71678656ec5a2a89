"""A pane owns what it listens to: closing or destroying it (not only the window) releases its
core event handlers, session signal slots and refresh flush, and nothing reaches it afterwards:
not the market, not a refresh, not a UI action that completes late."""

from __future__ import annotations

import asyncio
import logging

import pytest
import shiboken6
from eventkit import Event
from PySide6.QtCore import SIGNAL, QMetaMethod, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from terminal.app import TradingApp
from terminal.domain import Severity
from widgets.dialogs.shortcuts import ShortcutsDialog
from widgets.main_window import MainWindow, pane_types
from widgets.ownership import Ownership
from widgets.panes.base import Pane
from widgets.panes.watchlist import WatchlistPane
from widgets.refresh import RefreshClock
from widgets.session import Session
from widgets.theme import LIGHT

from .conftest import Harness


def core_listeners(app: TradingApp) -> dict[str, int]:
    """How many listeners each core event has (every eventkit Event of every core service)."""
    counts: dict[str, int] = {}
    for name, service in vars(app).items():
        for attr, value in getattr(service, "__dict__", {}).items():
            if isinstance(value, Event):
                counts[f"{name}.{attr}"] = len(value)
    return counts


def session_receivers(session: Session) -> dict[str, int]:
    """How many slots each of the session's own signals has."""
    meta = session.metaObject()
    counts: dict[str, int] = {}
    for index in range(meta.methodOffset(), meta.methodCount()):
        method = meta.method(index)
        if method.methodType() == QMetaMethod.MethodType.Signal:
            signature = bytes(method.methodSignature().data()).decode()
            counts[signature] = session.receivers(SIGNAL(signature))
    return counts


def listeners(harness: Harness) -> tuple[dict[str, int], dict[str, int], int]:
    return (
        core_listeners(harness.app),
        session_receivers(harness.session),
        len(harness.session.refresh._flushes),
    )


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captures ERROR records: eventkit's for a failing handler, the refresh clock's for a
    failing flush, the task supervisor's for a failing UI action."""
    caplog.set_level(logging.ERROR)
    return caplog


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def drive(harness: Harness) -> None:
    """Everything that reaches panes: quotes, depth, bars, orders, alerts, signals, refreshes."""
    harness.step(4)
    app = harness.app
    app.alerts.raise_alert(Severity.WARNING, "test", "an alert after the pane is gone", "t-late")
    session = harness.session
    session.set_palette(LIGHT)
    session.set_active(app.watchlist[1])
    session.message.emit("late message")
    assert harness.report is not None
    session.started.emit(harness.report)
    harness.step(2)


def test_the_scan_sees_the_core_events_panes_listen_to(harness: Harness) -> None:
    names = set(core_listeners(harness.app))
    assert {"market.quotes_updated", "orders.order_updated", "alerts.alert_raised"} <= names
    signals = set(session_receivers(harness.session))
    assert {"active_changed(PyObject)", "theme_changed(PyObject)", "message(QString)"} <= signals


@pytest.mark.parametrize("pane_type", pane_types(), ids=lambda t: t.pane_id)
def test_closing_a_pane_releases_everything_it_listens_to(
    harness: Harness, qtbot: QtBot, pane_type: type[Pane], errors: pytest.LogCaptureFixture
) -> None:
    before = listeners(harness)
    pane = pane_type(harness.session)
    qtbot.addWidget(pane)
    pane.show()
    assert listeners(harness) != before  # it does listen to the core, the session, the clock
    pane.close()
    assert listeners(harness) == before
    assert not pane.alive
    drive(harness)  # a closed pane is still a widget: nothing must reach it either
    assert logged_errors(errors) == []


@pytest.mark.parametrize("pane_type", pane_types(), ids=lambda t: t.pane_id)
def test_a_pane_destroyed_without_closing_is_released_and_never_called_again(
    harness: Harness, qtbot: QtBot, pane_type: type[Pane], errors: pytest.LogCaptureFixture
) -> None:
    before = listeners(harness)
    dock = QWidget()  # as the main window's dock: the pane dies with its parent
    qtbot.addWidget(dock)
    pane = pane_type(harness.session, dock)
    harness.step()
    shiboken6.delete(dock)
    assert not shiboken6.isValid(pane)
    assert listeners(harness) == before
    drive(harness)  # a call into the deleted pane would log "Internal C++ object ... deleted"
    assert logged_errors(errors) == []


def test_closing_the_blotter_releases_its_tabs_too(harness: Harness, qtbot: QtBot) -> None:
    from widgets.panes.blotter import BlotterPane

    pane = BlotterPane(harness.session)
    qtbot.addWidget(pane)
    tabs = [pane.orders, pane.fills, pane.positions, pane.account]
    assert all(harness.session.holds(tab) > 0 for tab in tabs)
    pane.close()
    assert [harness.session.holds(tab) for tab in tabs] == [0, 0, 0, 0]
    assert not any(harness.session.alive(tab) for tab in tabs)


def test_hiding_a_dock_keeps_its_pane_live(window: MainWindow, harness: Harness) -> None:
    pane = window.pane("watchlist")
    holds = harness.session.holds(pane)
    window.docks["watchlist"].close()  # the dock's close button: the View menu brings it back
    assert pane.alive
    assert harness.session.holds(pane) == holds > 0


def test_a_listener_released_earlier_in_the_same_emit_is_not_called(qapp: QApplication) -> None:
    ownership = Ownership(RefreshClock())
    first, second = QObject(), QObject()
    event = Event("quotes_updated")
    calls: list[str] = []

    def close_the_second(*_args: object) -> None:
        calls.append("first")
        ownership.release(second)

    ownership.listen(event, close_the_second, owner=first)
    ownership.listen(event, lambda *_a: calls.append("second"), owner=second)
    event.emit("batch")  # eventkit calls a copy of its listener list: the guard stops it
    event.emit("batch")
    assert calls == ["first", "first"]
    assert ownership.holds(second) == 0
    assert ownership.holds(first) == 1


def test_a_guarded_handler_keeps_the_name_an_error_report_gives(qapp: QApplication) -> None:
    ownership = Ownership(RefreshClock())
    owner = QObject()
    event = Event("order_updated")
    ownership.listen(event, WatchlistPane.sync, owner=owner)
    (slot,) = event._slots.slots
    assert slot.func.__qualname__ == "WatchlistPane.sync"


def test_a_late_completion_into_a_closed_pane_does_nothing(
    harness: Harness, qtbot: QtBot, errors: pytest.LogCaptureFixture
) -> None:
    pane = WatchlistPane(harness.session)  # deleted below, by the test
    messages: list[str] = []
    harness.session.message.connect(messages.append)
    gate = asyncio.Event()
    core_add = harness.app.add_to_watchlist

    async def slow_add(symbol: str) -> object:
        await gate.wait()
        return await core_add(symbol)

    harness.app.add_to_watchlist = slow_add  # type: ignore[method-assign]
    task = pane.add_symbol("NVDA")
    assert task is not None
    pane.close()
    shiboken6.delete(pane)  # gone before the core answers
    gate.set()
    qtbot.waitUntil(task.done)
    assert "NVDA" in [i.symbol for i in harness.app.watchlist]  # the action itself happened
    assert messages == []  # ... but its completion did not reach the deleted pane
    assert logged_errors(errors) == []
    assert not [a for a in harness.app.alerts.active() if a.severity is Severity.CRITICAL]


def test_the_shortcuts_dialog_opens_without_a_nested_event_loop(
    window: MainWindow, qtbot: QtBot
) -> None:
    def rescue() -> None:  # if show_shortcuts ran exec(), this is what would end it
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ShortcutsDialog):
                widget.reject()

    QTimer.singleShot(2000, rescue)
    dialog = window.show_shortcuts()
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()  # returned while open
    assert dialog.isModal()
    assert window.show_shortcuts() is dialog  # F1 again brings the same list forward
    dialog.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # deleted once closed
