"""The risk panel's Greeks by underlying on the real core and the simulated exchange: a long call
hedged with short stock, figures from the feed's Greeks, and a breached limit in the alert tone."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from terminal.domain import Instrument, OrderIntent, OrderSide, OrderStatus, OrderType
from widgets.panes.risk import RiskPanel

from .conftest import Harness
from .test_blotter import fill_market, instrument
from .test_risk_panel import panel_of, refresh_cycle


def buy_call(harness: Harness, contracts: int) -> Instrument:
    """Subscribe AAPL's second expiry near the money and buy ``contracts`` calls at market."""
    app = harness.app
    aapl = instrument(harness, "AAPL")
    params = harness.run(app.broker.option_chain_params(aapl))
    spot = app.market.last_quote("AAPL").mark  # type: ignore[union-attr]
    strike = min(params.strikes, key=lambda k: abs(k - spot))
    chain = harness.run(app.market.subscribe_option_chain(aapl, params.expiries[1], [strike]))
    call: Instrument = next(c for c in chain if c.right is not None and c.right.value == "C")
    harness.run(app.market.subscribe(call))  # the order is priced from the contract's quote
    harness.until(
        lambda: (
            app.market.last_option_quote(call.key) is not None
            and app.market.last_quote(call.key) is not None
        )
    )
    order = app.orders.stage(OrderIntent(call, OrderSide.BUY, Decimal(contracts), OrderType.MARKET))
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is OrderStatus.FILLED)
    return call


def test_the_panel_sums_a_hedged_call_and_colours_a_breached_delta_limit(
    harness: Harness,
) -> None:
    panel: RiskPanel = panel_of(harness)
    refresh_cycle(harness)
    assert panel.greeks.empty.isVisible()

    call = buy_call(harness, 3)
    fill_market(harness, "AAPL", 100, OrderSide.SELL)
    refresh_cycle(harness)

    feed = harness.app.market.last_option_quote(call.key)
    assert feed is not None
    g = feed.greeks
    delta, gamma, vega, theta = panel.greeks.cells["AAPL"]
    # 3 contracts × 100 of the feed's per-share Greeks, less the 100 shares sold.
    assert delta.text() == f"{round(g.delta * 300 - 100):+,}"
    assert gamma.text() == f"{round(g.gamma * 300):+,}"
    assert vega.text() == f"{round(g.vega * 300):+,}"
    assert theta.text() == f"{round(g.theta * 300):+,}"
    assert delta.property("tone") == vega.property("tone") == ""
    assert not panel.greeks.empty.isVisible()

    app = harness.app
    settings = app.settings
    tight = replace(settings.risk, max_delta_shares=Decimal(20), max_vega=Decimal(1))
    app.apply_settings(replace(settings, risk=tight))
    refresh_cycle(harness)
    assert abs(g.delta * 300 - 100) > 20  # an at-the-money call: about 150 shares less 100
    assert delta.property("tone") == "critical"
    assert vega.property("tone") == "critical"
    assert gamma.property("tone") in (None, "")  # gamma has no limit
    assert panel.greeks.limits_note.text() == (
        "Limits per underlying: delta ±20 sh (warn), vega ±1 /pt (warn)"
    )
