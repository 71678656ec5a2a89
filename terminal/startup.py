"""What every way of starting the terminal shares: settings from the command line, the broker
they name, and the smoke test's wait helper. Used by the window (``widgets.launcher``) and the
console runner (``terminal.headless``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from eventkit import Event

from terminal.broker.base import Broker
from terminal.domain import Clock, WallClock
from terminal.persistence.database import APP_NAME
from terminal.settings import Settings, load_settings

if TYPE_CHECKING:
    from terminal.app import TradingApp


class SmokeFailure(RuntimeError):
    """A smoke-test step failed; the message names the step."""


def default_settings_path() -> Path:
    """The per-user settings file (``settings.toml`` in the user config folder)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.toml"


def settings_path_from_args(args: argparse.Namespace) -> Path:
    config: Path | None = args.config
    return config if config is not None else default_settings_path()


def make_broker(settings: Settings, clock: Clock, seed: int | None) -> Broker:
    """Build the broker named in the settings."""
    if settings.broker.kind == "sim":
        from terminal.broker.sim.factory import sim_broker_from_settings

        return sim_broker_from_settings(settings.sim, clock, seed)
    from terminal.broker.ib.broker import IBBroker
    from terminal.broker.ib.config import IBConfig

    return IBBroker(IBConfig.from_settings(settings.broker), clock)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Read the settings file (``--config``, else the per-user one) and apply overrides."""
    settings = load_settings(settings_path_from_args(args))
    broker = settings.broker
    if args.broker:
        broker = replace(broker, kind=args.broker)
    if args.host:
        broker = replace(broker, host=args.host)
    if args.port:
        broker = replace(broker, port=args.port)
    if args.client_id is not None:
        broker = replace(broker, client_id=args.client_id)
    if args.live:
        broker = replace(broker, live=True)
    desk = settings.desk
    if getattr(args, "workstation", None):
        desk = replace(desk, workstation=args.workstation)
    return replace(
        settings, broker=broker, desk=desk, database_url=args.db or settings.database_url
    )


def open_app(args: argparse.Namespace) -> TradingApp:
    """Build the session the command line asks for, on wall time: settings, broker, database
    (migrated), and what the last session left. Blocking: call before the event loop runs.

    Raises:
        SettingsError: the settings file or an option is invalid.
        PersistenceError: the database cannot be opened.
    """
    from terminal.app import TradingApp

    settings = settings_from_args(args)
    clock = WallClock()
    broker = make_broker(settings, clock, args.seed)
    app = TradingApp.open(settings, settings.database_url, broker, clock)
    app.restore()
    if app.on_desk:
        from terminal.desk.users import UserStore

        app.sign_in_required = UserStore(app.database.engine).any_users()
    return app


def run_session[T](main: Coroutine[Any, Any, T]) -> T | None:
    """Run ``main`` on a new event loop until it returns, or until Ctrl+C or SIGTERM.

    Both signals end the session the same way: the main task is cancelled, so its ``finally``
    (``TradingApp.stop``) shuts down in order and records ``session_stop``. A service manager or
    ``kill`` sends SIGTERM; without this it killed the process with no record of the end.

    Returns:
        What ``main`` returned, or ``None`` when a signal ended it.
    """

    async def supervised() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        except (NotImplementedError, AttributeError):  # Windows: no loop signal handlers
            signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(task.cancel))
        return await main

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        return asyncio.run(supervised())
    return None


def sign_in_blocking(app: TradingApp, name: str, password: str) -> None:
    """Check the desk user's password and sign in (blocking: before the loop, or in an
    executor). A refusal is audited and raised.

    Raises:
        SignInRefused: unknown user, wrong password, or disabled.
    """
    from terminal.desk.users import SignInRefused, UserStore

    try:
        user = UserStore(app.database.engine).authenticate(name, password)
    except SignInRefused as exc:
        app.audit.record("sign_in_failed", app.workstation, {"user": name, "reason": str(exc)})
        raise
    app.sign_in(user)


def run_market(broker: Broker) -> None:
    """Let an in-process exchange (the simulator) tick on wall time; a real broker just streams."""
    start = getattr(broker, "start", None)
    if callable(start):
        start()


async def wait_for(event: Event, predicate: Any, what: str, seconds: float = 15.0) -> None:
    """Wait until ``predicate()`` holds, re-checking whenever ``event`` fires.

    Raises:
        SmokeFailure: not within ``seconds`` (the message names ``what``).
    """
    if predicate():
        return
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def check(*_: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)

    event += check
    try:
        async with asyncio.timeout(seconds):
            await done
    except TimeoutError:
        raise SmokeFailure(f"timed out waiting for {what}") from None
    finally:
        event -= check
