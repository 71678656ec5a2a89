"""File → Connect / Disconnect and the mode before an account is known, on the real IB adapter
against the loopback gateway (a real socket, the unmodified ib_async client)."""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import StartReport, TradingApp
from terminal.broker.base import ConnectionState
from terminal.broker.ib.broker import IBBroker
from terminal.domain import WallClock
from terminal.settings import Settings
from tests.ib.adapter_setup import FAST
from tests.ib.gateway import running_gateway
from widgets.launcher import start_session
from widgets.main_window import MainWindow
from widgets.refresh import RefreshClock
from widgets.session import Session
from widgets.theme import DARK, apply_theme

from .conftest import delete_qt_objects


@dataclass
class IBWindow:
    qtbot: QtBot
    window: MainWindow
    app: TradingApp
    port: int

    def run(self, coro: Coroutine[Any, Any, Any] | asyncio.Task[Any]) -> Any:
        task = asyncio.ensure_future(coro)
        self.qtbot.waitUntil(task.done, timeout=15_000)
        return task.result()

    def mode_text(self) -> str:
        self.window.status.refresh()
        return self.window.status.mode.text().strip()


def free_port() -> int:
    """A port nothing listens on (TWS is not running)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def ib_window(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, qapp: QApplication, tmp_path: Path
) -> Iterator[IBWindow]:
    apply_theme(qapp, "dark")
    port = free_port()
    broker = IBBroker(replace(FAST, port=port, client_id=171, connect_timeout=3.0), WallClock())
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=("AAPL",)))
    app = TradingApp.open(settings, f"sqlite:///{tmp_path / 'ib.db'}", broker, WallClock())
    app.restore()
    session = Session(app, RefreshClock(), DARK)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.start_session = functools.partial(start_session, window, app)
    h = IBWindow(qtbot, window, app, port)
    yield h
    window.close_now()
    session.detach()
    h.run(app.stop())
    delete_qt_objects(session)


def test_ib_without_tws_is_not_called_paper_and_file_connect_starts_it_later(
    ib_window: IBWindow,
) -> None:
    h, window = ib_window, ib_window.window
    connect, disconnect = window.named_actions["connect"], window.named_actions["disconnect"]
    # No account was reported: the window must not claim a paper (or live) account.
    assert h.mode_text() == "IB (not connected)"
    assert window.windowTitle().startswith("IB (not connected)")
    assert connect.text() == "&Connect to IB" and connect.isEnabled()
    assert not disconnect.isEnabled()

    task = window.connect_broker()  # TWS is not running: the first connection is retried
    assert task is not None
    h.qtbot.waitUntil(lambda: h.app.connection_status().next_attempt is not None, timeout=10_000)
    assert not task.done()
    assert h.mode_text() == "IB (not connected)"
    assert "PAPER" not in window.windowTitle()
    assert connect.text() == "&Connect now" and connect.isEnabled()
    assert not disconnect.isEnabled()
    assert "next try in" in window.status.broker.text()
    assert [a.message for a in h.app.alerts.active() if a.message.startswith("Not connected yet")]

    with running_gateway(port=h.port):  # TWS started after the terminal
        connect.trigger()  # "Connect now": the waiting attempt runs at once
        assert window.connect_broker() is task  # the same connect, not a second one
        report = h.run(task)
        assert isinstance(report, StartReport) and report.account_id == "DU1234567"
        assert h.mode_text() == "IB PAPER"
        assert "DU1234567" in window.windowTitle()
        assert h.app.broker.connection_state is ConnectionState.CONNECTED
        assert not connect.isEnabled() and disconnect.isEnabled()
        assert [i.key for i in h.app.watchlist] == ["AAPL"]

        disconnect.trigger()
        h.qtbot.waitUntil(
            lambda: h.app.broker.connection_state is ConnectionState.DISCONNECTED, timeout=10_000
        )
        window.status.refresh()
        assert "DISCONNECTED" in window.status.broker.text()
        assert h.mode_text() == "IB PAPER"  # the account is known; the connection is not up
        assert connect.isEnabled() and not disconnect.isEnabled()

        h.run(window.connect_broker())  # back: the core renews market data and reconciles
        assert h.app.broker.connection_state is ConnectionState.CONNECTED
        window.status.refresh()
        assert window.status.broker.text() == "IB: connected"
        window.close_now()  # the window goes first (it saves its layout), then the core stops
        h.run(h.app.stop())
