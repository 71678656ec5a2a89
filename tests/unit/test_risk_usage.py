"""Live limit utilisation and the risk monitor (edge-triggered alerts, daily-loss kill switch)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.domain import Greeks, OptionQuote, OrderSide, Quote
from terminal.risk import LimitUsage, RiskMonitor, UsageLevel, estimate_order
from terminal.risk.usage import describe
from tests.helpers.risk_fakes import (
    AAPL,
    AAPL_CALL,
    MSFT,
    Desk,
    FakeQuotes,
    limit_buy,
    limit_sell,
    market,
    working,
)

OK, WARN, BREACH = UsageLevel.OK, UsageLevel.WARN, UsageLevel.BREACH


def usage_of(desk: Desk, name: str, open_orders: list = []) -> LimitUsage:  # noqa: B006
    (found,) = [u for u in desk.engine.utilisation(open_orders) if u.name == name]
    return found


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_utilisation_lists_every_live_limit(desk: Desk) -> None:
    names = [u.name for u in desk.engine.utilisation([])]

    assert names == [
        "gross_exposure",
        "daily_loss",
        "open_orders",
        "position",
        "concentration",
        "orders_per_second",
    ]


@pytest.mark.parametrize(
    ("loss", "level"),
    [(0, OK), (19_999, OK), (20_000, WARN), (24_999, WARN), (25_000, BREACH), (30_000, BREACH)],
)
def test_daily_loss_levels(desk: Desk, loss: int, level: UsageLevel) -> None:
    desk.portfolio.pnl = Decimal(-loss)

    usage = usage_of(desk, "daily_loss")

    assert usage.level is level
    assert usage.used == loss
    assert usage.limit == 25_000


def test_a_profit_uses_none_of_the_daily_loss_limit(desk: Desk) -> None:
    desk.portfolio.pnl = Decimal(50_000)

    usage = usage_of(desk, "daily_loss")

    assert (usage.used, usage.fraction, usage.level) == (0, 0.0, OK)


def test_gross_exposure_usage_follows_the_portfolio(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 26_000, "150")  # 3,900,000 of 5,000,000

    usage = usage_of(desk, "gross_exposure")

    assert usage.used == 3_900_000
    assert usage.fraction == pytest.approx(0.78)
    assert usage.level is OK
    desk.portfolio.marks["AAPL"] = Decimal("153.85")  # 4,000,100: over 80%
    assert usage_of(desk, "gross_exposure").level is WARN


def test_open_orders_usage_counts_only_open_orders(desk: Desk) -> None:
    orders = [working(limit_buy(1)) for _ in range(40)]
    orders += [o.with_status(o.status.FILLED, o.updated_at) for o in orders[:5]]

    usage = usage_of(desk, "open_orders", orders)

    assert (usage.used, usage.limit, usage.level) == (40, 50, WARN)


def test_largest_position_is_named_in_the_label(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 1_000, "150")
    desk.portfolio.hold(MSFT, -45_000, "400")

    usage = usage_of(desk, "position")

    assert usage.label == "Largest position (MSFT)"
    assert (usage.used, usage.level) == (45_000, WARN)


def test_largest_position_counts_working_orders_on_the_same_side(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 30_000, "150")
    desk.portfolio.hold(MSFT, 35_000, "400")
    orders = [working(limit_buy(8_000)), working(limit_buy(4_000)), working(limit_sell(20_000))]

    usage = usage_of(desk, "position", orders)

    # AAPL could reach 42,000 if the buys fill (the sell takes it towards zero): over MSFT.
    assert usage.label == "Largest position with working orders (AAPL)"
    assert (usage.used, usage.level) == (42_000, WARN)
    assert usage_of(desk, "position").label == "Largest position (MSFT)"


def test_working_orders_alone_make_a_largest_position(desk: Desk) -> None:
    usage = usage_of(desk, "position", [working(limit_sell(50_000, inst=MSFT))])

    assert usage.label == "Largest position with working orders (MSFT)"
    assert (usage.used, usage.level) == (50_000, BREACH)


def test_largest_concentration_is_in_percent_of_equity(desk: Desk) -> None:
    desk.portfolio.cash_equity = Decimal(1_000_000)
    desk.portfolio.hold(AAPL, 500, "150")  # 7.5%
    desk.portfolio.hold(MSFT, -200, "400")  # 8.0% (shorts count too)

    usage = usage_of(desk, "concentration")

    assert usage.label == "Largest concentration % (MSFT)"
    assert (usage.used, usage.limit, usage.level) == (Decimal(8), Decimal(10), WARN)


def test_an_underlying_with_options_held_counts_as_one_in_delta_dollars(desk: Desk) -> None:
    desk.portfolio.cash_equity = Decimal(1_000_000)
    desk.option_quotes.set(
        OptionQuote(AAPL_CALL.key, 7.95, 8.05, greeks=Greeks(0.6, 0.02, -0.05, 0.3))
    )
    desk.portfolio.hold(AAPL_CALL, 20, "8.00")  # 0.6 × 20 × 100 = 1,200 shares of delta
    desk.portfolio.hold(AAPL, 500, "150")
    desk.portfolio.hold(MSFT, -200, "400")  # 8.0%

    usage = usage_of(desk, "concentration")

    # (500 + 1,200) × 150 (AAPL's last) = 255,000: 25.5%, not the shares' 7.5% alone.
    assert usage.label == "Largest concentration % (AAPL)"
    assert (usage.used, usage.level) == (Decimal("25.5"), BREACH)

    # Hedged flat, AAPL weighs nothing (the short shares alone would be 18%): MSFT is largest.
    desk.portfolio.hold(AAPL, -1_200, "150")
    usage = usage_of(desk, "concentration")
    assert (usage.label, usage.used) == ("Largest concentration % (MSFT)", Decimal(8))

    # An underlying without a price is weighed position by position, as before: the calls'
    # 20 × 8.00 × 100 = 16,000 (1.6%); the shares have no mark.
    del desk.quotes.quotes["AAPL"]
    del desk.portfolio.marks["AAPL"]
    desk.portfolio.hold(MSFT, 0)
    usage = usage_of(desk, "concentration")
    assert (usage.label, usage.used) == (
        f"Largest concentration % ({AAPL_CALL.key})",
        Decimal("1.6"),
    )


def test_orders_in_the_last_second_breach_at_the_rate_limit(desk: Desk) -> None:
    for qty in range(1, 6):
        desk.engine.record_staged(limit_buy(qty))

    assert usage_of(desk, "orders_per_second").level is BREACH
    desk.clock.advance(1)
    assert usage_of(desk, "orders_per_second").level is OK


def test_describe_reads_well_in_an_alert(desk: Desk) -> None:
    desk.portfolio.pnl = Decimal("-21250.40")

    text = describe(usage_of(desk, "daily_loss"))

    assert text == "Daily loss at 85% of its limit (21,250 of 25,000)"


# -- monitor -----------------------------------------------------------------------------------


class MonitorRig:
    def __init__(self) -> None:
        self.desk = Desk()
        self.trips: list[str] = []
        self.crossed: list[LimitUsage] = []
        self.recovered: list[LimitUsage] = []
        self.monitor = RiskMonitor(
            self.desk.engine, self.desk.portfolio, self.desk.state, self.trips.append
        )
        self.monitor.utilisation_crossed += self.crossed.append
        self.monitor.utilisation_recovered += self.recovered.append

    def loss(self, amount: int) -> None:
        self.desk.portfolio.pnl = Decimal(-amount)
        self.monitor.evaluate([])


@pytest.fixture
def rig() -> MonitorRig:
    return MonitorRig()


def test_monitor_announces_a_level_change_once(rig: MonitorRig) -> None:
    rig.loss(21_000)
    rig.loss(22_000)
    rig.loss(23_000)

    assert [(u.name, u.level) for u in rig.crossed] == [("daily_loss", WARN)]


def test_monitor_announces_escalation_and_recovery(rig: MonitorRig) -> None:
    rig.loss(21_000)
    rig.loss(26_000)
    rig.loss(10_000)
    rig.loss(21_000)

    assert [u.level for u in rig.crossed] == [WARN, BREACH, WARN]
    assert [u.level for u in rig.recovered] == [OK]


def test_monitor_is_quiet_while_everything_is_fine(rig: MonitorRig) -> None:
    for _ in range(3):
        rig.loss(100)

    assert rig.crossed == rig.recovered == rig.trips == []


def test_daily_loss_breach_trips_the_kill_switch_once(rig: MonitorRig) -> None:
    rig.loss(25_000)
    rig.loss(27_000)
    rig.loss(30_000)

    assert rig.trips == ["daily loss 25,000.00 reached the limit of 25,000.00"]


def test_no_second_trip_while_halted_even_if_the_loss_recovers_and_returns(
    rig: MonitorRig,
) -> None:
    rig.loss(26_000)
    rig.desk.state.halt(rig.trips[0], "system")
    rig.loss(10_000)
    rig.loss(26_000)

    assert len(rig.trips) == 1


def test_rearmed_and_recovered_a_new_breach_trips_again(rig: MonitorRig) -> None:
    rig.loss(26_000)
    rig.desk.state.halt(rig.trips[0], "system")
    rig.desk.state.rearm("limit reviewed with risk manager", "alice")
    rig.loss(26_000)  # still over: the trader re-armed knowingly
    assert len(rig.trips) == 1

    rig.loss(20_000)  # back under the limit while active: armed again
    rig.loss(25_500)

    assert len(rig.trips) == 2
    assert rig.monitor.daily_loss_tripped


# -- ticket estimate -----------------------------------------------------------------------------


def test_estimate_for_a_stock_limit_order_uses_the_limit_price() -> None:
    estimate = estimate_order(limit_buy(1_000, "150.00"), FakeQuotes())

    assert (estimate.notional, estimate.commission, estimate.price_source) == (
        Decimal(150_000),
        Decimal("5.00"),
        "limit",
    )


def test_estimate_for_options_counts_the_multiplier_and_per_contract_fee() -> None:
    estimate = estimate_order(limit_buy(10, "5.00", AAPL_CALL), FakeQuotes())

    assert (estimate.notional, estimate.commission) == (Decimal(5_000), Decimal("6.50"))


def test_estimate_for_a_market_order_follows_the_quote() -> None:
    quotes = FakeQuotes(Quote("AAPL", bid=149.0, ask=151.0))

    assert estimate_order(market(OrderSide.BUY, 10), quotes).notional == Decimal(1_510)
    assert estimate_order(market(OrderSide.SELL, 10), quotes).notional == Decimal(1_490)
    assert estimate_order(market(OrderSide.SELL, 10), FakeQuotes()).notional is None


def test_daily_loss_waits_for_an_established_baseline(rig: MonitorRig) -> None:
    # At start-up the baseline can be provisional (cash known, positions not yet marked): a
    # position's whole value then looks like a day's loss. The kill switch must not act on it.
    rig.desk.portfolio.day_pnl_established = False
    rig.loss(30_000)

    assert rig.trips == []
    assert usage_of(rig.desk, "daily_loss").used == 0

    rig.desk.portfolio.day_pnl_established = True
    rig.loss(30_000)

    assert rig.trips == ["daily loss 30,000.00 reached the limit of 25,000.00"]
