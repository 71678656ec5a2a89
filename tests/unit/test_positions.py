"""Positions from fills: average cost, realized/unrealized P&L, options multiplier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import Fill, Instrument, OrderSide, Position

AAPL = Instrument.stock("AAPL")
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), 150, "C")
T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
_n = iter(range(10**9))


def fill(side: str, qty: int, price: str, inst: Instrument = AAPL, commission: str = "1") -> Fill:
    return Fill(
        f"E{next(_n)}",
        None,
        inst,
        OrderSide(side),
        Decimal(qty),
        Decimal(price),
        Decimal(commission),
        T0,
    )


def test_long_then_partial_close_realizes_pnl_net_of_commission() -> None:
    pos = Position(AAPL).apply(fill("BUY", 100, "10")).apply(fill("BUY", 100, "12"))
    assert pos.quantity == 200 and pos.avg_cost == Decimal(11)
    pos = pos.apply(fill("SELL", 50, "13"))
    assert pos.quantity == 150 and pos.avg_cost == Decimal(11)
    assert pos.realized_pnl == Decimal(100) - Decimal(3)
    assert pos.unrealized_pnl(Decimal(12)) == Decimal(150)


def test_flip_from_long_to_short_opens_remainder_at_fill_price() -> None:
    pos = (
        Position(AAPL)
        .apply(fill("BUY", 100, "10", commission="0"))
        .apply(fill("SELL", 150, "12", commission="0"))
    )
    assert pos.quantity == -50 and pos.avg_cost == Decimal(12)
    assert pos.realized_pnl == Decimal(200)


def test_option_pnl_uses_multiplier() -> None:
    pos = (
        Position(CALL)
        .apply(fill("BUY", 2, "3.50", CALL, "1.30"))
        .apply(fill("SELL", 2, "4.00", CALL, "1.30"))
    )
    assert pos.is_flat
    assert pos.realized_pnl == Decimal("0.50") * 2 * 100 - Decimal("2.60")


fills_strategy = st.lists(
    st.tuples(
        st.sampled_from(["BUY", "SELL"]),
        st.integers(min_value=1, max_value=500),
        st.decimals(min_value=Decimal("1.00"), max_value=Decimal("500.00"), places=2),
        st.decimals(min_value=Decimal(0), max_value=Decimal("5.00"), places=2),
    ),
    min_size=1,
    max_size=40,
)


@given(
    fills_strategy, st.decimals(min_value=Decimal("1.00"), max_value=Decimal("500.00"), places=2)
)
def test_position_is_sum_of_fills_and_pnl_matches_cash(fills: list, mark: Decimal) -> None:  # type: ignore[type-arg]
    for inst in (AAPL, CALL):
        pos = Position(inst)
        cash = Decimal(0)
        for side, qty, price, commission in fills:
            f = fill(side, qty, str(price), inst, str(commission))
            pos = pos.apply(f)
            cash += f.cash_flow
        assert pos.quantity == sum((q if s == "BUY" else -q) for s, q, _, _ in fills)
        total = pos.realized_pnl + pos.unrealized_pnl(mark)
        assert abs(cash + pos.market_value(mark) - total) < Decimal("0.000001")
