"""Properties of verdicts over random intents, markets, books and trading states."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.domain import (
    Instrument,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    VerdictLevel,
)
from terminal.risk import TradingState
from tests.helpers.risk_fakes import AAPL, AAPL_CALL, MSFT, Desk, working

instruments = st.sampled_from([AAPL, AAPL_CALL, MSFT])
prices = st.integers(min_value=1, max_value=100_000).map(lambda cents: Decimal(cents) / 100)
maybe_price = st.one_of(st.just(math.nan), st.floats(min_value=0.01, max_value=1_000))


@st.composite
def intents(draw: st.DrawFn, instrument: Instrument | None = None) -> OrderIntent:
    inst = instrument or draw(instruments)
    order_type = draw(
        st.sampled_from([OrderType.LIMIT, OrderType.MARKET, OrderType.STOP, OrderType.STOP_LIMIT])
    )
    return OrderIntent(
        inst,
        draw(st.sampled_from(OrderSide)),
        Decimal(draw(st.integers(min_value=1, max_value=60_000))),
        order_type,
        draw(prices) if order_type.needs_limit else None,
        draw(prices) if order_type.needs_stop else None,
    )


@st.composite
def desks(draw: st.DrawFn) -> Desk:
    desk = Desk()
    desk.clock.advance(draw(st.integers(min_value=0, max_value=7 * 24 * 3600)))
    for inst in (AAPL, AAPL_CALL, MSFT):
        if draw(st.booleans()):
            desk.quotes.set(
                Quote(
                    inst.key, bid=draw(maybe_price), ask=draw(maybe_price), last=draw(maybe_price)
                )
            )
        else:
            desk.quotes.quotes.pop(inst.key, None)
        desk.portfolio.hold(inst, draw(st.integers(min_value=-60_000, max_value=60_000)), "100")
    desk.portfolio.cash_equity = Decimal(draw(st.integers(min_value=0, max_value=10**8)))
    state = draw(st.sampled_from(TradingState))
    if state is TradingState.HALTED:
        desk.state.halt("property test", "hypothesis")
    elif state is TradingState.REDUCE_ONLY:
        desk.state.reduce_only("property test", "hypothesis")
    return desk


@settings(max_examples=300, deadline=None)
@given(desk=desks(), intent=intents())
def test_verdict_level_is_the_worst_reason_and_pass_has_none(
    desk: Desk, intent: OrderIntent
) -> None:
    verdict = desk.check(intent)

    assert verdict.level == max((r.level for r in verdict.reasons), default=VerdictLevel.PASS)
    assert all(r.level > VerdictLevel.PASS for r in verdict.reasons)
    assert (verdict.level is VerdictLevel.PASS) == (verdict.reasons == ())


@settings(max_examples=300, deadline=None)
@given(
    desk=desks(),
    intent=intents(),
    others=st.lists(intents(), max_size=60),
    statuses=st.lists(st.sampled_from(OrderStatus), min_size=60, max_size=60),
    staged=st.lists(intents(), max_size=10),
)
def test_a_blocked_intent_stays_blocked_whatever_else_is_added(
    desk: Desk,
    intent: OrderIntent,
    others: list[OrderIntent],
    statuses: list[OrderStatus],
    staged: list[OrderIntent],
) -> None:
    alone = desk.check(intent)
    blocking = {r.rule for r in alone.reasons if r.level is VerdictLevel.BLOCK}

    for other in staged:
        desk.engine.record_staged(other)
    open_orders = [working(o, s) for o, s in zip(others, statuses, strict=False)]
    crowded = desk.check(intent, open_orders)

    if alone.level is VerdictLevel.BLOCK:
        assert crowded.level is VerdictLevel.BLOCK
    assert blocking <= {r.rule for r in crowded.reasons if r.level is VerdictLevel.BLOCK}
