"""Write the desk-mode PNGs to docs/screenshots/ (run through scripts/with-postgres.sh).

Two terminals in one process on a throwaway PostgreSQL database: alice (trader, desk-1) and
rita (risk manager, desk-2), four eyes above 10,000. Grabs rita's sign-in dialog, then rita's
approval queue once alice has staged orders (one waits for a second approver, one rita approved
and alice's terminal sent and filled). Usage::

    sh scripts/with-postgres.sh .venv/bin/python scripts/desk_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig  # noqa: E402
from terminal.desk.policy import POLICY_KEY, FourEyesPolicy  # noqa: E402
from terminal.desk.users import Role, UserStore  # noqa: E402
from terminal.domain import OrderStatus, OrderType, WallClock  # noqa: E402
from terminal.persistence import open_database  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from terminal.startup import sign_in_blocking, wait_for  # noqa: E402
from tests.helpers.postgres import fresh_database  # noqa: E402
from widgets.dialogs.sign_in import SignInDialog  # noqa: E402
from widgets.launcher import qt_application  # noqa: E402
from widgets.panes.approvals import ApprovalQueuePane  # noqa: E402
from widgets.refresh import RefreshClock  # noqa: E402
from widgets.session import Session  # noqa: E402
from widgets.theme import apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def terminal(url: str, workstation: str, seed: int) -> TradingApp:
    settings = Settings()
    settings = replace(
        settings,
        ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "NVDA")),
        desk=replace(settings.desk, checkpoint_at_stop=False),
    )
    clock = WallClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=seed)
    app = TradingApp(settings, open_database(url), broker, clock, workstation=workstation)
    app.restore()
    return app


async def shoot(url: str) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    palette = apply_theme(qapp, "dark")
    alice, rita = terminal(url, "desk-1", 7), terminal(url, "desk-2", 8)
    dialog = SignInDialog("desk-2", rita.database.url, "rita")
    dialog.password_edit.setText("rita-demo")
    dialog.show()
    await asyncio.sleep(0.2)  # let it lay out and paint
    dialog.grab().save(str(OUT / "desk-sign-in.png"))
    dialog.close()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sign_in_blocking, alice, "alice", "alice-demo")
    await loop.run_in_executor(None, sign_in_blocking, rita, "rita", "rita-demo")
    for app in (alice, rita):
        await app.start()
        app.broker.start()  # type: ignore[attr-defined]
    session = Session(rita, RefreshClock(), palette)
    pane = ApprovalQueuePane(session)
    pane.resize(1500, 520)
    pane.show()
    session.refresh.start()
    aapl, msft, nvda = alice.watchlist
    for inst in (aapl, msft, nvda):
        await wait_for(
            alice.market.quotes_updated,
            lambda i=inst: alice.market.last_quote(i.key) is not None,
            "q",
        )
    small = alice.orders.stage_input(
        msft, side="BUY", quantity=Decimal(10), order_type=OrderType.MARKET
    )
    await alice.orders.approve(small.id)
    big = alice.orders.stage_input(
        aapl, side="BUY", quantity=Decimal(200), order_type=OrderType.MARKET
    )
    waiting = alice.orders.stage_input(
        nvda, side="SELL", quantity=Decimal(300), order_type=OrderType.MARKET
    )
    await wait_for(
        rita.orders.order_updated, lambda: rita.orders.book.find(waiting.id) is not None, "desk"
    )
    await rita.orders.approve(big.id)
    await wait_for(
        rita.orders.order_updated,
        lambda: (o := rita.orders.book.find(big.id)) is not None and o.status is OrderStatus.FILLED,
        "the fill heard on the desk",
    )
    await wait_for(
        rita.orders.order_updated,
        lambda: (
            (o := rita.orders.book.find(small.id)) is not None and o.status is OrderStatus.FILLED
        ),
        "the small fill",
    )
    session.refresh.flush_now()
    await asyncio.sleep(0.5)
    session.refresh.flush_now()
    pane.table.select_key(waiting.id)
    await asyncio.sleep(0.2)
    pane.grab().save(str(OUT / "desk-approvals.png"))
    session.refresh.stop()
    for app in (alice, rita):
        await app.stop()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = qt_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with fresh_database() as url, tempfile.TemporaryDirectory():
        db = open_database(url)
        users = UserStore(db.engine)
        users.add("alice", Role.TRADER, "alice-demo")
        users.add("rita", Role.RISK_MANAGER, "rita-demo")
        from sqlalchemy.orm import Session as DbSession

        from terminal.persistence.schema import SettingRow

        with DbSession(db.engine) as s, s.begin():
            s.add(
                SettingRow(key=POLICY_KEY, value=FourEyesPolicy(notional=Decimal(10_000)).to_dict())
            )
        db.close()
        with loop:
            loop.run_until_complete(shoot(url))
    print(f"wrote {OUT / 'desk-sign-in.png'} and {OUT / 'desk-approvals.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
