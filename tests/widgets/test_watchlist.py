"""The watchlist pane on the real core and the simulated exchange (virtual clock)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.app import DEFAULT_WATCHLIST
from terminal.domain import Instrument, OrderSide, Quote
from widgets import formatting as fmt
from widgets.main_window import MainWindow
from widgets.panes.watchlist import WatchlistPane
from widgets.panes.watchlist_model import FLASH_SECONDS, WatchRow
from widgets.session import TicketRequest
from widgets.table_model import SORT_ROLE

from .conftest import WATCHLIST, Harness, build_harness


@pytest.fixture
def pane(harness: Harness) -> WatchlistPane:
    pane = WatchlistPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(520, 320)
    pane.show()
    harness.qtbot.waitExposed(pane)
    harness.step()
    return pane


def cell(
    pane: WatchlistPane, key: str, title: str, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    position = pane.model.position(key)
    assert position is not None, f"{key} is not shown"
    return pane.model.index(position, pane.model.column_of(title)).data(role)


def background(pane: WatchlistPane, key: str, title: str = "Last") -> object:
    brush = cell(pane, key, title, Qt.ItemDataRole.BackgroundRole)
    return brush.color() if isinstance(brush, QBrush) else None


def foreground(pane: WatchlistPane, key: str, title: str) -> object:
    brush = cell(pane, key, title, Qt.ItemDataRole.ForegroundRole)
    return brush.color() if isinstance(brush, QBrush) else None


def shown_keys(pane: WatchlistPane) -> list[str]:
    return [pane.view.row_at(r).key for r in range(pane.view.model().rowCount())]


def push(harness: Harness, key: str, *, last: float, prev_close: float) -> None:
    """Send one quote for ``key`` through the broker, as the exchange would."""
    current = harness.app.market.last_quote(key)
    assert current is not None
    quote = Quote(
        key,
        bid=last - 0.01,
        ask=last + 0.01,
        last=last,
        volume=current.volume,
        prev_close=prev_close,
        time=harness.clock.now(),
    )
    harness.broker.quotes_received.emit([quote])


def view_center(pane: WatchlistPane, key: str) -> QPoint:
    position = pane.model.position(key)
    assert position is not None
    index = pane.view.model().mapFromSource(pane.model.index(position, 0))  # type: ignore[attr-defined]
    return pane.view.visualRect(index).center()


def test_rows_show_the_watchlist_and_move_with_the_market_only_on_a_flush(
    pane: WatchlistPane, harness: Harness
) -> None:
    assert pane.model.keys() == list(WATCHLIST)
    harness.step(3)
    for key in WATCHLIST:
        quote = harness.app.market.last_quote(key)
        assert quote is not None
        assert cell(pane, key, "Bid") == fmt.price(quote.bid)
        assert cell(pane, key, "Ask") == fmt.price(quote.ask)
        assert cell(pane, key, "Last") == fmt.price(quote.last)
        assert cell(pane, key, "% Change") == fmt.percent(round(quote.change_percent, 2) or 0.0)
        assert cell(pane, key, "Volume") == fmt.volume(quote.volume)

    # the quote handler only marks rows; the refresh clock publishes them in one signal
    changes: list[tuple[int, int]] = []
    pane.model.dataChanged.connect(
        lambda top, bottom, _roles: changes.append((top.row(), bottom.row()))
    )
    harness.clock.advance(5.0)
    harness.broker.step()
    QApplication.processEvents()
    assert changes == []
    assert pane.model.dirty_count == len(WATCHLIST)
    latest = harness.app.market.last_quote("AAPL")
    row = pane.model.get("AAPL")
    assert latest is not None and row is not None
    assert (row.bid, row.ask) == (latest.bid, latest.ask)  # the row object holds the new quote...
    harness.session.refresh.flush_now()
    assert changes == [(0, len(WATCHLIST) - 1)]  # ...and one ranged dataChanged shows it


def test_a_moved_last_price_flashes_then_clears_when_the_clock_moves_on(
    pane: WatchlistPane, harness: Harness
) -> None:
    palette = harness.session.palette
    harness.clock.advance(FLASH_SECONDS * 2)
    harness.session.refresh.flush_now()  # earlier flashes expire
    assert background(pane, "AAPL") is None

    aapl = harness.app.market.last_quote("AAPL")
    msft = harness.app.market.last_quote("MSFT")
    assert aapl is not None and msft is not None
    push(harness, "AAPL", last=aapl.last + 0.5, prev_close=aapl.last - 1.0)
    push(harness, "MSFT", last=msft.last - 0.5, prev_close=msft.last + 1.0)
    harness.session.refresh.flush_now()
    assert background(pane, "AAPL") == palette.flash_up
    assert background(pane, "MSFT") == palette.flash_down
    assert background(pane, "SPY") is None
    assert foreground(pane, "AAPL", "Change") == palette.up
    assert foreground(pane, "AAPL", "% Change") == palette.up
    assert foreground(pane, "MSFT", "Change") == palette.down
    assert str(cell(pane, "MSFT", "Change")).startswith("-")

    harness.clock.advance(FLASH_SECONDS / 2)
    harness.session.refresh.flush_now()
    assert background(pane, "AAPL") == palette.flash_up  # still within the flash

    harness.clock.advance(FLASH_SECONDS)
    harness.session.refresh.flush_now()
    assert background(pane, "AAPL") is None
    assert background(pane, "MSFT") is None
    assert foreground(pane, "AAPL", "Change") == palette.up  # the direction colour stays


def test_delayed_data_is_marked_delayed_until_real_time_data_arrives(
    pane: WatchlistPane, harness: Harness
) -> None:
    harness.session.refresh.flush_now()
    assert cell(pane, "MSFT", "Symbol") == "MSFT"
    current = harness.app.market.last_quote("MSFT")
    assert current is not None
    delayed = Quote("MSFT", bid=current.bid, ask=current.ask, last=current.last, delayed=True)
    harness.broker.quotes_received.emit([delayed])
    harness.session.refresh.flush_now()
    assert cell(pane, "MSFT", "Symbol") == "MSFT (D)"
    assert foreground(pane, "MSFT", "Symbol") == harness.session.palette.warning
    assert "delayed data" in str(cell(pane, "MSFT", "Symbol", Qt.ItemDataRole.ToolTipRole))
    assert cell(pane, "AAPL", "Symbol") == "AAPL"
    harness.broker.quotes_received.emit([Quote("MSFT", bid=current.bid, ask=current.ask)])
    harness.session.refresh.flush_now()
    assert cell(pane, "MSFT", "Symbol") == "MSFT"


def test_percent_change_sorts_as_numbers_not_text(pane: WatchlistPane, harness: Harness) -> None:
    # AAPL -1.50 %, MSFT +0.50 %, SPY +12.00 %: as text "+0.50%" < "+12.00%" < "-1.50%"
    push(harness, "AAPL", last=98.5, prev_close=100.0)
    push(harness, "MSFT", last=100.5, prev_close=100.0)
    push(harness, "SPY", last=112.0, prev_close=100.0)
    harness.session.refresh.flush_now()
    assert cell(pane, "AAPL", "% Change") == "-1.50%"
    assert cell(pane, "AAPL", "% Change", SORT_ROLE) == pytest.approx(-1.5)

    header = pane.view.horizontalHeader()
    column = pane.model.column_of("% Change")
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    click = QPoint(x, header.height() // 2)
    harness.qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert header.sortIndicatorSection() == column
    ascending = ["AAPL", "MSFT", "SPY"]
    expected = (
        ascending if header.sortIndicatorOrder() is Qt.SortOrder.AscendingOrder else ascending[::-1]
    )
    assert shown_keys(pane) == expected

    harness.qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert shown_keys(pane) == expected[::-1]


def test_adding_a_symbol_subscribes_it_makes_it_active_and_survives_a_restart(
    pane: WatchlistPane, harness: Harness, qtbot: QtBot, tmp_path: Path
) -> None:
    pane.symbol.setFocus()
    qtbot.keyClicks(pane.symbol, "nvda")
    assert pane.symbol.text() == "NVDA"  # typed in lower case, shown upper case
    qtbot.keyClick(pane.symbol, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "NVDA" in pane.model)
    assert "NVDA" in harness.app.market.subscribed_keys()
    assert harness.session.active is not None and harness.session.active.key == "NVDA"
    assert pane.view.selected_row().key == "NVDA"
    assert pane.symbol.text() == ""
    assert not pane.symbol.property("invalid")
    harness.until(lambda: cell(pane, "NVDA", "Last") != "")

    assert harness.app.writer.flush(5.0)
    assert harness.app.store.load_watchlists()[DEFAULT_WATCHLIST] == [*WATCHLIST, "NVDA"]
    harness.session.detach()
    harness.run(harness.app.stop())  # the first session ends before the next one starts
    second = build_harness(qtbot, tmp_path / "terminal.db")  # a new session on the same database
    try:
        second.start()
        assert [i.key for i in second.app.watchlist] == [*WATCHLIST, "NVDA"]
        restored = WatchlistPane(second.session)
        qtbot.addWidget(restored)
        assert restored.model.keys() == [*WATCHLIST, "NVDA"]
    finally:
        second.session.detach()
        second.run(second.app.stop())


def test_an_unknown_symbol_is_shown_at_the_field_and_changes_nothing(
    pane: WatchlistPane, harness: Harness, qtbot: QtBot
) -> None:
    messages: list[str] = []
    harness.session.message.connect(messages.append)
    qtbot.keyClicks(pane.symbol, "zzzq")
    qtbot.keyClick(pane.symbol, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(pane.symbol.property("invalid")))
    assert pane.error.isVisible()
    assert "ZZZQ" in pane.error.text() and "unknown" in pane.error.text()
    assert pane.symbol.toolTip() == pane.error.text()
    assert pane.symbol.text() == "ZZZQ"  # kept for correcting
    assert any("ZZZQ" in m for m in messages)  # the status bar says so too
    assert pane.model.keys() == list(WATCHLIST)
    assert [i.key for i in harness.app.watchlist] == list(WATCHLIST)
    assert "ZZZQ" not in harness.app.market.subscribed_keys()
    assert not [a for a in harness.app.alerts.active() if "ZZZQ" in a.message]  # a typo is no alert

    qtbot.keyClick(pane.symbol, Qt.Key.Key_Backspace)  # editing clears the error
    assert not pane.symbol.property("invalid")
    assert not pane.error.isVisible()


def test_delete_removes_the_selected_instrument_and_saves_the_watchlist(
    pane: WatchlistPane, harness: Harness, qtbot: QtBot
) -> None:
    pane.view.setFocus()
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=view_center(pane, "MSFT"))
    assert pane.view.selected_row().key == "MSFT"
    qtbot.keyClick(pane.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "MSFT" not in pane.model)
    assert [i.key for i in harness.app.watchlist] == ["AAPL", "SPY"]
    assert "MSFT" not in harness.app.market.subscribed_keys()
    assert pane.view.selected_row().key == "SPY"  # the next row is selected for the next Delete
    assert harness.app.writer.flush(5.0)
    assert harness.app.store.load_watchlists()[DEFAULT_WATCHLIST] == ["AAPL", "SPY"]
    harness.step(2)  # no more quotes for the removed row, and nothing breaks
    assert pane.model.keys() == ["AAPL", "SPY"]


def test_selecting_a_row_makes_it_active_and_follows_the_active_instrument(
    pane: WatchlistPane, harness: Harness, qtbot: QtBot
) -> None:
    session = harness.session
    changes: list[Instrument] = []
    session.active_changed.connect(changes.append)
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=view_center(pane, "MSFT"))
    assert session.active is not None and session.active.key == "MSFT"
    qtbot.keyClick(pane.view, Qt.Key.Key_Down)
    assert session.active.key == "SPY"
    assert [i.key for i in changes] == ["MSFT", "SPY"]

    session.set_active(harness.app.watchlist[0])  # chosen in another pane
    assert pane.view.selected_row().key == "AAPL"
    assert [i.key for i in changes] == ["MSFT", "SPY", "AAPL"]  # no echo back

    pane.view.clearSelection()
    qtbot.keyClick(pane.symbol, Qt.Key.Key_Down)  # from the symbol field into the table
    assert pane.view.selected_row() is pane.view.row_at(0)


def test_context_menu_and_double_click_open_tickets_and_price_alerts(
    pane: WatchlistPane, harness: Harness, qtbot: QtBot
) -> None:
    session = harness.session
    tickets: list[TicketRequest] = []
    alerts: list[tuple[Instrument, float]] = []
    session.ticket_requested.connect(tickets.append)
    session.price_alert_requested.connect(lambda inst, price: alerts.append((inst, price)))
    row = pane.model.get("MSFT")
    assert isinstance(row, WatchRow)
    menu = pane.context_menu(row)
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    assert names == [
        "watchlist_buy",
        "watchlist_sell",
        "watchlist_alert",
        "watchlist_remove",
        "watchlist_add_symbol",
    ]
    texts = {a.objectName(): a.text() for a in menu.actions()}
    assert texts["watchlist_buy"] == "Buy…" and texts["watchlist_sell"] == "Sell…"
    actions = {a.objectName(): a for a in menu.actions()}
    actions["watchlist_sell"].trigger()
    assert tickets[-1].instrument.key == "MSFT" and tickets[-1].side is OrderSide.SELL
    actions["watchlist_buy"].trigger()
    assert tickets[-1].side is OrderSide.BUY
    actions["watchlist_alert"].trigger()
    quote = harness.app.market.last_quote("MSFT")
    assert quote is not None
    assert alerts == [(row.instrument, quote.last)]
    assert not math.isnan(alerts[0][1])

    spy = view_center(pane, "SPY")
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=spy)  # a double-click's
    qtbot.mouseDClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=spy)  # first press
    assert tickets[-1].instrument.key == "SPY" and tickets[-1].side is OrderSide.BUY

    actions["watchlist_remove"].trigger()
    qtbot.waitUntil(lambda: "MSFT" not in pane.model)


@pytest.fixture
def unstarted(qtbot: QtBot, qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Harness]:
    h = build_harness(qtbot, tmp_path / "terminal.db")
    yield h
    h.session.detach()
    h.run(h.app.stop())


def test_a_pane_built_before_start_fills_when_the_session_starts(
    unstarted: Harness, qtbot: QtBot
) -> None:
    pane = WatchlistPane(unstarted.session)
    qtbot.addWidget(pane)
    assert len(pane.model) == 0
    report = unstarted.start()
    unstarted.session.started.emit(report)
    assert pane.model.keys() == list(WATCHLIST)
    unstarted.step(2)
    assert cell(pane, "AAPL", "Last") != ""


def test_in_the_window_the_first_instrument_is_active_and_selected(
    window: MainWindow, harness: Harness
) -> None:
    pane = window.pane("watchlist")
    assert isinstance(pane, WatchlistPane)
    assert pane.model.keys() == list(WATCHLIST)
    assert pane.view.selected_row().key == "AAPL"
    window.named_actions["find_symbol"].trigger()  # Ctrl+L brings the symbol field forward
    assert pane.focusProxy() is pane.symbol
    # Delete removes from the watchlist even with the other panes' Delete shortcuts around
    window.activateWindow()
    pane.view.setFocus()
    pane.view.select_key("SPY")
    harness.qtbot.keyClick(pane.view, Qt.Key.Key_Delete)
    harness.qtbot.waitUntil(lambda: "SPY" not in pane.model)
    # an instrument added by other code (a script, the smoke test) shows up without a restart
    harness.run(harness.app.add_to_watchlist("QQQ"))
    harness.until(lambda: "QQQ" in pane.model)
    assert pane.model.keys() == ["AAPL", "MSFT", "QQQ"]


def test_a_move_too_small_to_show_is_neither_negative_nor_coloured(
    pane: WatchlistPane, harness: Harness
) -> None:
    push(harness, "AAPL", last=99.999, prev_close=100.0)
    harness.session.refresh.flush_now()
    assert cell(pane, "AAPL", "Change") == "+0.00"
    assert cell(pane, "AAPL", "% Change") == "+0.00%"
    assert foreground(pane, "AAPL", "Change") is None
    assert foreground(pane, "AAPL", "% Change") is None
    assert cell(pane, "AAPL", "% Change", SORT_ROLE) < 0  # still sorts by the true value
