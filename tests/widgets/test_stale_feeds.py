"""A feed that went quiet is shown as stale where its prices are: the watchlist row, the depth
ladder and the chart go grey and say for how long ("stale 42 s"), driven by the core's feed
watchdog; ages count up on the refresh clock's one-second beat, not per tick; renewal clears it."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication

from terminal.marketdata.staleness import FeedKind
from widgets.feed_view import AGE_EVERY_NTH_FLUSH
from widgets.main_window import MainWindow
from widgets.panes.chart import ChartPane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.depth_columns import LadderColumn
from widgets.panes.watchlist import WatchlistPane

from .conftest import Harness


def panes(window: MainWindow) -> tuple[WatchlistPane, DepthLadderPane, ChartPane]:
    watchlist, ladder, chart = (window.panes[p] for p in ("watchlist", "depth", "chart"))
    assert isinstance(watchlist, WatchlistPane)
    assert isinstance(ladder, DepthLadderPane)
    assert isinstance(chart, ChartPane)
    return watchlist, ladder, chart


def watch_cell(watchlist: WatchlistPane, key: str, title: str, role: int = 0) -> object:
    model = watchlist.model
    position = model.position(key)
    assert position is not None
    return model.index(position, model.column_of(title)).data(role)


def silence(harness: Harness, seconds: float) -> None:
    """The market says nothing for ``seconds``; the watchdog looks (as the app does each second)."""
    harness.clock.advance(seconds)
    harness.app.market.feeds.check(harness.clock.now())


def flush_to_beat(harness: Harness) -> None:
    """Flush until the refresh clock's once-a-second beat (where ages are repainted)."""
    refresh = harness.session.refresh
    refresh.flush_now()
    while refresh.flush_count % AGE_EVERY_NTH_FLUSH:
        refresh.flush_now()


def test_a_quiet_feed_greys_the_row_ladder_and_chart_with_its_age(
    window: MainWindow, harness: Harness
) -> None:
    watchlist, ladder, chart = panes(window)
    harness.until(lambda: not chart.loading and ladder.model.best_bid is not None)
    palette = harness.session.palette
    volume = str(watch_cell(watchlist, "AAPL", "Volume"))
    assert not volume.startswith("stale")
    assert not ladder.feed_label.isVisible() and not chart.feed_label.isVisible()

    silence(harness, 60)
    harness.session.refresh.flush_now()  # a change is shown at the next flush
    assert watch_cell(watchlist, "AAPL", "Volume") == "stale 60 s"
    bid_colour = watch_cell(watchlist, "AAPL", "Bid", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(bid_colour, QBrush) and bid_colour.color() == palette.muted
    tip = str(watch_cell(watchlist, "AAPL", "Last", Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("AAPL: quotes stale 60 s (no update for 60 s")
    assert ladder.feed_label.isVisible()
    assert re.fullmatch(r"(Book|Quotes) stale 60 s", ladder.feed_label.text())
    model = ladder.model
    assert model.best_bid is not None
    size = model.index(model.row_of_tick(model.best_bid) or 0, LadderColumn.BID)
    assert model.data(size, Qt.ItemDataRole.ForegroundRole).color() == palette.muted
    assert chart.feed_label.isVisible()
    assert re.fullmatch(r"(Live bars|Quotes) stale 60 s", chart.feed_label.text())
    assert chart.chart.colors.up == palette.muted and chart.chart.colors.down == palette.muted

    # The age counts up on the refresh clock's one-second beat, not with every flush.
    flush_to_beat(harness)
    harness.clock.advance(5)
    harness.session.refresh.flush_now()  # not on the beat: nothing repainted
    assert watch_cell(watchlist, "AAPL", "Volume") == "stale 60 s"
    flush_to_beat(harness)
    assert watch_cell(watchlist, "AAPL", "Volume") == "stale 65 s"
    assert ladder.feed_label.text().endswith("stale 65 s")
    assert chart.feed_label.text().endswith("stale 65 s")

    # Data flows again: every mark goes.
    harness.until(lambda: not harness.app.market.feeds.stale(harness.clock.now()))
    assert not str(watch_cell(watchlist, "AAPL", "Volume")).startswith("stale")
    bid_colour = watch_cell(watchlist, "AAPL", "Bid", Qt.ItemDataRole.ForegroundRole)
    assert bid_colour is None
    assert not ladder.feed_label.isVisible() and not ladder.model.stale
    assert not chart.feed_label.isVisible()
    assert chart.chart.colors.up == palette.up


def test_only_the_feeds_a_pane_shows_mark_it(window: MainWindow, harness: Harness) -> None:
    watchlist, ladder, chart = panes(window)
    harness.until(lambda: not chart.loading and ladder.model.best_bid is not None)
    # IB says the data farm for every feed broke: only then, and only those kinds.
    harness.app.market.feeds.interrupt(
        [FeedKind.DEPTH], "IB 2103: farm broken", harness.clock.now()
    )
    harness.session.refresh.flush_now()
    assert ladder.feed_label.isVisible() and ladder.feed_label.text().startswith("Book stale")
    assert "IB 2103: farm broken" in ladder.feed_label.toolTip()
    assert not chart.feed_label.isVisible()  # its bars and quotes still flow
    assert not str(watch_cell(watchlist, "AAPL", "Volume")).startswith("stale")


def test_showing_a_stale_feed_moves_no_dock(window: MainWindow, harness: Harness) -> None:
    _, ladder, chart = panes(window)
    window.resize(1600, 980)
    harness.until(lambda: not chart.loading and ladder.model.best_bid is not None)
    before = {k: d.geometry() for k, d in window.docks.items() if d.isVisible()}
    silence(harness, 600)  # "stale 10 min": the longest texts
    flush_to_beat(harness)
    assert chart.feed_label.isVisible() and ladder.feed_label.isVisible()
    QApplication.processEvents()
    assert {k: d.geometry() for k, d in window.docks.items() if d.isVisible()} == before
