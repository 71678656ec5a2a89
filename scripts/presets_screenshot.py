"""Write docs/screenshots/pane-ticket-preset.png, pane-depth-preset.png and settings-presets.png.

The real order ticket on the simulated exchange (virtual clock) with the AAPL default preset
chosen (300 LMT at the bid, a GTC bracket 10 ticks up / 5 down), a refused preset's reason under
the combo, the depth ladder with the same default (a click stages its bracket around the
clicked price), and Settings › Presets with three presets (one per instrument, one for all stocks).
Run by ``make screenshots`` after scripts/screenshots.py.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pane_shot import ROOT, shoot, step_market

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import ManualClock
from terminal.presets.model import preset_from_table
from terminal.settings import Settings
from widgets.dialogs.settings import SettingsDialog
from widgets.panes.depth import DepthLadderPane
from widgets.panes.ticket import OrderTicketPane
from widgets.session import Session

OUT = ROOT / "docs" / "screenshots"

PRESETS = (
    preset_from_table(
        {
            "name": "AAPL scalp",
            "instrument": "AAPL",
            "quantity": "300",
            "tif": "GTC",
            "take_profit": "10 ticks",
            "stop_loss": "5 ticks",
            "default": True,
        }
    ),
    preset_from_table(
        {
            "name": "AAPL swing",
            "instrument": "AAPL",
            "quantity": "200",
            "take_profit": "2 %",
            "stop_loss": "at 200.00",
        }
    ),
    preset_from_table(
        {
            "name": "Stocks 100 MKT",
            "asset_class": "STK",
            "quantity": "100",
            "order_type": "MKT",
            "stop_loss": "0.5 %",
            "default": True,
        }
    ),
    preset_from_table({"name": "AAPL size up", "instrument": "AAPL", "quantity": "20000"}),
)


def main() -> int:
    settings = Settings()
    settings = replace(
        settings, ui=replace(settings.ui, watchlist=("AAPL", "MSFT", "SPY")), presets=PRESETS
    )
    return shoot(OUT / "pane-ticket-preset.png", OrderTicketPane, (430, 600), settings, produce)


async def produce(
    core: TradingApp,
    session: Session,
    pane: OrderTicketPane,
    clock: ManualClock,
    broker: SimBroker,
) -> None:
    step = functools.partial(step_market, clock, broker, session)
    await core.start()
    pane.show()
    await step(10)
    session.set_active(core.watchlist[0])  # AAPL: its default preset fills the ticket
    await step(3)
    pane.choose_preset("AAPL scalp")  # priced at the touch now
    pane.choose_preset("AAPL size up")  # over the order-size limit: refused, reason shown
    session.refresh.flush_now()
    await asyncio.sleep(0.05)
    pane.grab().save(str(OUT / "pane-ticket-preset.png"))

    ladder = DepthLadderPane(session)
    ladder.resize(460, 420)
    ladder.show()
    await step(10)
    ladder.recentre()
    await asyncio.sleep(0.05)
    ladder.grab().save(str(OUT / "pane-depth-preset.png"))
    print(f"wrote {OUT / 'pane-depth-preset.png'}")
    ladder.close()

    with tempfile.TemporaryDirectory() as folder:
        dialog = SettingsDialog(session, Path(folder) / "settings.toml")
        dialog.tabs.setCurrentIndex(dialog.tab_index("presets"))
        dialog.show()
        page = dialog.presets_page
        page.select(1)
        await asyncio.sleep(0.05)
        dialog.grab().save(str(OUT / "settings-presets.png"))
        print(f"wrote {OUT / 'settings-presets.png'}")
        dialog.reject()


if __name__ == "__main__":
    sys.exit(main())
