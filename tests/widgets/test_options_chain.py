"""Options chain: expiries, strikes around the money, live quotes, ITM shading, ticket prefill."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from terminal.domain import Instrument, OptionQuote, OptionRight, OrderSide, OrderType
from widgets import formatting
from widgets.main_window import MainWindow
from widgets.panes.options import DEFAULT_STRIKES_EACH_SIDE, OptionsChainPane
from widgets.panes.options_model import COLUMN_ROLES, STRIKE_COLUMN, nearest_index, strike_key
from widgets.session import TicketRequest

from .conftest import Harness


@pytest.fixture
def chain(harness: Harness, qtbot: QtBot) -> Iterator[OptionsChainPane]:
    pane = OptionsChainPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(1400, 620)
    pane.show()
    qtbot.waitExposed(pane)
    harness.session.set_active(harness.app.watchlist[0])  # AAPL
    assert pane.loading and pane.loading_label.isVisible()
    wait_loaded(harness, pane, "AAPL")
    yield pane


def wait_loaded(harness: Harness, pane: OptionsChainPane, key: str) -> None:
    harness.until(
        lambda: (
            pane.subscribed is not None
            and pane.subscribed[0].key == key
            and not pane.loading
            and len(pane.model) > 0
        )
    )


def column(right: OptionRight, field: str) -> int:
    for position, role in enumerate(COLUMN_ROLES):
        if role.right is right and role.field is not None and role.field.name == field:
            return position
    raise AssertionError(f"no {right} {field} column")


def spot(harness: Harness, key: str = "AAPL") -> float:
    quote = harness.app.market.last_quote(key)
    assert quote is not None
    return quote.mid


def listed_strikes(harness: Harness, key: str = "AAPL") -> list[float]:
    instrument = next(i for i in harness.app.watchlist if i.key == key)
    params = harness.run(harness.broker.option_chain_params(instrument))
    return sorted(params.strikes)


def test_expiries_are_listed_nearest_first_with_days_to_expiry(
    chain: OptionsChainPane, harness: Harness
) -> None:
    params = harness.run(harness.broker.option_chain_params(harness.app.watchlist[0]))
    today = harness.clock.now().date()
    expiries = chain.expiries()
    assert expiries == sorted(e for e in params.expiries if e >= today)
    assert len(expiries) >= 5
    assert chain.selected_expiry() == expiries[0]
    first = chain.expiry.itemText(0)
    assert first.endswith(f"· {(expiries[0] - today).days}d")
    assert f"{expiries[0]:%d %b %Y}" in first
    assert not chain.loading_label.isVisible()


def test_strikes_are_centred_on_the_money_with_n_each_side(
    chain: OptionsChainPane, harness: Harness
) -> None:
    listed = listed_strikes(harness)
    atm = listed[nearest_index(listed, spot(harness))]
    shown = [float(s) for s in chain.model.strikes()]
    n = DEFAULT_STRIKES_EACH_SIDE
    assert len(shown) == 2 * n + 1
    assert shown[n] == atm
    assert shown == listed[listed.index(shown[0]) : listed.index(shown[0]) + 2 * n + 1]
    assert chain.context.atm == Decimal(repr(atm))

    chain.strikes.setValue(3)
    harness.until(lambda: len(chain.model) == 7 and not chain.loading)
    assert [float(s) for s in chain.model.strikes()][3] == atm
    # Only those strikes are subscribed: the next batch carries 7 calls and 7 puts.
    batches: list[Mapping[str, OptionQuote]] = []
    harness.session.subscribe(harness.app.market.option_quotes_updated, batches.append)
    harness.step()
    assert batches and len(batches[-1]) == 14


def test_quotes_fill_in_as_the_market_steps(chain: OptionsChainPane, harness: Harness) -> None:
    harness.step(2)
    market = harness.app.market
    model = chain.model
    for position, row in enumerate(model.rows()):
        assert row.call is not None and row.put is not None
        call = market.last_option_quote(row.call.key)
        put = market.last_option_quote(row.put.key)
        assert call is not None and put is not None
        assert model.index(position, column(OptionRight.CALL, "bid")).data() == formatting.price(
            call.bid
        )
        assert model.index(position, column(OptionRight.PUT, "ask")).data() == formatting.price(
            put.ask
        )
        iv = "" if math.isnan(put.iv) else f"{put.iv * 100:.1f}%"  # deep ITM: no IV solves
        assert model.index(position, column(OptionRight.PUT, "iv")).data() == iv
        assert model.index(position, column(OptionRight.CALL, "delta")).data() == (
            f"{call.greeks.delta:.3f}"
        )
        assert model.index(position, column(OptionRight.PUT, "open_interest")).data() == (
            f"{put.open_interest:,.0f}"
        )
        assert model.index(position, STRIKE_COLUMN).data() == formatting.price(row.strike)
    ivs = [r.call_quote.iv for r in model.rows() if r.call_quote is not None]
    assert sum(1 for v in ivs if not math.isnan(v)) > len(ivs) // 2
    deltas = [r.call_quote.greeks.delta for r in model.rows() if r.call_quote is not None]
    assert deltas == sorted(deltas, reverse=True)  # calls: delta falls as the strike rises


def test_in_the_money_side_is_shaded(chain: OptionsChainPane, harness: Harness) -> None:
    harness.step()
    price = chain.context.spot
    assert price == pytest.approx(spot(harness))
    itm = harness.session.palette.itm.rgba()
    model = chain.model
    below = max(p for p, r in enumerate(model.rows()) if float(r.strike) < price)
    above = min(p for p, r in enumerate(model.rows()) if float(r.strike) > price)

    def shade(row: int, right: OptionRight) -> int | None:
        brush = model.index(row, column(right, "vega")).data(Qt.ItemDataRole.BackgroundRole)
        return None if brush is None else brush.color().rgba()

    assert shade(below, OptionRight.CALL) == itm and shade(below, OptionRight.PUT) is None
    assert shade(above, OptionRight.PUT) == itm and shade(above, OptionRight.CALL) is None
    assert shade(0, OptionRight.CALL) == itm  # deep in the money call
    assert shade(len(model) - 1, OptionRight.PUT) == itm  # deep in the money put


def click_cell(qtbot: QtBot, pane: OptionsChainPane, index: QModelIndex) -> None:
    pane.view.scrollTo(index)
    rect = pane.view.visualRect(index)
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_clicking_an_ask_prefills_a_buy_ticket_at_the_ask(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    harness.step()
    position = DEFAULT_STRIKES_EACH_SIDE  # at the money
    row = chain.model.row(position)
    assert row.put is not None and row.put_quote is not None
    index = chain.model.index(position, column(OptionRight.PUT, "ask"))
    with qtbot.waitSignal(harness.session.ticket_requested) as blocker:
        click_cell(qtbot, chain, index)
    request = blocker.args[0]
    assert isinstance(request, TicketRequest)
    assert request.instrument == row.put
    assert request.instrument.is_option and request.instrument.right is OptionRight.PUT
    assert request.side is OrderSide.BUY
    assert request.order_type is OrderType.LIMIT
    assert request.limit_price == Decimal(repr(row.put_quote.ask))
    assert harness.app.orders.pending_approvals() == []  # the ticket stages, not the chain


def test_a_bid_prefills_a_sell_ticket_and_enter_works_like_a_click(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    harness.step()
    position = DEFAULT_STRIKES_EACH_SIDE - 2
    row = chain.model.row(position)
    assert row.call is not None and row.call_quote is not None
    index = chain.model.index(position, column(OptionRight.CALL, "bid"))
    chain.view.setCurrentIndex(index)
    chain.view.setFocus()
    with qtbot.waitSignal(harness.session.ticket_requested) as blocker:
        qtbot.keyClick(chain.view, Qt.Key.Key_Return)
    request = blocker.args[0]
    assert request.instrument == row.call
    assert request.side is OrderSide.SELL
    assert request.limit_price == Decimal(repr(row.call_quote.bid))
    # Other cells do not open a ticket.
    with qtbot.assertNotEmitted(harness.session.ticket_requested):
        click_cell(qtbot, chain, chain.model.index(position, column(OptionRight.CALL, "delta")))
        click_cell(qtbot, chain, chain.model.index(position, STRIKE_COLUMN))


def test_changing_the_expiry_resubscribes(chain: OptionsChainPane, harness: Harness) -> None:
    harness.step()
    first, second = chain.expiries()[:2]
    old_row = chain.model.row(0)
    assert old_row.call is not None
    assert harness.app.market.last_option_quote(old_row.call.key) is not None
    chain.expiry.setCurrentIndex(1)
    harness.until(
        lambda: chain.subscribed is not None and chain.subscribed[1] == second and not chain.loading
    )
    assert all(r.call is not None and r.call.expiry == second for r in chain.model.rows())
    assert harness.app.market.last_option_quote(old_row.call.key) is None  # first unsubscribed
    batches: list[Mapping[str, OptionQuote]] = []
    harness.session.subscribe(harness.app.market.option_quotes_updated, batches.append)
    harness.step()
    keys = {key for batch in batches for key in batch}
    assert keys and all(f"{second:%Y%m%d}" in key for key in keys)
    assert not any(f"{first:%Y%m%d}" in key for key in keys)


def test_switching_the_underlying_moves_the_chain(
    chain: OptionsChainPane, harness: Harness
) -> None:
    harness.step()
    aapl_row = chain.model.row(0)
    harness.session.set_active(harness.app.watchlist[1])  # MSFT
    assert chain.loading_label.isVisible()
    wait_loaded(harness, chain, "MSFT")
    assert chain.underlying_label.text() == "MSFT"
    assert not chain.loading_label.isVisible()
    assert aapl_row.call is not None
    assert harness.app.market.last_option_quote(aapl_row.call.key) is None
    assert all(r.call is not None and r.call.underlying == "MSFT" for r in chain.model.rows())
    msft = listed_strikes(harness, "MSFT")
    atm = msft[nearest_index(msft, spot(harness, "MSFT"))]
    assert float(chain.model.row(DEFAULT_STRIKES_EACH_SIDE).strike) == atm


def test_an_option_as_active_instrument_keeps_its_underlyings_chain(
    chain: OptionsChainPane, harness: Harness
) -> None:
    contract = chain.model.row(0).put
    assert contract is not None
    subscribed = chain.subscribed
    harness.session.set_active(contract)
    harness.step()
    assert chain.subscribed == subscribed and len(chain.model) > 0


def test_a_stock_without_options_says_so(chain: OptionsChainPane, harness: Harness) -> None:
    jnj: Instrument = harness.run(harness.broker.qualify("JNJ"))
    alerts_before = harness.app.alerts.unacknowledged_count()
    harness.session.set_active(jnj)
    harness.until(lambda: chain.status_label.text() == "No options for JNJ" and not chain.loading)
    assert len(chain.model) == 0
    assert chain.expiries() == [] and not chain.expiry.isEnabled()
    assert chain.subscribed is None
    assert harness.app.alerts.unacknowledged_count() == alerts_before  # not an error
    harness.session.set_active(harness.app.watchlist[0])
    wait_loaded(harness, chain, "AAPL")
    assert chain.status_label.text() == ""
    assert chain.expiries()[0] >= dt.date(2000, 1, 1)


def test_quote_batches_are_published_by_the_refresh_clock(
    chain: OptionsChainPane, harness: Harness
) -> None:
    signals: list[object] = []
    chain.model.dataChanged.connect(lambda *args: signals.append(args))
    for _ in range(3):  # three batches of the whole chain between two refreshes
        harness.clock.advance(0.5)
        harness.broker.step()
    assert signals == []
    harness.session.refresh.flush_now()
    assert len(signals) == 1
    row = chain.model.row(0)
    assert row.call is not None
    assert row.call_quote == harness.app.market.last_option_quote(row.call.key)


def test_a_narrow_chain_keeps_bid_ask_on_both_sides(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    view = chain.view
    chain.resize(view.full_width() + 40, 600)
    qtbot.waitUntil(lambda: view.hidden_fields() == [])
    chain.resize(760, 600)
    qtbot.waitUntil(lambda: "gamma" in view.hidden_fields())
    for right in OptionRight:
        for field in ("bid", "ask", "iv", "delta"):
            assert not view.isColumnHidden(column(right, field))
        assert view.isColumnHidden(column(right, "gamma"))
    assert not view.isColumnHidden(STRIKE_COLUMN)


def visible_strike_rows(pane: OptionsChainPane) -> tuple[int, int]:
    view = pane.view
    first = view.rowAt(0)
    last = view.rowAt(view.viewport().height() - 1)
    return first, (len(pane.model) - 1 if last < 0 else last)


def test_the_chain_behind_its_tab_opens_centred_on_the_money(
    window: MainWindow, harness: Harness
) -> None:
    """Issue 12 item 12: the chain (a bottom tab, hidden at start) opened at its lowest
    strikes until ATM was pressed."""
    pane = window.panes["options"]
    assert isinstance(pane, OptionsChainPane)
    assert pane.visibleRegion().isEmpty() and not pane.on_screen  # behind the approval queue
    window.bring_forward("options")
    wait_loaded(harness, pane, "AAPL")
    harness.until(lambda: pane.context.atm is not None)
    harness.qtbot.waitUntil(lambda: pane.view.isVisible() and pane.view.viewport().height() > 0)
    atm_row = pane.model.position(strike_key(pane.context.atm or 0))
    assert atm_row is not None and atm_row > 3
    harness.qtbot.waitUntil(lambda: visible_strike_rows(pane)[0] > 0)
    first, last = visible_strike_rows(pane)
    assert first < atm_row < last
    assert abs((first + last) / 2 - atm_row) <= 1.5


def test_strikes_chosen_before_the_price_was_known_are_centred_once_it_is(
    chain: OptionsChainPane, harness: Harness
) -> None:
    # IWM is not on the watchlist: nothing subscribed its quotes, so the chain starts without
    # the underlying's price and learns it from the options' own quotes.
    iwm = harness.run(harness.app.broker.qualify("IWM"))
    assert harness.app.market.last_quote("IWM") is None
    harness.session.set_active(iwm)
    wait_loaded(harness, chain, "IWM")
    listed = listed_strikes_of(harness, iwm)
    harness.until(lambda: not math.isnan(chain.context.spot) and not chain.loading)
    atm = listed[nearest_index(listed, chain.context.spot)]
    harness.until(
        lambda: [float(s) for s in chain.model.strikes()][DEFAULT_STRIKES_EACH_SIDE] == atm
    )
    assert chain.context.atm == Decimal(repr(atm))


def listed_strikes_of(harness: Harness, instrument: Instrument) -> list[float]:
    params = harness.run(harness.broker.option_chain_params(instrument))
    return sorted(params.strikes)
