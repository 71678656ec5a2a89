"""Scarce market-data lines are released: a depth ladder, chart or options chain that is off
screen (its dock closed, or behind another tab) holds no subscription and takes it back when
shown again (IB gives an account three depth streams and about a hundred lines); a closed
ticket gives back its instrument's quotes."""

from __future__ import annotations

from collections.abc import Mapping

from terminal.domain import OptionQuote
from terminal.marketdata.service import bar_feed
from terminal.marketdata.staleness import Feed, FeedKind
from widgets.main_window import MainWindow
from widgets.panes.chart import ChartPane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.options import OptionsChainPane
from widgets.panes.ticket import OrderTicketPane
from widgets.session import TicketRequest

from .conftest import Harness


def depth_streams(harness: Harness) -> set[str]:
    """The books the simulated exchange is streaming (what IB would count)."""
    return set(harness.broker.feed.depth)


def ladder_of(window: MainWindow) -> DepthLadderPane:
    pane = window.panes["depth"]
    assert isinstance(pane, DepthLadderPane)
    return pane


def test_a_ladder_off_screen_releases_its_depth_stream_and_takes_it_back(
    window: MainWindow, harness: Harness
) -> None:
    ladder, dock = ladder_of(window), window.docks["depth"]
    harness.until(lambda: ladder.model.best_bid is not None)
    assert depth_streams(harness) == {"AAPL"}

    # Behind another tab (time & sales shares its tab group by default): hidden, although Qt
    # calls the dock "visible".
    assert window.docks["tape"] in window.tabifiedDockWidgets(dock)
    window.docks["tape"].raise_()
    harness.until(lambda: depth_streams(harness) == set())
    assert dock.isVisible() and not ladder.on_screen
    assert Feed(FeedKind.DEPTH, "AAPL") not in harness.app.market.feeds.watched()

    # Another instrument chosen meanwhile: still nothing while hidden.
    msft = harness.app.watchlist[1]
    harness.session.set_active(msft)
    harness.step(2)
    assert depth_streams(harness) == set()

    dock.raise_()  # its tab in front again: the book of the instrument shown now
    harness.until(lambda: depth_streams(harness) == {"MSFT"} and ladder.model.best_bid is not None)
    assert ladder.subscribed is not None and ladder.subscribed.key == "MSFT"

    dock.close()  # the dock's close button
    harness.until(lambda: depth_streams(harness) == set())
    dock.toggleViewAction().trigger()  # View → Depth ladder: back as a tab by the tape's
    dock.raise_()
    harness.until(lambda: depth_streams(harness) == {"MSFT"})

    dock.setFloating(True)  # floated onto a second screen: still shown, still subscribed
    harness.step(3)
    assert depth_streams(harness) == {"MSFT"}


def test_a_hidden_chart_holds_no_live_bars_and_reloads_when_shown(
    window: MainWindow, harness: Harness
) -> None:
    chart = window.panes["chart"]
    assert isinstance(chart, ChartPane)
    harness.until(lambda: not chart.loading and chart.loads >= 1)
    feed = bar_feed("AAPL", chart.timeframe)
    assert feed in harness.app.market.feeds.watched()
    loads = chart.loads
    window.docks["chart"].close()
    harness.until(lambda: feed not in harness.app.market.feeds.watched())
    window.docks["chart"].show()
    harness.until(lambda: feed in harness.app.market.feeds.watched() and chart.loads > loads)
    assert not chart.loading and len(chart.chart.series.history) > 0


def test_an_options_chain_behind_its_tab_streams_no_option_quotes(
    window: MainWindow, harness: Harness
) -> None:
    chain = window.panes["options"]
    assert isinstance(chain, OptionsChainPane)
    batches: list[Mapping[str, OptionQuote]] = []
    harness.session.subscribe(harness.app.market.option_quotes_updated, batches.append)

    harness.step(3)
    assert not chain.on_screen and chain.subscribed is None  # a bottom tab, not in front
    assert not any(batches)

    window.bring_forward("options")
    harness.until(
        lambda: chain.subscribed is not None and not chain.loading and len(chain.model) > 0
    )
    harness.until(lambda: any(batches))

    window.bring_forward("approvals")  # the chain goes behind its tab again
    harness.until(lambda: chain.subscribed is None and not chain.loading)
    batches.clear()
    harness.step(3)
    assert not any(batches)

    window.bring_forward("options")
    harness.until(lambda: chain.subscribed is not None and any(batches))


def test_a_closed_ticket_gives_back_its_instruments_quotes(
    window: MainWindow, harness: Harness
) -> None:
    ticket, chain = window.panes["ticket"], window.panes["options"]
    assert isinstance(ticket, OrderTicketPane) and isinstance(chain, OptionsChainPane)
    window.bring_forward("options")
    harness.until(lambda: len(chain.model) > 0 and not chain.loading)
    contract = chain.model.row(0).call
    assert contract is not None
    harness.session.request_ticket(TicketRequest(contract))
    harness.until(lambda: contract.key in harness.app.market.subscribed_keys())
    ticket.close()
    harness.until(lambda: contract.key not in harness.app.market.subscribed_keys())
