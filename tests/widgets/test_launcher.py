"""The launcher's pieces: exception hook, UI actions' errors, refresh clock, log file, Qt messages."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from terminal.domain import InvalidQuantity, Severity
from widgets.launcher import install_exception_hook, route_qt_messages, setup_logging
from widgets.refresh import RefreshClock

from .conftest import Harness


def test_unhandled_exception_is_logged_and_raises_a_critical_alert_instead_of_dying(
    harness: Harness, logged_errors: list[logging.LogRecord]
) -> None:
    loop = harness.app._loop
    assert loop is not None
    previous = sys.excepthook
    install_exception_hook(harness.app, loop)
    try:
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
        loop.set_exception_handler(None)
    alerts = [a for a in harness.app.alerts.active() if a.severity is Severity.CRITICAL]
    assert any("RuntimeError: boom in a slot" in a.message for a in alerts)
    (record,) = logged_errors
    assert record.getMessage() == "ui failed"
    assert record.exc_info is not None and "boom in a slot" in str(record.exc_info[1])


def test_a_refused_ui_action_becomes_a_message_and_a_warning_alert(harness: Harness) -> None:
    messages: list[str] = []
    harness.session.message.connect(messages.append)

    async def refused() -> None:
        raise InvalidQuantity("quantity must be positive")

    task = harness.session.run(refused(), "stage")
    harness.qtbot.waitUntil(task.done)
    assert task.result() is None
    assert messages == ["stage: quantity must be positive"]
    assert any(
        a.severity is Severity.WARNING and "quantity must be positive" in a.message
        for a in harness.app.alerts.active()
    )


def test_a_bug_in_a_ui_action_becomes_a_critical_alert(
    harness: Harness, logged_errors: list[logging.LogRecord]
) -> None:
    async def broken() -> None:
        raise ZeroDivisionError("oops")

    task = harness.session.run(broken(), "broken-action")
    harness.qtbot.waitUntil(task.done)
    harness.qtbot.waitUntil(
        lambda: any(a.severity is Severity.CRITICAL for a in harness.app.alerts.active())
    )
    assert [r.getMessage() for r in logged_errors] == ["task broken-action failed"]


def test_refresh_clock_keeps_flushing_when_one_flush_fails_and_reports_it_once(
    qapp: object,
) -> None:
    clock = RefreshClock()
    calls: list[str] = []
    reported: list[tuple[str, str]] = []
    clock.report = lambda name, exc: reported.append((name, str(exc)))
    broken = True

    def bad() -> None:
        calls.append("bad")
        if broken:
            raise ValueError("broken pane")

    clock.register(bad)
    clock.register(lambda: calls.append("good"))
    clock.flush_now()
    clock.flush_now()
    assert calls == ["bad", "good", "bad", "good"]
    name = f"{__name__}.{bad.__qualname__}"
    assert reported == [(name, "broken pane")]  # once, not once per frame
    broken = False
    clock.flush_now()  # it recovers...
    broken = True
    clock.flush_now()  # ...and breaks again: a new failure, reported again
    assert reported == [(name, "broken pane")] * 2
    assert clock.interval_ms == 33


def test_a_failing_refresh_in_the_window_becomes_a_critical_alert_naming_it(
    harness: Harness, logged_errors: list[logging.LogRecord]
) -> None:
    def broken_flush() -> None:
        raise KeyError("row gone")

    harness.session.refresh.register(broken_flush)
    harness.session.refresh.flush_now()
    harness.session.refresh.unregister(broken_flush)
    (alert,) = [a for a in harness.app.alerts.active() if a.severity is Severity.CRITICAL]
    assert alert.source == f"refresh {__name__}.{broken_flush.__qualname__}"
    assert "KeyError: 'row gone'" in alert.message
    assert [r.getMessage() for r in logged_errors] == [f"{alert.source} failed"]


def test_log_file_goes_to_the_per_user_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = setup_logging("INFO")
        logging.getLogger("terminal.test").info("hello log file")
        for handler in root.handlers:
            handler.flush()
        assert path == tmp_path / "trading-terminal" / "log" / "terminal.log"
        assert "hello log file" in path.read_text()
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


def test_qt_warnings_go_to_the_log_without_offscreen_noise(
    qapp: object, caplog: pytest.LogCaptureFixture
) -> None:
    from PySide6.QtCore import qInstallMessageHandler, qWarning

    previous = qInstallMessageHandler(None)  # pytest-qt's capture, put back afterwards
    route_qt_messages()
    try:
        with caplog.at_level(logging.WARNING, logger="qt"):
            qWarning("This plugin does not support propagateSizeHints()")
            qWarning("a real Qt warning")
    finally:
        qInstallMessageHandler(previous)
    texts = [r.getMessage() for r in caplog.records if r.name == "qt"]
    assert texts == ["a real Qt warning"]


def test_the_launcher_builds_the_window_in_the_layout_read_before_the_loop(
    harness: Harness, tmp_path: Path
) -> None:
    from widgets.launcher import build_window
    from widgets.main_window import MainWindow

    first = build_window(harness.app, harness.app.settings, tmp_path / "settings.toml")
    harness.qtbot.addWidget(first)
    first.docks["depth"].setFloating(True)
    first.save_layout()
    assert harness.app.writer.flush(5.0)
    app = harness.app
    layout = MainWindow.load_layout_for(app.store, app.actor, app.workstation)
    second = build_window(harness.app, harness.app.settings, tmp_path / "settings.toml", layout)
    harness.qtbot.addWidget(second)
    assert second.docks["depth"].isFloating()
    third = build_window(harness.app, harness.app.settings, tmp_path / "settings.toml")
    harness.qtbot.addWidget(third)
    assert not third.docks["depth"].isFloating()  # no layout given: the default one
