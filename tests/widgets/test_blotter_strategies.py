"""Grouped positions in the blotter: an iron condor filled as one order is one strategy line,
expandable to its four legs, and closing it stages the opposite combo for approval."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt

from terminal.domain import Combo, OrderIntent, OrderSide, OrderStatus, OrderType, Quote
from terminal.options.strategies import iron_condor
from widgets import formatting as fmt
from widgets.dialogs.close_strategy import CloseStrategyDialog
from widgets.panes.blotter import BlotterPane

from .conftest import Harness
from .test_blotter import blotter_of, cell, fill_market

S = OrderStatus
PNL = 5  # the strategies' Unrealized P&L column


def quoted_condor(harness: Harness) -> Combo:
    """A SPY iron condor at the money, its legs quoted (as the builder subscribes them)."""
    app, broker = harness.app, harness.broker
    spy = next(i for i in app.watchlist if i.key == "SPY")
    chain = harness.run(broker.option_chain_params(spy))
    harness.until(lambda: app.market.last_quote("SPY") is not None)
    spot = app.market.last_quote("SPY")
    assert spot is not None
    atm = min(chain.strikes, key=lambda k: abs(k - spot.mid))
    combo = iron_condor(chain, chain.expiries[1], atm, inner=1, wing=1)
    for leg in combo.legs:
        harness.run(app.market.subscribe(leg.instrument))
    harness.until(lambda: all(app.market.last_quote(leg.instrument.key) for leg in combo.legs))
    return combo


def fill_combo(harness: Harness, combo: Combo, side: OrderSide, units: int) -> None:
    app = harness.app
    intent = OrderIntent.for_combo(combo, side, units, order_type=OrderType.MARKET)
    order = app.orders.stage(intent)
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.FILLED)


def shown_pnl(blotter: BlotterPane) -> tuple[str, list[str]]:
    line = blotter.positions.strategies.topLevelItem(0)
    return line.text(PNL), [line.child(i).text(PNL) for i in range(line.childCount())]


def test_an_iron_condor_is_one_strategy_line_with_its_four_legs_and_their_summed_pnl(
    harness: Harness,
) -> None:
    blotter = blotter_of(harness)
    blotter.tabs.setCurrentWidget(blotter.positions)
    combo = quoted_condor(harness)
    fill_market(harness, "AAPL", 10)  # a single position stays a plain row
    fill_combo(harness, combo, OrderSide.BUY, 2)
    harness.step(2)
    blotter.flush()

    tree = blotter.positions.strategies
    assert tree.isVisible() and tree.topLevelItemCount() == 1
    line = tree.topLevelItem(0)
    assert line.text(0) == f"{combo.description} (4 legs)"
    assert line.text(1) == "2"
    assert line.childCount() == 4 and not line.isExpanded()
    legs = {line.child(i).text(0): line.child(i).text(1) for i in range(4)}
    assert legs == {
        f"{leg.signed_ratio:+d} × {leg.instrument.key}": str(2 * leg.sign) for leg in combo.legs
    }
    tree.expandItem(line)
    assert line.isExpanded() and tree.visualItemRect(line.child(3)).height() > 0
    # The legs are not listed again as single positions; AAPL is.
    model = blotter.positions.model
    assert {p.key for p in model.rows()} == {"AAPL"}
    assert cell(blotter.positions.view, "AAPL", "Qty") == "10"
    assert blotter.tabs.tabText(2) == "Positions (2)"

    # The strategy's P&L is the sum of its legs' P&L at the portfolio's marks.
    portfolio = harness.app.portfolio
    strategy = tree.strategy(combo.key)
    assert strategy is not None
    expected = sum(
        (
            leg.position.unrealized_pnl(portfolio.mark(leg.key) or leg.position.avg_cost)
            for leg in strategy.legs
        ),
        Decimal(0),
    )
    total, per_leg = shown_pnl(blotter)
    assert total == fmt.signed(expected)
    assert sum(Decimal(t.replace(",", "").replace("+", "")) for t in per_leg) == Decimal(
        total.replace(",", "").replace("+", "")
    )


def held_condor(harness: Harness, units: int = 2) -> tuple[BlotterPane, Combo]:
    blotter = blotter_of(harness)
    blotter.tabs.setCurrentWidget(blotter.positions)
    combo = quoted_condor(harness)
    fill_combo(harness, combo, OrderSide.BUY, units)
    harness.step(2)
    blotter.flush()
    return blotter, combo


def close_dialog(harness: Harness, blotter: BlotterPane) -> CloseStrategyDialog:
    tree = blotter.positions.strategies
    tree.setCurrentItem(tree.topLevelItem(0).child(1))  # a leg selects its strategy
    harness.qtbot.mouseClick(blotter.positions.close_strategy_button, Qt.MouseButton.LeftButton)
    dialog = blotter.positions.close_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def net_mid(harness: Harness, combo: Combo, side: OrderSide) -> tuple[Decimal, Decimal]:
    """The combo's net mid on its tick and the natural price of ``side``, from the cache."""
    quotes = {
        leg.instrument.key: harness.app.market.last_quote(leg.instrument.key) for leg in combo.legs
    }
    net = combo.net_quote({k: q for k, q in quotes.items() if q is not None})
    natural = net.bid if side is OrderSide.SELL else net.ask
    return combo.round_price(net.mid), combo.round_price(natural)


def test_close_strategy_opens_at_the_net_mid_and_stages_one_opposite_lmt_combo(
    harness: Harness,
) -> None:
    blotter, combo = held_condor(harness)
    before = {o.id for o in harness.app.orders.orders()}
    dialog = close_dialog(harness, blotter)
    mid, _ = net_mid(harness, combo, OrderSide.SELL)
    assert dialog.limit_edit.text() == f"{mid}" and dialog.focusWidget() is dialog.limit_edit
    assert dialog.order_type.currentText() == "LMT" and dialog.stage_button.isEnabled()
    with harness.qtbot.waitSignal(harness.session.message) as message:
        harness.qtbot.keyClick(dialog.limit_edit, Qt.Key.Key_Return)
    (close,) = harness.app.orders.pending_approvals()
    assert close.id not in before and close.status is S.PENDING_APPROVAL
    assert close.intent.combo == combo
    assert (close.intent.side, close.intent.quantity) == (OrderSide.SELL, Decimal(2))
    assert close.intent.order_type is OrderType.LIMIT and close.intent.limit_price == mid
    assert f"SELL 2 {combo.description} LMT {mid}" in str(message.args[0])
    harness.step(2)
    assert close.id not in harness.broker.exchange.engine.by_client  # staged, never sent


def test_the_trader_edits_the_close_to_the_natural_price_and_it_fills_flat(
    harness: Harness,
) -> None:
    blotter, combo = held_condor(harness)
    dialog = close_dialog(harness, blotter)
    harness.qtbot.mouseClick(dialog.natural_button, Qt.MouseButton.LeftButton)
    _, natural = net_mid(harness, combo, OrderSide.SELL)
    assert dialog.limit_edit.text() == f"{natural}"
    dialog.limit_edit.setText("abc")
    assert not dialog.stage_button.isEnabled() and not dialog.error.isHidden()
    dialog.limit_edit.setText(f"{natural}")
    harness.qtbot.mouseClick(dialog.stage_button, Qt.MouseButton.LeftButton)
    (close,) = harness.app.orders.pending_approvals()
    assert close.intent.limit_price == natural
    harness.run(harness.app.orders.approve(close.id, override_reason="test"))
    harness.until(lambda: harness.app.orders.get(close.id).filled_quantity == 2)
    assert harness.app.orders.get(close.id).status is S.FILLED, harness.app.orders.get(close.id)
    harness.step()
    blotter.flush()
    tree = blotter.positions.strategies
    assert tree.topLevelItemCount() == 0 and not tree.isVisible()
    assert all(p.is_flat for p in harness.app.portfolio.positions())


def test_a_market_close_is_one_choice_away(harness: Harness) -> None:
    blotter, _combo = held_condor(harness, units=1)
    dialog = close_dialog(harness, blotter)
    dialog.order_type.setCurrentText("MKT")
    assert not dialog.limit_edit.isEnabled() and dialog.stage_button.isEnabled()
    harness.qtbot.mouseClick(dialog.stage_button, Qt.MouseButton.LeftButton)
    (close,) = harness.app.orders.pending_approvals()
    assert close.intent.order_type is OrderType.MARKET and close.intent.limit_price is None
    harness.run(harness.app.orders.approve(close.id, override_reason="test"))
    harness.until(lambda: harness.app.orders.get(close.id).status is S.FILLED)


def test_a_close_that_must_sell_a_wing_nobody_bids_for_is_refused_saying_which(
    harness: Harness,
) -> None:
    blotter, combo = held_condor(harness, units=1)
    # A bought wing: the close sells it.
    wing = next(leg.instrument.key for leg in combo.legs if leg.side is OrderSide.BUY)
    real = harness.app.market.last_quote

    def no_bid_wing(key: str) -> Quote | None:
        quote = real(key)
        return replace(quote, bid=0.0) if quote is not None and key == wing else quote

    harness.app.market.last_quote = no_bid_wing  # type: ignore[method-assign]
    dialog = close_dialog(harness, blotter)
    assert not dialog.problem.isHidden() and f"{wing} has no bid" in dialog.problem.text()
    assert not dialog.stage_button.isEnabled()
    dialog.order_type.setCurrentText("MKT")
    assert not dialog.stage_button.isEnabled()  # a market close would rest unfilled
    with harness.qtbot.waitSignal(harness.session.message) as message:
        assert blotter.positions.stage_close_strategy(combo.key) is None
    assert f"{wing} has no bid" in str(message.args[0])
    assert harness.app.orders.pending_approvals() == []
