"""The watchlist's Pos column: the signed quantity held, updated on fills, blank when flat."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from terminal.domain import OrderSide
from widgets.panes.watchlist import WatchlistPane

from .conftest import Harness
from .test_blotter import fill_market
from .test_watchlist import cell, foreground


@pytest.fixture
def pane(harness: Harness) -> WatchlistPane:
    pane = WatchlistPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(560, 320)
    pane.show()
    harness.qtbot.waitExposed(pane)
    harness.step()
    return pane


def test_a_fill_on_the_simulator_shows_the_signed_position_and_flat_is_blank(
    harness: Harness, pane: WatchlistPane
) -> None:
    assert cell(pane, "AAPL", "Pos") == ""
    fill_market(harness, "AAPL", 100)
    harness.step()
    assert cell(pane, "AAPL", "Pos") == "+100"
    assert foreground(pane, "AAPL", "Pos") == harness.session.palette.up
    assert cell(pane, "MSFT", "Pos") == ""  # only the instrument filled

    fill_market(harness, "AAPL", 150, OrderSide.SELL)
    harness.step()
    assert cell(pane, "AAPL", "Pos") == "-50"
    assert foreground(pane, "AAPL", "Pos") == harness.session.palette.down
    assert "-50 AAPL held" in str(cell(pane, "AAPL", "Pos", Qt.ItemDataRole.ToolTipRole))

    fill_market(harness, "AAPL", 50)
    harness.step()
    assert cell(pane, "AAPL", "Pos") == ""


def test_a_row_added_while_a_position_is_held_shows_it(harness: Harness) -> None:
    fill_market(harness, "AAPL", 30, OrderSide.SELL)
    harness.step()
    pane = WatchlistPane(harness.session)  # built after the fill: filled from the portfolio
    harness.qtbot.addWidget(pane)
    harness.step()
    assert cell(pane, "AAPL", "Pos") == "-30"
