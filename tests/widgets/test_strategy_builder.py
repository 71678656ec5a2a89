"""The strategy builder under the options chain: legs from clicks and named strategies, the
numbers it shows, and an iron condor staged, approved and filled on the simulator."""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from terminal.domain import OptionRight, OrderSide, OrderStatus
from terminal.options import analysis, labels, strategies
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.options import OptionsChainPane
from widgets.panes.options_builder import StrategyBuilder
from widgets.panes.options_model import COLUMN_ROLES

from .conftest import Harness

CTRL = Qt.KeyboardModifier.ControlModifier


def loaded_spy_chain(harness: Harness, qtbot: QtBot) -> OptionsChainPane:
    """The options chain pane on screen, showing SPY's chain loaded (builder closed)."""
    pane = OptionsChainPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(1400, 900)
    pane.show()
    qtbot.waitExposed(pane)
    spy = next(i for i in harness.app.watchlist if i.key == "SPY")
    harness.session.set_active(spy)
    harness.until(lambda: pane.subscribed is not None and not pane.loading and len(pane.model) > 0)
    return pane


@pytest.fixture
def chain(harness: Harness, qtbot: QtBot) -> Iterator[OptionsChainPane]:
    """The SPY chain with the builder open."""
    pane = loaded_spy_chain(harness, qtbot)
    harness.step(2)
    pane.show_builder()
    yield pane


def column(right: OptionRight, field: str) -> int:
    for position, role in enumerate(COLUMN_ROLES):
        if role.right is right and role.field is not None and role.field.name == field:
            return position
    raise AssertionError(f"no {right} {field} column")


def click(qtbot: QtBot, pane: OptionsChainPane, row: int, right: OptionRight, field: str) -> None:
    index: QModelIndex = pane.model.index(row, column(right, field))
    pane.view.scrollTo(index)
    rect = pane.view.visualRect(index)
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def atm_row(pane: OptionsChainPane) -> int:
    strikes = pane.model.strikes()
    assert pane.context.atm is not None
    return strikes.index(pane.context.atm)


def listed(pane: OptionsChainPane) -> list[Decimal]:
    assert pane._params is not None
    return sorted(Decimal(repr(s)) for s in pane._params.strikes)


def wait_priced(harness: Harness, builder: StrategyBuilder) -> None:
    """Until every leg's own quote subscription delivered and the builder priced the combo."""
    market = harness.app.market
    harness.until(
        lambda: (
            all(market.last_quote(leg.instrument.key) for leg in builder.draft.legs)
            and builder.value is not None
            and math.isfinite(builder.value.net.mid)
            and builder.value.payoff is not None
        )
    )
    builder.refresh()


def test_clicking_a_bid_sells_and_an_ask_buys_a_leg_and_the_legs_quotes_are_held(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    tickets: list[object] = []
    harness.session.ticket_requested.connect(tickets.append)
    row = atm_row(chain)
    click(qtbot, chain, row, OptionRight.CALL, "ask")
    click(qtbot, chain, row + 1, OptionRight.CALL, "bid")
    builder = chain.builder
    legs = builder.draft.legs
    assert [(leg.side, leg.instrument.right, leg.ratio) for leg in legs] == [
        (OrderSide.BUY, OptionRight.CALL, 1),
        (OrderSide.SELL, OptionRight.CALL, 1),
    ]
    strikes = chain.model.strikes()
    assert [leg.instrument.strike for leg in legs] == [strikes[row], strikes[row + 1]]
    assert tickets == []  # with the builder open a click builds, it does not open the ticket
    click(qtbot, chain, row + 1, OptionRight.CALL, "bid")  # once more: two sold per combo
    assert [leg.ratio for leg in builder.draft.legs] == [1, 2]
    click(qtbot, chain, row + 1, OptionRight.CALL, "ask")  # the other side takes one back
    assert [leg.ratio for leg in builder.draft.legs] == [1, 1]

    keys = sorted(leg.instrument.key for leg in builder.draft.legs)
    harness.until(lambda: builder.held == keys)
    assert set(keys) <= set(harness.app.market.subscribed_keys())
    assert builder.legs.rowCount() == 2

    chain.show_builder(False)
    harness.until(lambda: builder.held == [])
    assert not set(keys) & set(harness.app.market.subscribed_keys())
    click(qtbot, chain, row, OptionRight.PUT, "ask")  # closed: the ticket again
    assert len(tickets) == 1 and len(builder.draft.legs) == 2


def test_a_named_strategy_fills_in_the_strikes_around_the_chosen_strike(
    chain: OptionsChainPane, harness: Harness
) -> None:
    builder = chain.builder
    strikes = listed(chain)
    centre = strikes.index(chain.context.atm) if chain.context.atm is not None else -1
    assert builder.strike.currentData() == float(strikes[centre])  # centred on the money
    builder.strategy.setCurrentText("Iron Condor")
    builder.strikes_wide.setValue(2)
    builder.fill_button.click()
    legs = {(leg.instrument.strike, leg.instrument.right): leg.side for leg in builder.draft.legs}
    assert legs == {
        (strikes[centre - 4], OptionRight.PUT): OrderSide.BUY,
        (strikes[centre - 2], OptionRight.PUT): OrderSide.SELL,
        (strikes[centre + 2], OptionRight.CALL): OrderSide.SELL,
        (strikes[centre + 4], OptionRight.CALL): OrderSide.BUY,
    }
    assert builder.draft.strategy == "iron condor"

    builder.strategy.setCurrentText("Butterfly")
    builder.right.setCurrentText("Puts")
    builder.strikes_wide.setValue(1)
    builder.strike.setCurrentIndex(builder.strike.findData(float(strikes[centre + 1])))
    builder.fill_button.click()
    fly = [
        (leg.instrument.strike, leg.instrument.right, leg.side, leg.ratio)
        for leg in builder.draft.legs
    ]
    put = OptionRight.PUT
    assert fly == [
        (strikes[centre], put, OrderSide.BUY, 1),
        (strikes[centre + 1], put, OrderSide.SELL, 2),
        (strikes[centre + 2], put, OrderSide.BUY, 1),
    ]
    # Editing a leg's strike moves that leg only and makes the strategy a custom one.
    builder.legs.strike_changed.emit(2, float(strikes[centre + 3]))
    assert builder.draft.legs[2].instrument.strike == strikes[centre + 3]
    assert builder.draft.strategy == "custom"
    builder.legs.removed.emit(0)
    assert len(builder.draft.legs) == 2


def test_the_net_quote_greeks_and_risk_shown_are_the_legs_summed(
    chain: OptionsChainPane, harness: Harness
) -> None:
    builder = chain.builder
    builder.strategy.setCurrentText("Iron Condor")
    builder.fill_button.click()
    wait_priced(harness, builder)
    market = harness.app.market
    combo, _ = builder.draft.combo()
    # Net ask: pay the ask of the bought legs, receive the bid of the sold ones (per share).
    ask = bid = 0.0
    delta = 0.0
    for leg in combo.legs:
        quote = market.last_quote(leg.instrument.key)
        option = market.last_option_quote(leg.instrument.key)
        assert quote is not None and option is not None
        ask += leg.sign * (quote.ask if leg.sign > 0 else quote.bid)
        bid += leg.sign * (quote.bid if leg.sign > 0 else quote.ask)
        delta += leg.sign * leg.ratio * 100 * option.greeks.delta
    f = builder.figures
    assert f["net_ask"].text() == labels.signed(Decimal(f"{ask:.2f}"))
    assert f["net_bid"].text() == labels.signed(Decimal(f"{bid:.2f}"))
    assert ask < 0  # a short iron condor bought is a credit
    assert f["delta"].text() == labels.signed(Decimal(f"{delta:.1f}"), 1)
    assert builder.limit_price() is not None  # prefilled at the mid when first priced
    builder.mid_button.click()  # and set to the mid now
    limit = builder.limit_price()
    assert limit == combo.round_price((bid + ask) / 2)
    risk = analysis.risk(combo, limit)
    assert risk.max_loss is not None and risk.max_profit is not None
    assert f["max_loss"].text() == f"{risk.max_loss:,.2f}"
    assert f["max_profit"].text() == f"{risk.max_profit:,.2f}"
    assert f["break_evens"].text() == " / ".join(f"{b:,.2f}" for b in risk.break_evens)
    # The chart draws the same payoff at expiry, and today's curve lies between its extremes.
    payoff = builder.chart.payoff
    assert payoff is not None and payoff.today is not None
    expected = analysis.expiry_payoff(combo, limit, payoff.spots)
    assert payoff.at_expiry.tolist() == pytest.approx(expected.tolist())
    assert max(payoff.at_expiry) == pytest.approx(risk.max_profit)
    assert min(payoff.today) > -risk.max_loss and max(payoff.today) < risk.max_profit
    assert len(builder.chart.break_even_lines) == 2


def test_an_iron_condor_from_the_chain_is_staged_approved_and_filled_as_one_order(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    builder = chain.builder
    builder.strategy.setCurrentText("Iron Condor")
    builder.fill_button.click()
    wait_priced(harness, builder)
    assert builder.value is not None
    combo, _ = builder.draft.combo()
    marketable = combo.round_price(builder.value.net.ask) + Decimal("0.05")
    builder.limit.setText(f"{marketable:.2f}")
    builder.quantity.setValue(2)
    chain.activateWindow()
    qtbot.waitUntil(lambda: chain.isActiveWindow())
    builder.limit.setFocus()
    qtbot.keyClick(builder.limit, Qt.Key.Key_Return)  # Enter stages
    [order] = harness.app.orders.pending_approvals()
    assert order.intent.combo == combo and order.intent.quantity == 2
    assert order.intent.limit_price == marketable
    title = labels.order_title(combo, OrderSide.BUY, 2, marketable)
    assert builder.status.text().startswith(f"Staged {order.id}: {title}")
    strikes = "/".join(
        f"{leg.instrument.strike.normalize():f}"
        for leg in sorted(combo.legs, key=lambda leg: leg.instrument.strike or 0)
        if leg.instrument.strike is not None
    )
    expiry = f"{combo.legs[0].instrument.expiry:%Y-%m-%d}"
    assert title.startswith(f"BUY IRON CONDOR SPY {expiry} {strikes} ×2 net −")
    assert title.endswith(" credit")

    queue = ApprovalQueuePane(harness.session)
    qtbot.addWidget(queue)
    queue.resize(900, 300)
    queue.show()
    queue.activateWindow()
    qtbot.waitUntil(lambda: queue.isActiveWindow())
    harness.step()
    assert queue.contains(order.id)
    queue.table.select_key(order.id)
    model = queue.model
    position = model.position(order.id)
    titles = [c.title for c in model.columns]
    assert position is not None
    shown = {t: model.index(position, titles.index(t)).data() for t in titles}
    assert shown["Symbol"] == f"IRON CONDOR SPY {expiry} {strikes}"
    assert shown["Price(s)"] == f"net {labels.signed(marketable)} credit"
    assert shown["Type"] == "LMT combo ×4"
    assert labels.legs_text(combo) in queue.details.text()

    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_Return, CTRL)  # the approve shortcut
    harness.until(lambda: harness.app.orders.get(order.id).status is OrderStatus.FILLED)
    filled = harness.app.orders.get(order.id)
    assert filled.filled_quantity == 2
    held = {p.key: p.quantity for p in harness.app.portfolio.positions() if not p.is_flat}
    assert held == {leg.instrument.key: 2 * leg.sign for leg in combo.legs}
    assert [o.id for o in harness.app.orders.orders()] == [order.id]  # one order, four legs


def test_a_strategy_builder_calendar_needs_a_later_expiry(
    chain: OptionsChainPane, harness: Harness
) -> None:
    builder = chain.builder
    builder.strategy.setCurrentText("Calendar")
    assert builder.far.isVisibleTo(builder) and builder.far.count() > 0
    builder.fill_button.click()
    near, far = (leg.instrument.expiry for leg in builder.draft.legs)
    assert near == chain.selected_expiry() and far == builder.far.currentData()
    wait_priced(harness, builder)
    assert builder.value is not None and builder.value.risk is not None
    assert not builder.value.risk.exact  # the far leg is valued by Black–Scholes
    combo, _ = builder.draft.combo()
    assert combo == strategies.calendar(
        chain._params, near, far, builder.strike.currentData(), OptionRight.CALL
    )  # type: ignore[arg-type]


def test_a_builder_opened_in_a_fresh_chain_refreshes_before_any_leg(harness: Harness) -> None:
    # Quotes arriving while the builder is open with no legs yet recompute it: that once read
    # a problem text the builder set only when legs were first edited (an AttributeError in
    # the refresh, raised as a critical alert).
    pane = OptionsChainPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.builder.refresh()
    assert pane.builder.value is None and pane.builder.title.text() == "no legs"


def test_the_builder_is_built_when_first_opened_with_the_chain_already_shown(
    harness: Harness, qtbot: QtBot
) -> None:
    """Closed, it costs nothing at start; opened after the chain loaded, it offers its strikes."""
    pane = loaded_spy_chain(harness, qtbot)
    assert not pane.findChildren(StrategyBuilder)
    pane.show_builder()
    (builder,) = pane.findChildren(StrategyBuilder)
    assert builder.isVisible()
    assert builder.strike.count() == len(listed(pane)) > 0
