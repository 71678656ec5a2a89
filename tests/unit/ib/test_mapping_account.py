"""IB positions and account values -> broker positions and the account snapshot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from ib_async import AccountValue, Contract
from ib_async import Position as IBPosition

from terminal.broker.ib.mapping import UNSET_DOUBLE, account_from_values, position_from_ib
from terminal.domain import Instrument, OptionRight

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
AAPL = Instrument.stock("AAPL")
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), Decimal(150), OptionRight.CALL)


def position(quantity: float, avg_cost: float) -> IBPosition:
    return IBPosition("DU123", Contract(conId=1), quantity, avg_cost)


def test_a_stock_position_costs_per_share() -> None:
    held = position_from_ib(position(300.0, 150.25), AAPL)
    assert (held.instrument, held.quantity, held.avg_cost) == (
        AAPL,
        Decimal(300),
        Decimal("150.25"),
    )


def test_an_option_position_cost_is_divided_by_the_multiplier() -> None:
    held = position_from_ib(position(-1.0, 152.5), CALL)  # IB: 1.525 a share, 152.50 a contract
    assert held.quantity == Decimal(-1)  # short one contract: -1 here is a real quantity
    assert held.avg_cost == Decimal("1.525")


@pytest.mark.parametrize("avg_cost", [UNSET_DOUBLE, float("nan"), 0.0])
def test_a_missing_cost_is_zero(avg_cost: float) -> None:
    assert position_from_ib(position(0.0, avg_cost), AAPL).avg_cost == 0


def value(
    tag: str, amount: str, currency: str = "USD", account: str = "DU123", model: str = ""
) -> AccountValue:
    return AccountValue(account, tag, amount, currency, model)


USD_ACCOUNT = [
    value("NetLiquidation", "101234.56"),
    value("TotalCashValue", "50000.10"),
    value("BuyingPower", "404938.24"),
    value("MaintMarginReq", "12000"),
    value("InitMarginReq", "15000"),
    value("RealizedPnL", "250.5"),
    value("UnrealizedPnL", "-120.25"),
    value("AccountType", "INDIVIDUAL", ""),
    value("NetLiquidation", "1", "USD", "DU999"),  # another account
    value("NetLiquidation", "2", "USD", "DU123", "MODEL1"),  # a model portfolio
    value("TotalCashValue", "50000.10", "BASE"),
]


def test_every_tag_of_the_table() -> None:
    snapshot = account_from_values("DU123", USD_ACCOUNT, NOW)
    assert snapshot.account_id == "DU123"
    assert snapshot.currency == "USD"
    assert snapshot.equity == Decimal("101234.56")
    assert snapshot.cash == Decimal("50000.10")
    assert snapshot.buying_power == Decimal("404938.24")
    assert snapshot.margin_used == Decimal(12000)  # maintenance margin, not initial
    assert snapshot.realized_pnl == Decimal("250.5")
    assert snapshot.unrealized_pnl == Decimal("-120.25")
    assert snapshot.time == NOW


def test_usd_is_preferred_then_base() -> None:
    values = [
        value("RealizedPnL", "9", "BASE"),
        value("RealizedPnL", "7", "USD"),
        value("UnrealizedPnL", "3", "BASE"),
    ]
    snapshot = account_from_values("DU123", values, None)
    assert (snapshot.realized_pnl, snapshot.unrealized_pnl) == (Decimal(7), Decimal(3))


def test_initial_margin_when_maintenance_is_absent() -> None:
    snapshot = account_from_values("DU123", [value("InitMarginReq", "15000")], None)
    assert snapshot.margin_used == Decimal(15000)


def test_an_account_in_another_currency() -> None:
    values = [value("NetLiquidation", "80000", "EUR"), value("TotalCashValue", "100", "EUR")]
    snapshot = account_from_values("DU123", values, None)
    assert (snapshot.currency, snapshot.equity, snapshot.cash) == (
        "EUR",
        Decimal(80000),
        Decimal(100),
    )


@pytest.mark.parametrize(
    "amount", ["", "n/a", "1.7976931348623157E308", "-1.7976931348623157E308", "NaN", "inf"]
)
def test_unparseable_values_are_ignored(amount: str) -> None:
    snapshot = account_from_values(
        "DU123", [value("NetLiquidation", amount), value("BuyingPower", "5")], None
    )
    assert snapshot.equity == 0
    assert snapshot.buying_power == Decimal(5)


def test_an_account_without_values_is_all_zero() -> None:
    snapshot = account_from_values("DU123", USD_ACCOUNT, None)
    empty = account_from_values("U777", USD_ACCOUNT, None)
    assert snapshot.equity > 0
    assert empty.account_id == "U777"
    assert empty.equity == empty.cash == empty.margin_used == 0
    assert not empty.is_paper
