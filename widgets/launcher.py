"""Start the window: QApplication + one qasync loop, logging to a rotating file, an exception hook
that alerts instead of dying, the core started on the loop, and an orderly shutdown on close.

Python's garbage collector runs on the GUI thread only while the window runs
(:mod:`widgets.gui_gc`), and the loop's own Qt objects are destroyed on that thread when it ends
(:mod:`widgets.event_loop`): a QObject must never be destroyed from the database writer's thread.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import logging.handlers
import os
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from terminal.app import StartReport, TradingApp
from terminal.broker.base import BrokerError
from terminal.domain import Severity
from terminal.gc_policy import freeze_startup_objects
from terminal.persistence.database import APP_NAME
from terminal.persistence.errors import PersistenceError
from terminal.settings import Settings, SettingsError
from terminal.startup import open_app, run_market, settings_path_from_args
from terminal.uptime import process_age
from widgets import event_loop
from widgets.gui_gc import GuiThreadCollector
from widgets.main_window import MainWindow
from widgets.refresh import RefreshClock
from widgets.resources import icon
from widgets.session import Mode, Session
from widgets.theme import apply_theme

log = logging.getLogger("terminal")

#: Reverse-DNS application id: desktop file name, WM class, icon name.
APP_ID = "io.github.tradingterminal.TradingTerminal"
LOG_BYTES = 5_000_000
LOG_BACKUPS = 5


def log_file_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME)) / "terminal.log"


def setup_logging(level: str) -> Path:
    """Log to a rotating file in the per-user log folder, and to stderr when there is one
    (a windowed Windows build has ``sys.stderr is None``)."""
    path = log_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(level)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(formatter)
    root.addHandler(handler)
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(formatter)
        console.setLevel(logging.WARNING)
        # ib_async logs every IB message code as an ERROR; the adapter turns the ones that
        # matter into alerts, so they stay in the file only.
        console.addFilter(lambda record: not record.name.startswith("ib_async"))
        root.addHandler(console)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return path


def missing_display(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why the window cannot open here, or None. On Linux, without ``QT_QPA_PLATFORM`` Qt asks
    for an X or Wayland server; with neither (an SSH shell, a service) it aborts the process
    with a core dump, so say it first, plainly, and name what does work."""
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are not set). Run it "
        "in a desktop session, or use --headless to trade without a window, or set "
        "QT_QPA_PLATFORM=offscreen for a window nobody sees (tests, smoke tests)"
    )


def qt_application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    route_qt_messages()
    app = QApplication(sys.argv[:1])
    # Only the application name: with an organisation name too, QStandardPaths doubles the folder.
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Trading Terminal")
    app.setDesktopFileName(APP_ID)
    app.setQuitOnLastWindowClosed(False)  # the launcher decides when the loop ends
    app.setWindowIcon(icon("app"))
    return app


def install_exception_hook(core: TradingApp, loop: asyncio.AbstractEventLoop) -> None:
    """Unhandled exceptions (slots, asyncSlot tasks, loop callbacks) are logged and raised as a
    critical alert; the window keeps running."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        try:
            core.report_failure("ui", exc.with_traceback(tb))
        except Exception:
            log.error("unhandled exception", exc_info=(kind, exc, tb))
            log.exception("could not raise an alert for an unhandled exception")

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            hook(type(exc), exc, exc.__traceback__)
        else:
            log.error("event loop: %s", context.get("message"))

    sys.excepthook = hook
    loop.set_exception_handler(loop_handler)


def build_window(
    core: TradingApp, settings: Settings, settings_path: Path, layout: bytes | None = None
) -> MainWindow:
    """The window around a built (not yet started) core, in the saved ``layout`` if given."""
    app = qt_application()
    palette = apply_theme(app, settings.ui.theme)
    session = Session(core, RefreshClock(), palette)
    session.settings_path = settings_path

    def open_settings(parent: QWidget) -> None:
        # Imported when first opened: the dialog's modules are not needed to show the window.
        from widgets.dialogs.settings import open_settings_dialog

        open_settings_dialog(session, settings_path, parent)

    window = MainWindow(
        session,
        open_settings=open_settings,
        build_later=True,  # the charts (pyqtgraph) once the window has been painted
    )
    if layout:
        window.restore_layout(layout)
    return window


def run_window(args: argparse.Namespace) -> int:
    """Entry point of ``trading-terminal`` (the window): runs Qt and asyncio as one loop until
    the window closes (or the smoke test ends)."""
    started = time.perf_counter()
    setup_logging(args.log_level)
    no_display = missing_display(os.environ) if QApplication.instance() is None else None
    if no_display is not None:
        log.error("cannot start the window: %s", no_display)
        print(f"trading-terminal: {no_display}", file=sys.stderr)
        return 2
    try:
        core = open_app(args)
        layout = MainWindow.load_layout_for(core.store, core.actor, core.workstation)
    except (SettingsError, PersistenceError) as exc:
        log.error("cannot start: %s", exc)
        print(f"trading-terminal: {exc}", file=sys.stderr)
        return 2
    collector = GuiThreadCollector(parent=qt_application())
    try:
        return int(event_loop.run(_run(core, args, started, layout)))
    finally:
        collector.stop()


async def _run(
    core: TradingApp, args: argparse.Namespace, started: float, layout: bytes | None
) -> int:
    """The whole session on the running loop: window, start, trade or smoke test, stop."""
    install_exception_hook(core, asyncio.get_running_loop())
    window = build_window(core, core.settings, settings_path_from_args(args), layout)
    # Ctrl+C and SIGTERM (a service manager, `kill`) quit without asking: the window closes,
    # which stops the core in order and records session_stop.
    for ended_by in (signal.SIGINT, signal.SIGTERM):
        signal.signal(ended_by, lambda *_: QTimer.singleShot(0, window.close_now))
    smoke = bool(args.smoke_test)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    # File → Connect runs the same start as this first one (after a failed start, e.g. TWS
    # was not running yet).
    window.start_session = functools.partial(start_session, window, core, smoke=smoke)
    window.show()
    # From the process's start (interpreter, imports, database): what the trader waited for.
    log.info("window shown %.0f ms after the process started", process_age() * 1000)
    window.session.refresh.start()
    code = 0
    if core.sign_in_required and not await _sign_in(core, window, args):
        window.close_now()
        await core.stop()
        return 2 if smoke else 0
    # The window waits for a broker that is not up yet (TWS started later): the core retries
    # with backoff and says when (File → Connect tries at once); closing the window meanwhile
    # ends the attempts. The smoke test fails fast instead.
    outcome: StartReport | Exception | None = None
    connecting = window.connect_broker()
    if connecting is not None:
        closing = asyncio.ensure_future(closed.wait())
        await asyncio.wait({connecting, closing}, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if not connecting.done():  # closed before the broker answered
            await core.stop()  # stops the attempts
            with contextlib.suppress(BrokerError, asyncio.CancelledError):
                await connecting
            return 0
        outcome = connecting.result()
    if smoke:
        if isinstance(outcome, StartReport):
            from widgets.smoke import run_smoke

            code = await run_smoke(window, outcome, started)
        else:
            from widgets.smoke import smoke_failed

            code = smoke_failed(core, f"could not connect: {outcome}", started)
        window.close_now()
    else:
        await closed.wait()
    await core.stop()
    return code


async def start_session(
    window: MainWindow, core: TradingApp, *, smoke: bool = False
) -> StartReport | Exception | None:
    """Connect (retrying while the broker is not up yet, except for the smoke test), reconcile
    and subscribe; show the mode; ask for the second key of a live account.

    Returns:
        The start report; the exception when the broker could not be reached (the window
        stays up, disconnected, and says why: File → Connect tries again); None when the
        trader declined a live account (the window closes).
    """
    session = window.session
    try:
        report = await core.start(retry_connect=not smoke)
    except Exception as exc:
        expected = isinstance(exc, BrokerError)  # refused, unreachable, live not allowed
        log.error("could not connect to %s: %s", core.broker.name, exc, exc_info=not expected)
        core.alerts.raise_alert(
            Severity.CRITICAL, "broker", f"could not connect to {core.broker.name}: {exc}"
        )
        session.message.emit(f"could not connect to {core.broker.name}: {exc}")
        return exc
    session.mode = Mode.of(core.broker.name, report.paper)
    window.update_mode(report.account_id)
    if session.mode is Mode.IB_LIVE and not smoke:
        from widgets.dialogs.live_confirm import confirm_live

        if not await confirm_live(report.account_id, window):
            core.audit.record("live_declined", core.workstation, {"account": report.account_id})
            window.close_now()
            return None
        core.audit.record("live_confirmed", core.workstation, {"account": report.account_id})
    window.on_started(report)
    log.info("session started %.0f ms after the process started", process_age() * 1000)
    freeze_startup_objects()
    run_market(core.broker)
    core.watch_feeds()
    core.watch_health()
    if not smoke:  # for a terminal it was started from (and scripts waiting on it)
        print(f"Connected to {core.broker.name} (account {report.account_id}).", flush=True)
    return report


async def _sign_in(core: TradingApp, window: MainWindow, args: argparse.Namespace) -> bool:
    """A desk with users: someone signs in before anything connects (False: they quit)."""
    import os

    from terminal.desk.admin import PASSWORD_ENV
    from terminal.desk.users import SignInRefused
    from terminal.startup import sign_in_blocking
    from widgets.dialogs.sign_in import sign_in

    password = os.environ.get(PASSWORD_ENV)
    loop = asyncio.get_running_loop()
    signed_in = False
    if args.user and password is not None:  # unattended (a kiosk, the smoke test)
        try:
            await loop.run_in_executor(None, sign_in_blocking, core, args.user, password)
            signed_in = True
        except SignInRefused as exc:
            log.warning("sign-in of %s refused: %s", args.user, exc)
            if args.smoke_test:
                return False
    if not signed_in and not await sign_in(core, window, args.user or "", window.closed):
        return False
    window.update_mode()
    # The layout of this user at this workstation, now that the user is known.
    layout = await asyncio.get_running_loop().run_in_executor(None, window.load_saved_layout)
    if layout:
        window.restore_layout(layout)
    return True


#: Qt warnings that the offscreen platform prints for every dock; harmless and not actionable.
_QT_NOISE = ("does not support propagateSizeHints", "This plugin does not support raise()")


def route_qt_messages() -> None:
    """Send Qt's own warnings to the log instead of stderr (dropping offscreen-platform noise)."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(kind: QtMsgType, _context: object, text: str) -> None:
        if any(noise in text for noise in _QT_NOISE):
            return
        qt_log.log(levels.get(kind, logging.WARNING), "%s", text)

    qInstallMessageHandler(handler)
