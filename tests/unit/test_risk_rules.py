"""Pre-trade rules, each at, below and above its threshold, through the RiskEngine."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.domain import (
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    RiskReason,
    TimeInForce,
    Verdict,
    VerdictLevel,
)
from terminal.risk import CONCENTRATION_LEVEL
from tests.helpers.risk_fakes import (
    AAPL,
    AAPL_CALL,
    MSFT,
    Desk,
    limit_buy,
    limit_sell,
    market,
    working,
)

BLOCK, WARN, PASS = VerdictLevel.BLOCK, VerdictLevel.WARN, VerdictLevel.PASS


def levels(desk: Desk, intent: OrderIntent, rule: str, open_orders: list[object] = []) -> list:  # noqa: B006
    return [r.level for r in desk.reasons(intent, rule, open_orders)]  # type: ignore[arg-type]


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_an_ordinary_limit_order_passes_with_no_reasons(desk: Desk) -> None:
    verdict = desk.check(limit_buy(100, "150.00"))

    assert verdict.level is PASS
    assert verdict.reasons == ()


# -- order size ------------------------------------------------------------------------------


@pytest.mark.parametrize(("qty", "expected"), [(9_999, []), (10_000, []), (10_001, [BLOCK])])
def test_order_quantity_above_the_limit_is_blocked(desk: Desk, qty: int, expected: list) -> None:
    assert levels(desk, limit_buy(qty), "max_order_quantity") == expected


def test_order_quantity_message_names_quantity_and_limit(desk: Desk) -> None:
    (reason,) = desk.reasons(limit_buy(10_001), "max_order_quantity")

    assert "10,001" in reason.message
    assert "10,000" in reason.message


@pytest.mark.parametrize(
    ("qty", "expected"),
    [(99, []), (100, []), (101, [WARN]), (200, [WARN]), (201, [BLOCK])],
)
def test_notional_warns_above_half_the_limit_and_blocks_above_it(
    desk: Desk, qty: int, expected: list
) -> None:
    desk.limits(max_order_notional=Decimal(30_000))  # warns above 15,000 (100 × 150)

    assert levels(desk, limit_buy(qty, "150.00"), "max_order_notional") == expected


def test_notional_of_options_counts_the_multiplier(desk: Desk) -> None:
    desk.quotes.set(Quote(AAPL_CALL.key, bid=4.9, ask=5.1, last=5.0))
    desk.limits(max_order_notional=Decimal(4_000))

    # 10 contracts × 5.00 × 100 = 5,000: over the limit although 10 × 5 is only 50.
    assert levels(desk, limit_buy(10, "5.00", AAPL_CALL), "max_order_notional") == [BLOCK]


def test_market_buy_is_valued_at_the_ask_and_market_sell_at_the_bid(desk: Desk) -> None:
    desk.limits(max_order_notional=Decimal(30_000))  # warns above 15,000

    # 100 × 150.01 = 15,001 warns; 100 × 149.99 = 14,999 does not.
    assert levels(desk, market(OrderSide.BUY, 100), "max_order_notional") == [WARN]
    assert levels(desk, market(OrderSide.SELL, 100), "max_order_notional") == []


def test_market_order_without_a_quote_is_blocked(desk: Desk) -> None:
    del desk.quotes.quotes["AAPL"]

    (reason,) = desk.reasons(market(OrderSide.BUY), "max_order_notional")

    assert reason.level is BLOCK
    assert reason.message == "no market price to estimate notional"


def test_market_order_with_only_a_last_price_uses_it(desk: Desk) -> None:
    desk.quotes.set(Quote("AAPL", last=150.0))
    desk.limits(max_order_notional=Decimal(10_000))

    assert levels(desk, market(OrderSide.BUY, 100), "max_order_notional") == [BLOCK]
    assert levels(desk, market(OrderSide.BUY, 10), "max_order_notional") == []


def test_market_order_without_a_quote_falls_back_to_the_portfolio_mark(desk: Desk) -> None:
    del desk.quotes.quotes["AAPL"]
    desk.portfolio.marks["AAPL"] = Decimal(150)
    desk.limits(max_order_notional=Decimal(10_000))

    assert levels(desk, market(OrderSide.BUY, 100), "max_order_notional") == [BLOCK]
    assert levels(desk, market(OrderSide.BUY, 10), "max_order_notional") == []


def test_stop_order_is_valued_at_its_stop_price(desk: Desk) -> None:
    desk.limits(max_order_notional=Decimal(30_000))
    stop = OrderIntent(AAPL, OrderSide.BUY, Decimal(100), OrderType.STOP, stop_price=Decimal(160))

    # 16,000 is over the 15,000 warning level; at the market (15,001) it would be too, so also
    # check a quantity that only the stop price pushes over.
    assert levels(desk, stop, "max_order_notional") == [WARN]
    stop_94 = OrderIntent(AAPL, OrderSide.BUY, Decimal(94), OrderType.STOP, stop_price=Decimal(160))
    assert levels(desk, stop_94, "max_order_notional") == [WARN]  # 15,040 at 160; 14,101 at ask


# -- positions and exposure ------------------------------------------------------------------


@pytest.mark.parametrize(("qty", "expected"), [(99, []), (100, []), (101, [BLOCK])])
def test_position_beyond_the_limit_after_the_fill_is_blocked(
    desk: Desk, qty: int, expected: list
) -> None:
    desk.portfolio.hold(AAPL, 49_900)

    assert levels(desk, limit_buy(qty), "max_position") == expected


def test_short_position_beyond_the_limit_is_blocked(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, -49_900)

    assert levels(desk, limit_sell(100), "max_position") == []
    assert levels(desk, limit_sell(101), "max_position") == [BLOCK]


def test_reducing_a_position_already_over_the_limit_is_allowed(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 60_000)

    assert levels(desk, limit_sell(100), "max_position") == []
    assert levels(desk, limit_buy(1), "max_position") == [BLOCK]


@pytest.mark.parametrize(("qty", "expected"), [(99, []), (100, []), (101, [BLOCK])])
def test_gross_exposure_beyond_the_limit_after_the_order_is_blocked(
    desk: Desk, qty: int, expected: list
) -> None:
    desk.portfolio.gross_override = Decimal(4_985_000)  # + 100 × 150 = 5,000,000

    assert levels(desk, limit_buy(qty), "max_gross_exposure") == expected


def test_an_order_reducing_gross_exposure_passes_even_over_the_limit(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 1_000, "150")
    desk.portfolio.gross_override = Decimal(6_000_000)

    assert levels(desk, limit_sell(500), "max_gross_exposure") == []
    assert levels(desk, limit_buy(1), "max_gross_exposure") == [BLOCK]


@pytest.mark.parametrize(("qty", "expected"), [(99, []), (100, []), (101, [CONCENTRATION_LEVEL])])
def test_concentration_above_the_share_of_equity_warns(
    desk: Desk, qty: int, expected: list
) -> None:
    desk.portfolio.cash_equity = Decimal(150_000)  # 10% = 15,000 = 100 × 150

    assert levels(desk, limit_buy(qty), "concentration") == expected


def test_concentration_counts_the_existing_position(desk: Desk) -> None:
    desk.portfolio.cash_equity = Decimal(150_000)
    desk.portfolio.hold(AAPL, 100, "150")

    (reason,) = desk.reasons(limit_buy(1), "concentration")

    assert reason.level is WARN
    assert "10.1% of equity" in reason.message
    assert desk.reasons(limit_sell(1), "concentration") == []


def test_concentration_is_a_warning_not_a_block() -> None:
    assert CONCENTRATION_LEVEL is WARN


def test_concentration_without_known_equity_warns_that_it_was_not_checked(desk: Desk) -> None:
    desk.portfolio.cash_equity = Decimal(0)

    (reason,) = desk.reasons(limit_buy(1), "concentration")

    assert "not checked" in reason.message


# -- price band (fat finger) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("154.50", []),  # 3% above last 150: on the warning band
        ("154.51", [WARN]),
        ("165.00", [WARN]),  # 10%: on the block band
        ("165.01", [BLOCK]),
        ("145.50", []),
        ("145.49", [WARN]),
        ("135.00", [WARN]),
        ("134.99", [WARN]),  # far below: a resting buy, it cannot trade badly at once
    ],
)
def test_stock_limit_price_far_from_last_warns_then_blocks(
    desk: Desk, price: str, expected: list
) -> None:
    assert levels(desk, limit_buy(1, price), "price_band") == expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [("6.00", []), ("6.01", [WARN]), ("7.50", [WARN]), ("7.51", [BLOCK]), ("2.49", [WARN])],
)
def test_option_limit_price_uses_the_wider_option_bands(
    desk: Desk, price: str, expected: list
) -> None:
    desk.quotes.set(Quote(AAPL_CALL.key, bid=4.9, ask=5.1, last=5.0))

    assert levels(desk, limit_buy(1, price, AAPL_CALL), "price_band") == expected


def test_the_same_distance_blocks_a_stock_but_not_an_option(desk: Desk) -> None:
    desk.quotes.set(Quote(AAPL_CALL.key, bid=4.9, ask=5.1, last=5.0))

    # 12% above last for both.
    assert levels(desk, limit_buy(1, "168.00"), "price_band") == [BLOCK]
    assert levels(desk, limit_buy(1, "5.60", AAPL_CALL), "price_band") == []


def test_price_band_uses_the_mid_when_there_is_no_last(desk: Desk) -> None:
    desk.quotes.set(Quote("AAPL", bid=149.0, ask=151.0, last=math.nan))

    assert levels(desk, limit_buy(1, "165.00"), "price_band") == [WARN]
    assert levels(desk, limit_buy(1, "165.01"), "price_band") == [BLOCK]


def test_price_not_checkable_without_a_quote_warns(desk: Desk) -> None:
    del desk.quotes.quotes["AAPL"]

    (reason,) = desk.reasons(limit_buy(1, "999.00"), "price_band")

    assert reason.level is WARN
    assert reason.message == "price not checked against market: no quote"


def test_stop_limit_far_on_both_prices_gives_two_reasons(desk: Desk) -> None:
    intent = OrderIntent(
        AAPL, OrderSide.BUY, Decimal(1), OrderType.STOP_LIMIT, Decimal(200), Decimal(160)
    )

    reasons = desk.reasons(intent, "price_band")

    assert [(r.level, r.message.split()[0]) for r in reasons] == [(BLOCK, "limit"), (WARN, "stop")]


def test_only_prices_through_the_market_are_blocked(desk: Desk) -> None:
    # last is 150: a sell limit 20% below would trade at once (fat finger) -> BLOCK;
    # a protective sell stop 20% below only waits -> WARN; a buy stop 20% below triggers -> BLOCK.
    assert levels(desk, limit_sell(1, "120.00"), "price_band") == [BLOCK]
    assert levels(desk, limit_sell(1, "180.00"), "price_band") == [WARN]
    sell_stop = OrderIntent(
        AAPL, OrderSide.SELL, Decimal(1), OrderType.STOP, stop_price=Decimal(120)
    )
    buy_stop = OrderIntent(AAPL, OrderSide.BUY, Decimal(1), OrderType.STOP, stop_price=Decimal(120))
    assert levels(desk, sell_stop, "price_band") == [WARN]
    assert levels(desk, buy_stop, "price_band") == [BLOCK]


def test_market_orders_have_no_price_to_band(desk: Desk) -> None:
    assert desk.reasons(market(OrderSide.BUY), "price_band") == []


# -- order flow --------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "expected"), [(48, []), (49, []), (50, [BLOCK]), (51, [BLOCK])])
def test_new_order_is_blocked_once_the_open_order_limit_is_reached(
    desk: Desk, count: int, expected: list
) -> None:
    open_orders = [working(limit_buy(1, "149.00", MSFT)) for _ in range(count)]

    assert levels(desk, limit_buy(), "max_open_orders", open_orders) == expected


def test_finished_orders_do_not_count_as_open(desk: Desk) -> None:
    open_orders = [working(limit_buy(1)) for _ in range(49)]
    open_orders.append(
        working(limit_buy(1), OrderStatus.ACCEPTED).with_status(
            OrderStatus.FILLED, open_orders[0].created_at
        )
    )

    assert levels(desk, limit_buy(), "max_open_orders", open_orders) == []


def queued(intent: OrderIntent, level: VerdictLevel, parent_id: str | None = None) -> Order:
    """Return ``intent`` waiting in the approval queue with a verdict of ``level``."""
    order = working(intent, OrderStatus.PENDING_APPROVAL)
    verdict = Verdict.of([RiskReason("test", level, "test")] if level else [])
    return replace(order, verdict=None if parent_id else verdict, parent_id=parent_id)


def test_orders_blocked_in_the_approval_queue_do_not_count_toward_open_orders(
    desk: Desk,
) -> None:
    desk.limits(max_open_orders=2)
    parent = queued(limit_buy(20_000), BLOCK)
    blocked = [parent, queued(limit_sell(20_000), BLOCK), queued(limit_sell(1), PASS, parent.id)]

    assert levels(desk, limit_buy(), "max_open_orders", blocked) == []
    approvable = [*blocked, queued(limit_buy(1), WARN), queued(limit_buy(2), PASS)]
    assert levels(desk, limit_buy(), "max_open_orders", approvable) == [BLOCK]


def test_reduce_only_does_not_count_blocked_orders_waiting_for_approval(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 100)
    desk.state.reduce_only("end of day", "alice")
    waiting = [queued(limit_sell(80), BLOCK)]

    assert levels(desk, limit_sell(50), "trading_state", waiting) == []
    assert levels(desk, limit_sell(50), "trading_state", [working(limit_sell(80))]) == [BLOCK]


def test_orders_per_second_blocks_at_the_limit_and_expires_after_one_second(desk: Desk) -> None:
    for qty in range(1, 5):
        desk.stage(limit_buy(qty))
    assert levels(desk, limit_buy(50), "orders_per_second") == []  # 4 in the window

    desk.stage(limit_buy(5))
    assert levels(desk, limit_buy(50), "orders_per_second") == [BLOCK]  # 5 reached

    desk.clock.advance(0.999)
    assert levels(desk, limit_buy(50), "orders_per_second") == [BLOCK]

    desk.clock.advance(0.001)
    assert levels(desk, limit_buy(50), "orders_per_second") == []


def test_orders_per_second_counts_only_the_last_second(desk: Desk) -> None:
    for qty in range(1, 4):
        desk.stage(limit_buy(qty))
    desk.clock.advance(0.5)
    desk.stage(limit_buy(4))
    desk.stage(limit_buy(5))
    assert levels(desk, limit_buy(50), "orders_per_second") == [BLOCK]

    desk.clock.advance(0.5)  # the first three fall out of the window

    assert levels(desk, limit_buy(50), "orders_per_second") == []
    assert desk.engine.orders_last_second() == 2


def test_duplicate_within_the_window_warns_until_it_expires(desk: Desk) -> None:
    desk.stage(limit_buy(100, "150.00"))

    desk.clock.advance(4.9)
    (reason,) = desk.reasons(limit_buy(100, "150.00"), "duplicate_order")
    assert reason.level is WARN
    assert "4.9 s ago" in reason.message

    desk.clock.advance(0.1)
    assert desk.reasons(limit_buy(100, "150.00"), "duplicate_order") == []


@pytest.mark.parametrize(
    "other",
    [
        limit_buy(101, "150.00"),
        limit_buy(100, "150.01"),
        limit_sell(100, "150.00"),
        limit_buy(100, "400.00", MSFT),
        market(OrderSide.BUY, 100),
    ],
    ids=["quantity", "price", "side", "instrument", "type"],
)
def test_a_different_order_is_not_a_duplicate(desk: Desk, other: OrderIntent) -> None:
    desk.stage(limit_buy(100, "150.00"))

    assert desk.reasons(other, "duplicate_order") == []


def test_time_in_force_does_not_make_an_order_different(desk: Desk) -> None:
    desk.stage(limit_buy(100, "150.00"))
    gtc = OrderIntent(
        AAPL, OrderSide.BUY, Decimal(100), limit_price=Decimal(150), tif=TimeInForce.GTC
    )

    assert len(desk.reasons(gtc, "duplicate_order")) == 1


def test_the_check_itself_does_not_count_towards_rate_or_duplicates(desk: Desk) -> None:
    for _ in range(10):
        desk.check(limit_buy())

    assert desk.check(limit_buy()).level is PASS


def test_history_memory_stays_bounded_by_the_windows(desk: Desk) -> None:
    for i in range(1_000):
        desk.clock.advance(0.1)
        desk.engine.record_staged(limit_buy(i + 1))

    # 5 s duplicate window at 10 per second.
    assert len(desk.engine._history) <= 51


# -- regular hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "outside"),
    [
        (dt.datetime(2026, 1, 5, 14, 29), True),  # Mon 09:29 EST
        (dt.datetime(2026, 1, 5, 14, 30), False),  # 09:30 EST: the open
        (dt.datetime(2026, 1, 5, 20, 59), False),  # 15:59 EST
        (dt.datetime(2026, 1, 5, 21, 0), True),  # 16:00 EST: the close
        (dt.datetime(2026, 7, 6, 13, 30), False),  # Mon 09:30 EDT (summer time)
        (dt.datetime(2026, 7, 6, 13, 29), True),
        (dt.datetime(2026, 7, 6, 19, 59), False),
        (dt.datetime(2026, 7, 6, 20, 0), True),  # 16:00 EDT
        (dt.datetime(2026, 3, 6, 14, 0), True),  # Fri before DST: 09:00 EST
        (dt.datetime(2026, 3, 9, 14, 0), False),  # Mon after DST (8 March): 10:00 EDT
        (dt.datetime(2026, 1, 10, 16, 0), True),  # Saturday 11:00
        (dt.datetime(2026, 1, 11, 16, 0), True),  # Sunday 11:00
    ],
)
def test_orders_outside_new_york_regular_hours_warn(utc: dt.datetime, outside: bool) -> None:
    desk = Desk(when=utc.replace(tzinfo=dt.UTC))

    assert levels(desk, limit_buy(), "regular_hours") == ([WARN] if outside else [])


def test_regular_hours_use_the_new_york_date_not_the_utc_date() -> None:
    # Monday 02:00 UTC is still Sunday evening in New York.
    desk = Desk(when=dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.UTC))

    (reason,) = desk.reasons(limit_buy(), "regular_hours")

    assert "Sunday 21:00 EST" in reason.message


def test_an_order_set_to_work_outside_regular_hours_gets_no_warning_for_it() -> None:
    # Found at the desk: with Outside RTH ticked every order before 09:30 needed an override.
    desk = Desk(when=dt.datetime(2026, 1, 5, 13, 0, tzinfo=dt.UTC))  # Monday 08:00 EST
    extended = OrderIntent(
        AAPL, OrderSide.BUY, Decimal(100), limit_price=Decimal(150), outside_rth=True
    )

    assert levels(desk, extended, "regular_hours") == []
    assert levels(desk, limit_buy(), "regular_hours") == [WARN]


@pytest.mark.parametrize(
    ("utc", "now", "starts"),
    [
        (dt.datetime(2026, 1, 5, 13, 0), "Monday 08:00 EST", "Monday 09:30 EST"),  # pre-market
        (dt.datetime(2026, 1, 5, 22, 0), "Monday 17:00 EST", "Tuesday 09:30 EST"),  # after close
        (dt.datetime(2026, 1, 9, 22, 0), "Friday 17:00 EST", "Monday 09:30 EST"),  # weekend next
        (dt.datetime(2026, 1, 10, 16, 0), "Saturday 11:00 EST", "Monday 09:30 EST"),
        (dt.datetime(2026, 1, 11, 16, 0), "Sunday 11:00 EST", "Monday 09:30 EST"),
        # Friday 6 March is still winter time; Monday 9 March opens in summer time.
        (dt.datetime(2026, 3, 6, 22, 0), "Friday 17:00 EST", "Monday 09:30 EDT"),
    ],
)
def test_outside_hours_reason_says_when_the_order_will_start_working(
    utc: dt.datetime, now: str, starts: str
) -> None:
    desk = Desk(when=utc.replace(tzinfo=dt.UTC))

    (reason,) = desk.reasons(limit_buy(), "regular_hours")

    assert reason.message == (
        f"outside regular trading hours (09:30-16:00): it is {now}; the order is not set to "
        f"work outside regular hours: it will start working at the next regular open, {starts}"
    )


# -- trading state -----------------------------------------------------------------------------


def test_halted_blocks_every_order_with_the_kill_switch_reason(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 100)
    desk.state.halt("runaway algo", "alice")

    for intent in (limit_buy(1), limit_sell(100), market(OrderSide.SELL, 1)):
        (reason,) = desk.reasons(intent, "trading_state")
        assert reason.level is BLOCK
        assert reason.message == "trading halted by kill switch: runaway algo"


def test_rearmed_trading_passes_again(desk: Desk) -> None:
    desk.state.halt("test", "alice")
    desk.state.rearm("checked the algo", "alice")

    assert desk.check(limit_buy()).level is PASS


@pytest.mark.parametrize(
    ("held", "intent", "blocked"),
    [
        (100, limit_sell(50), False),
        (100, limit_sell(100), False),  # to flat
        (100, limit_sell(150), True),  # would flip to short
        (100, limit_buy(10), True),
        (0, limit_buy(10), True),  # opens a position
        (0, limit_sell(10), True),
        (-100, limit_buy(50), False),
        (-100, limit_sell(1), True),
    ],
)
def test_reduce_only_blocks_orders_that_grow_or_open_a_position(
    desk: Desk, held: int, intent: OrderIntent, blocked: bool
) -> None:
    if held:
        desk.portfolio.hold(AAPL, held)
    desk.state.reduce_only("end of day", "alice")

    assert levels(desk, intent, "trading_state") == ([BLOCK] if blocked else [])


def test_reduce_only_counts_orders_already_working_on_the_same_side(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 100)
    desk.state.reduce_only("end of day", "alice")
    open_orders = [working(limit_sell(80)), working(limit_buy(500, "149.00", MSFT))]

    assert levels(desk, limit_sell(20), "trading_state", open_orders) == []
    assert levels(desk, limit_sell(50), "trading_state", open_orders) == [BLOCK]


# -- all reasons together ----------------------------------------------------------------------


def test_a_verdict_lists_every_reason_not_just_the_first() -> None:
    desk = Desk(when=dt.datetime(2026, 1, 10, 16, 0, tzinfo=dt.UTC))  # Saturday
    desk.state.halt("lunch", "alice")
    intent = limit_buy(20_000, "160.00")
    desk.stage(intent)

    verdict = desk.check(intent)

    assert verdict.level is BLOCK
    assert {r.rule: r.level for r in verdict.reasons} == {
        "trading_state": BLOCK,
        "max_order_quantity": BLOCK,
        "max_order_notional": BLOCK,
        "concentration": WARN,
        "price_band": WARN,
        "duplicate_order": WARN,
        "regular_hours": WARN,
    }


def test_warnings_alone_give_a_warn_verdict(desk: Desk) -> None:
    verdict = desk.check(limit_buy(1, "155.00"))

    assert verdict.level is WARN
    assert [r.rule for r in verdict.reasons] == ["price_band"]


def test_updated_limits_apply_to_the_next_check(desk: Desk) -> None:
    assert desk.check(limit_buy(500)).level is PASS

    desk.limits(max_order_quantity=Decimal(499))

    assert desk.engine.limits.max_order_quantity == 499
    assert desk.check(limit_buy(500)).level is BLOCK


def test_price_band_reasons_read_prices_on_the_tick_without_float_noise(desk: Desk) -> None:
    # The simulator computes prices as ticks × 0.01: 22848 × 0.01 is 228.48000000000002.
    desk.quotes.set(Quote("AAPL", bid=228.47, ask=22849 * 0.01, last=22848 * 0.01))

    (reason,) = desk.reasons(limit_buy(1, "240.00"), "price_band")

    assert "limit 240.00 is 5.0% through last 228.48 (band 3%)" in reason.message
    assert "0000" not in reason.message


# -- marketable stops -------------------------------------------------------------------------


def stop(side: OrderSide, price: str, limit: str | None = None) -> OrderIntent:
    kind = OrderType.STOP if limit is None else OrderType.STOP_LIMIT
    return OrderIntent(
        AAPL,
        side,
        Decimal(10),
        kind,
        stop_price=Decimal(price),
        limit_price=None if limit is None else Decimal(limit),
    )


def test_the_sell_stop_above_the_market_from_the_desk_hour_warns_instead_of_passing(
    desk: Desk,
) -> None:
    # Found at the desk: SELL STP 229.21 with bid 229.15 passed risk, triggered at once, filled.
    desk.quotes.set(Quote("AAPL", bid=229.15, ask=229.17, last=229.16))

    verdict = desk.check(stop(OrderSide.SELL, "229.21"))

    assert verdict.level is WARN
    (reason,) = verdict.reasons
    assert reason.rule == "marketable_stop"
    assert reason.message == (
        "sell stop 229.21 is at or above the market (last 229.16): "
        "it will trigger at once and act as a market order"
    )


@pytest.mark.parametrize(
    ("side", "price", "marketable"),
    [
        # Quote: bid 149.99, ask 150.01, last 150.00.
        (OrderSide.BUY, "149.00", True),  # below the market
        (OrderSide.BUY, "150.00", True),  # at the last trade
        (OrderSide.BUY, "150.01", True),  # at the offer: the next buyer triggers it
        (OrderSide.BUY, "150.02", False),  # above the market: waits, as a buy stop should
        (OrderSide.SELL, "151.00", True),
        (OrderSide.SELL, "150.00", True),
        (OrderSide.SELL, "149.99", True),  # at the bid
        (OrderSide.SELL, "149.98", False),  # below the market: a protective stop
    ],
)
def test_a_stop_at_or_through_the_market_warns_that_it_triggers_at_once(
    desk: Desk, side: OrderSide, price: str, marketable: bool
) -> None:
    assert levels(desk, stop(side, price), "marketable_stop") == ([WARN] if marketable else [])


def test_a_marketable_stop_limit_says_it_becomes_a_limit_order(desk: Desk) -> None:
    (reason,) = desk.reasons(stop(OrderSide.BUY, "149.50", limit="150.50"), "marketable_stop")

    assert reason.message == (
        "buy stop 149.50 is at or below the market (last 150.00): "
        "it will trigger at once and act as a limit order at 150.50"
    )


def test_without_a_last_trade_the_touch_decides(desk: Desk) -> None:
    desk.quotes.set(Quote("AAPL", bid=149.99, ask=150.01))

    (reason,) = desk.reasons(stop(OrderSide.BUY, "150.01"), "marketable_stop")
    assert "(ask 150.01)" in reason.message
    assert levels(desk, stop(OrderSide.BUY, "150.02"), "marketable_stop") == []


def test_trailing_stops_and_stops_without_a_quote_are_not_called_marketable(desk: Desk) -> None:
    trail = OrderIntent(
        AAPL, OrderSide.SELL, Decimal(10), OrderType.TRAIL, trail_amount=Decimal("0.50")
    )
    assert levels(desk, trail, "marketable_stop") == []
    del desk.quotes.quotes["AAPL"]
    assert levels(desk, stop(OrderSide.SELL, "151.00"), "marketable_stop") == []
