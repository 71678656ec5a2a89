"""One pane on the simulated exchange (virtual clock), for the single-pane screenshot scripts.

``shoot`` opens the core on a throwaway SQLite file, builds the pane, runs the script's
``produce`` coroutine (which starts the core and sets the scene) and closes everything again;
``step_market`` advances the market and repaints the views. Used by builder_screenshot.py,
strategies_screenshot.py and risk_screenshot.py (``make screenshots``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.domain import ManualClock, OrderIntent  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import qt_application  # noqa: E402
from widgets.refresh import RefreshClock  # noqa: E402
from widgets.session import Session  # noqa: E402
from widgets.theme import DARK, apply_theme  # noqa: E402

Produce = Callable[[TradingApp, Session, Any, ManualClock, SimBroker], Coroutine[Any, Any, None]]


async def step_market(
    clock: ManualClock, broker: SimBroker, session: Session, count: int = 1
) -> None:
    """Advance the market ``count`` half-second steps, repainting the views after each."""
    for _ in range(count):
        clock.advance(0.5)
        broker.step()
        await asyncio.sleep(0.005)
        session.refresh.flush_now()


async def fill(
    core: TradingApp, step: Callable[[], Coroutine[Any, Any, None]], intent: OrderIntent
) -> None:
    """Stage and approve ``intent`` (a WARN overridden), stepping the market until it is done."""
    order = core.orders.stage(intent)
    await core.orders.approve(order.id, override_reason="screenshot")
    for _ in range(200):
        if core.orders.get(order.id).status.is_terminal:
            return
        await step()
    raise RuntimeError(f"{order.id} did not fill: {core.orders.get(order.id)}")


def shoot(
    out: Path,
    make_pane: Callable[[Session], QWidget],
    size: tuple[int, int],
    settings: Settings,
    produce: Produce,
) -> int:
    """Run ``produce`` on a fresh simulated session with the pane ``make_pane`` builds."""
    app = qt_application()
    apply_theme(app, "dark")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=7)
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/shot.db", broker, clock)
        core.restore()
        session = Session(core, RefreshClock(), DARK)
        pane = make_pane(session)
        pane.resize(*size)
        loop.run_until_complete(produce(core, session, pane, clock, broker))
        session.detach()
        pane.close()
        loop.run_until_complete(core.stop())
    loop.close()
    print(f"wrote {out}")
    return 0
