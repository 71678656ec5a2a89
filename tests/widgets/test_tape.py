"""Time & sales: the tape fills from the simulator's prints at the refresh clock, newest on top,
coloured by aggressor; it follows the active instrument and holds no tape off screen."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QApplication

from terminal.domain import Quote, Trade
from terminal.marketdata.tape import Aggressor, Tape
from terminal.settings import TapeSettings
from widgets.cell_paint import CELL_ROLES
from widgets.main_window import MainWindow
from widgets.panes.tape import TimeAndSalesPane
from widgets.panes.tape_model import TapeColumn, TapeModel
from widgets.theme import DARK, LIGHT

from .conftest import Harness

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
QUOTE = Quote("AAPL", bid=100.0, ask=100.10)


def tape_of(window: MainWindow) -> TimeAndSalesPane:
    pane = window.panes["tape"]
    assert isinstance(pane, TimeAndSalesPane)
    return pane


def shown_tape(window: MainWindow, harness: Harness) -> TimeAndSalesPane:
    """The pane with its tab in front (by default it sits behind the depth ladder)."""
    pane = tape_of(window)
    window.bring_forward("tape")
    harness.until(lambda: pane.subscribed is not None and pane.model.rowCount() >= 10)
    return pane


def test_the_tape_is_behind_the_ladder_by_default_and_holds_no_tape_there(
    window: MainWindow, harness: Harness
) -> None:
    pane = tape_of(window)
    harness.step(3)
    assert not pane.on_screen and pane.subscribed is None
    # Only the ladder in front holds AAPL's tape (its Volume today column), not this pane.
    assert window.panes["depth"].on_screen
    assert harness.app.market.tape_references("AAPL") == 1
    # What it shows is the ladder's tape (a pane shows a tape another holds, see show_instrument).
    tape = harness.app.market.tape("AAPL")
    assert tape is not None
    assert pane.model.rowCount() <= len(tape)


def test_the_tape_fills_from_simulator_prints_newest_on_top_judged_at_the_touch(
    window: MainWindow, harness: Harness
) -> None:
    pane = shown_tape(window, harness)
    tape = harness.app.market.tape("AAPL")
    assert tape is not None
    model = pane.model
    rows = [model.print_at(r) for r in range(model.rowCount())]
    assert rows == tape.newest()  # every print the tape holds, newest first
    assert all(p.key == "AAPL" for p in rows)
    assert [p.time for p in rows] == sorted((p.time for p in rows), reverse=True)
    # The simulator prints at the touch it has just quoted: a buyer at the ask, a seller at the
    # bid; judged against a stale quote some prints would land "between" or "no quote".
    assert {p.aggressor for p in rows} == {Aggressor.BUY, Aggressor.SELL}
    for p in rows:  # ... and exactly at the touch of that quote
        assert p.price == pytest.approx(p.ask if p.aggressor is Aggressor.BUY else p.bid)
    for row, print_ in enumerate(rows):
        expected = DARK.up if print_.aggressor is Aggressor.BUY else DARK.down
        brush = model.data(model.index(row, TapeColumn.PRICE), Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush) and brush.color() == expected
        side = model.data(model.index(row, TapeColumn.SIDE))
        assert side == ("At ask" if print_.aggressor is Aggressor.BUY else "At bid")
    assert "simulator prints" in pane.source_label.text()
    assert f"{len(tape):,} prints" in pane.summary_label.text()


def test_prints_reach_the_table_at_the_refresh_clock_not_per_print(
    window: MainWindow, harness: Harness
) -> None:
    pane = shown_tape(window, harness)
    tape = harness.app.market.tape("AAPL")
    assert tape is not None
    shown, version = pane.model.rowCount(), tape.version

    def printed() -> bool:  # step the exchange without the refresh clock
        harness.clock.advance(0.5)
        harness.broker.step()
        return tape.version > version

    harness.qtbot.waitUntil(printed)
    QApplication.processEvents()
    assert pane.model.rowCount() == shown  # recorded, not yet painted
    harness.session.refresh.flush_now()
    assert pane.model.rowCount() == min(len(tape), shown + tape.version - version)
    assert pane.model.print_at(0) == tape.newest(1)[0]


def test_switching_instrument_switches_the_tape_and_releases_the_old_one(
    window: MainWindow, harness: Harness
) -> None:
    pane = shown_tape(window, harness)
    msft = harness.app.watchlist[1]
    harness.session.set_active(msft)
    assert pane.model.rowCount() == 0  # no AAPL print lingers under the MSFT title
    harness.until(lambda: pane.model.rowCount() >= 3)
    assert pane.symbol_label.text() == "MSFT"
    assert {pane.model.print_at(r).key for r in range(pane.model.rowCount())} == {"MSFT"}
    assert pane.subscribed is not None and pane.subscribed.key == "MSFT"
    assert harness.app.market.tape("AAPL") is None
    assert "AAPL" in harness.app.market.subscribed_keys()  # the watchlist keeps its quotes


def test_a_hidden_tape_releases_its_subscription_and_takes_it_back(
    window: MainWindow, harness: Harness
) -> None:
    pane = shown_tape(window, harness)
    assert harness.app.market.tape_references("AAPL") == 1  # this pane's; the ladder is behind
    window.bring_forward("depth")  # the tape goes behind its tab
    harness.until(lambda: pane.subscribed is None)
    harness.until(lambda: window.panes["depth"].subscribed is not None)
    assert harness.app.market.tape_references("AAPL") == 1  # the ladder's only
    assert pane.model.rowCount() == 0

    window.bring_forward("tape")
    harness.until(lambda: pane.subscribed is not None and pane.model.rowCount() > 0)

    window.docks["tape"].close()  # the dock's close button
    harness.until(lambda: pane.subscribed is None)
    harness.until(lambda: window.panes["depth"].subscribed is not None)
    assert harness.app.market.tape_references("AAPL") == 1  # the ladder's only


# -- the table model on its own ----------------------------------------------------------------
def add(tape: Tape, price: float, size: float, second: int) -> None:
    tape.add(Trade("AAPL", price, size, T0 + dt.timedelta(seconds=second)), QUOTE)


def test_the_model_inserts_new_prints_on_top_and_drops_those_the_ring_dropped(
    qapp: QApplication,
) -> None:
    tape = Tape("AAPL", TapeSettings(length=5))
    model = TapeModel(DARK)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    for i in range(3):
        add(tape, 100.10, 100, i)
    assert model.sync(tape) == 3
    for i in range(3, 7):
        add(tape, 100.0, 100, i)
    assert model.sync(tape) == 4
    assert inserts == [(0, 3)]  # one insert for the batch (the first sync was a reset)
    assert [model.print_at(r).time.second for r in range(model.rowCount())] == [6, 5, 4, 3, 2]
    assert model.sync(tape) == 0
    assert model.data(model.index(0, TapeColumn.TIME)).endswith(":06.000")  # local time, ms
    model.sync(None)
    assert model.rowCount() == 0


def test_large_prints_are_bold_on_a_tinted_row_and_colours_follow_the_theme(
    qapp: QApplication,
) -> None:
    tape = Tape("AAPL", TapeSettings(large_multiple=0, large_size=1000))
    model = TapeModel(DARK)
    add(tape, 100.10, 5000, 0)  # large, at the ask
    add(tape, 100.05, 200, 1)  # between, small
    model.sync(tape)
    small, large = model.index(0, TapeColumn.SIZE), model.index(1, TapeColumn.SIZE)
    font = model.data(large, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    tint = model.data(large, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QBrush) and tint.color().rgb() == DARK.up.rgb()
    assert model.data(small, Qt.ItemDataRole.FontRole) is None
    assert model.data(small, Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(small, Qt.ItemDataRole.ForegroundRole).color() == DARK.text
    assert model.data(large) == "5,000"
    assert "bid 100.00 / ask 100.10" in model.data(large, Qt.ItemDataRole.ToolTipRole)

    changed: list[QModelIndex] = []
    model.dataChanged.connect(lambda first, _last: changed.append(first))
    model.set_palette(LIGHT)
    assert changed  # repainted
    assert model.data(small, Qt.ItemDataRole.ForegroundRole).color() == LIGHT.text
    assert model.data(large, Qt.ItemDataRole.ForegroundRole).color() == LIGHT.up


def test_painted_cells_follow_inserts_ring_drops_and_theme_switches(qapp: QApplication) -> None:
    """The painter's cells are kept per row: they must always say what data() says."""

    def assert_cells_match(model: TapeModel) -> None:
        roles = CELL_ROLES
        for row in range(model.rowCount()):
            for column in TapeColumn:
                expected = tuple(model.role_data(row, column, role) for role in roles)
                assert model.cell(row, column) == expected, (row, column)

    tape = Tape("AAPL", TapeSettings(length=4, large_multiple=0, large_size=1000))
    model = TapeModel(DARK)
    add(tape, 100.10, 5000, 0)
    add(tape, 100.00, 100, 1)
    model.sync(tape)
    assert_cells_match(model)  # builds the cache
    for i in range(2, 5):
        add(tape, 100.05, 200 * i, i)
    model.sync(tape)  # three on top, one dropped at the bottom
    assert_cells_match(model)
    model.set_palette(LIGHT)
    assert model.cell(0, TapeColumn.PRICE)[2].color() == LIGHT.text
    assert_cells_match(model)
