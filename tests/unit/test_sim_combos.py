"""Combo matching in the simulator: every leg or none, whole units, no worse than the limit."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.sim import SimBroker, SimConfig
from terminal.broker.sim.exchange import SimExchange
from terminal.broker.sim.matching import MatchingEngine
from terminal.domain import (
    Combo,
    ComboLeg,
    Fill,
    Instrument,
    ManualClock,
    OptionChainParams,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.combo_fills import leg_side
from terminal.domain.commission import CommissionModel
from terminal.options.strategies import iron_condor, vertical
from terminal.persistence.paper_codec import paper_account_from_json, paper_account_to_json
from tests.helpers.sim_support import BookVenue, run

S = OrderStatus
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAR = dt.date(2026, 3, 20)
C150 = Instrument.option("AAPL", MAR, 150, "C")
C155 = Instrument.option("AAPL", MAR, 155, "C")
C160 = Instrument.option("AAPL", MAR, 160, "C")
AAPL = Instrument.stock("AAPL")
VERTICAL = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C160, 1, SELL)), "vertical")
FLY = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C155, 2, SELL), ComboLeg(C160, 1, BUY)), "butterfly")
BUY_WRITE = Combo((ComboLeg(AAPL, 100, BUY), ComboLeg(C160, 1, SELL)), "buy-write")


class Books:
    """One hand-built book per instrument key (prices in ticks of 0.01)."""

    def __init__(self, books: dict[str, BookVenue]) -> None:
        self.books = books

    def touch(self, key: str) -> tuple[int, int]:
        return self.books[key].touch(key)

    def available(self, key: str, side: int, limit_ticks: int | None) -> float:
        return self.books[key].available(key, side, limit_ticks)

    def take(
        self, key: str, side: int, quantity: float, limit_ticks: int | None
    ) -> list[tuple[int, float]]:
        return self.books[key].take(key, side, quantity, limit_ticks)

    def levels(self, key: str, side: int) -> list[tuple[int, float]]:
        return self.books[key].levels(key, side)


def book(bid: int, ask: int, size: float = 10, depth: int = 3) -> BookVenue:
    return BookVenue(
        bids=[(bid - i, size) for i in range(depth)], asks=[(ask + i, size) for i in range(depth)]
    )


class Harness:
    def __init__(self, books: dict[str, BookVenue]) -> None:
        self.clock = ManualClock()
        self.fills: list[Fill] = []
        self.venue = Books(books)
        self.engine = MatchingEngine(self.venue, CommissionModel(), self.fills.append, self.clock)

    def place(self, combo: Combo, side: OrderSide, qty: int, limit: str | None) -> Order:
        fields: dict[str, object] = (
            {"order_type": OrderType.MARKET} if limit is None else {"limit_price": limit}
        )
        intent = OrderIntent.for_combo(combo, side, qty, **fields)
        now = self.clock.now()
        order = Order(f"C{len(self.engine.orders) + 1}", intent, S.APPROVED, now, now)
        so = self.engine.submit(order, now.date())
        self.engine.activate(so, regular=True)
        return order

    def status(self, order: Order) -> OrderStatusUpdate:
        return [
            p
            for _, p in self.engine.reports
            if isinstance(p, OrderStatusUpdate) and p.order_id == order.id
        ][-1]

    def filled(self, key: str) -> Decimal:
        return sum((f.quantity for f in self.fills if f.key == key), Decimal(0))


def vertical_books(size: float = 10) -> dict[str, BookVenue]:
    # 150 call 7.95 / 8.05, 160 call 2.95 / 3.05: the vertical is 4.90 bid, 5.10 ask.
    return {C150.key: book(795, 805, size), C160.key: book(295, 305, size)}


def test_a_marketable_vertical_fills_every_leg_under_the_combo_order_id() -> None:
    h = Harness(vertical_books())
    order = h.place(VERTICAL, BUY, 2, "5.10")
    assert [(f.key, f.side, f.quantity, f.price) for f in h.fills] == [
        (C150.key, BUY, 2, Decimal("8.05")),
        (C160.key, SELL, 2, Decimal("2.95")),
    ]
    assert {f.order_id for f in h.fills} == {order.id}
    # Commission per contract and leg: 2 × 0.65 each, at the 1.00 minimum per execution.
    assert [f.commission for f in h.fills] == [Decimal("1.30"), Decimal("1.30")]
    report = h.status(order)
    assert report.status is S.FILLED and report.filled == 2
    assert report.avg_fill_price == Decimal("5.10")


def test_a_limit_below_the_net_ask_rests_and_fills_when_the_legs_come_to_it() -> None:
    books = vertical_books()
    h = Harness(books)
    order = h.place(VERTICAL, BUY, 1, "5.00")
    assert h.fills == []
    assert h.status(order).status is S.ACCEPTED
    books[C160.key].bids.insert(0, [305, 5])  # the short leg now sells for 3.05: net 5.00
    h.engine.match_key(VERTICAL.key, None, regular=True)
    assert [f.price for f in h.fills] == [Decimal("8.05"), Decimal("3.05")]
    assert h.status(order).status is S.FILLED


def test_a_credit_is_sold_at_no_less_than_its_limit_and_a_sold_combo_reverses_the_legs() -> None:
    h = Harness(vertical_books())
    order = h.place(VERTICAL, SELL, 1, "4.90")  # sells the 150 at 7.95, buys the 160 at 3.05
    assert [(f.key, f.side, f.price) for f in h.fills] == [
        (C150.key, SELL, Decimal("7.95")),
        (C160.key, BUY, Decimal("3.05")),
    ]
    assert h.status(order).avg_fill_price == Decimal("4.90")
    nothing = h.place(VERTICAL, SELL, 1, "4.91")
    assert h.status(nothing).status is S.ACCEPTED and len(h.fills) == 2


def test_partial_fills_come_in_whole_units_as_far_as_the_thinnest_leg_allows() -> None:
    # The butterfly sells two 155s per unit; the 155's bid holds 5 contracts over its levels
    # (2 + 2 + 1), so only two units trade: the fifth contract waits for a third unit.
    books = {
        C150.key: book(795, 805, 10),
        C155.key: BookVenue(bids=[(520, 2), (519, 2), (518, 1)], asks=[(530, 10)]),
        C160.key: book(295, 305, 10),
    }
    h = Harness(books)
    order = h.place(FLY, BUY, 4, None)  # market: any net price
    report = h.status(order)
    assert report.status is S.PARTIALLY_FILLED and report.filled == 2
    assert (h.filled(C150.key), h.filled(C155.key), h.filled(C160.key)) == (2, 4, 2)
    assert books[C155.key].bids[2][1] == 1  # the odd contract was left in the book
    # Per unit: 8.05 - 2 × 5.20 + 3.05 = 0.70, then 8.05 - 2 × 5.19 + 3.05 = 0.72.
    assert report.avg_fill_price == Decimal("0.71")


def test_a_unit_that_would_cost_more_than_the_limit_is_not_traded() -> None:
    # One contract per level: the second vertical pays 8.06 - 2.94 = 5.12, over the 5.11 limit.
    h = Harness(vertical_books(size=1))
    order = h.place(VERTICAL, BUY, 3, "5.11")
    assert h.status(order).filled == 1
    assert h.status(order).status is S.PARTIALLY_FILLED


def test_a_buy_write_takes_a_hundred_shares_per_unit_with_the_call() -> None:
    books = {AAPL.key: book(15000, 15001, 500), C160.key: book(295, 305)}
    h = Harness(books)
    order = h.place(BUY_WRITE, BUY, 2, "147.06")  # 150.01 - 2.95 = 147.06 per share
    assert [(f.key, f.quantity) for f in h.fills] == [(AAPL.key, 200), (C160.key, 2)]
    assert h.status(order).avg_fill_price == Decimal("147.06")


# -- never a partial leg set --------------------------------------------------------------------

levels = hs.lists(
    hs.tuples(hs.integers(1, 40), hs.integers(0, 7)), min_size=0, max_size=4
)  # (price step, size) per level


def _side(steps: list[tuple[int, int]], start: int, direction: int) -> list[tuple[int, float]]:
    price, out = start, []
    for step, size in steps:
        price += direction * (step - 1)
        if price <= 0:
            break
        out.append((price, float(size)))
        price += direction
    return out


@settings(max_examples=200, deadline=None)
@given(
    combo=hs.sampled_from([VERTICAL, FLY, BUY_WRITE, VERTICAL.reversed(), FLY.reversed()]),
    side=hs.sampled_from([BUY, SELL]),
    quantity=hs.integers(1, 12),
    limit=hs.one_of(hs.none(), hs.integers(-120, 120)),  # ticks from the legs' net mid
    mids=hs.lists(hs.integers(5, 16000), min_size=3, max_size=3),
    bids=hs.lists(levels, min_size=3, max_size=3),
    asks=hs.lists(levels, min_size=3, max_size=3),
    refills=hs.lists(hs.tuples(hs.integers(0, 2), hs.integers(1, 6)), max_size=4),
)
def test_legs_always_fill_in_whole_units_never_worse_than_the_limit(
    combo: Combo,
    side: OrderSide,
    quantity: int,
    limit: int | None,
    mids: list[int],
    bids: list[list[tuple[int, int]]],
    asks: list[list[tuple[int, int]]],
    refills: list[tuple[int, int]],
) -> None:
    keys = [leg.instrument.key for leg in combo.legs]
    lot = {leg.instrument.key: 100 if leg.is_stock else 1 for leg in combo.legs}
    books = {
        key: BookVenue(
            bids=[(p, size * lot[key]) for p, size in _side(bids[i], mids[i], -1)],
            asks=[(p, size * lot[key]) for p, size in _side(asks[i], mids[i] + 1, +1)],
        )
        for i, key in enumerate(keys)
    }
    h = Harness(books)
    mid = sum((combo.leg_weight(leg) * mids[i] for i, leg in enumerate(combo.legs)), Decimal(0))
    bound = None if limit is None else (mid + limit) / 100
    order = h.place(combo, side, quantity, None if bound is None else f"{bound:.2f}")
    # More liquidity arrives on random legs, and the order is matched again each time.
    for index, size in refills:
        key = keys[index % len(keys)]
        books[key].asks.append([mids[index % len(keys)] + 50, size])
        books[key].bids.append([max(mids[index % len(keys)] - 50, 1), size])
        h.engine.match_key(combo.key, None, regular=True)
    so = h.engine.by_client[order.id]
    units = so.filled
    assert units == int(units) and 0 <= units <= quantity
    for leg in combo.legs:
        key = leg.instrument.key
        assert h.filled(key) == units * leg.ratio  # every leg, whole units: never a partial set
        assert {f.side for f in h.fills if f.key == key} <= {leg_side(side, combo, key)}
    assert {f.order_id for f in h.fills} <= {order.id}
    if units and bound is not None:
        average = so.cost / units
        assert average <= bound if side is BUY else average >= bound
    if units:
        fills = {
            leg.instrument.key: [f for f in h.fills if f.key == leg.instrument.key]
            for leg in combo.legs
        }
        legs_net = sum(
            (
                combo.leg_weight(leg)
                * sum((f.price * f.quantity for f in fills[leg.instrument.key]), Decimal(0))
                / leg.ratio
                for leg in combo.legs
            ),
            Decimal(0),
        )
        assert legs_net == so.cost  # the reported average is the legs' own net price


@pytest.mark.asyncio
async def test_a_resting_combo_survives_the_paper_account_and_still_trades_as_one() -> None:
    clock = ManualClock(dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC))
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=3)
    await broker.connect()
    underlying = await broker.qualify("AAPL")
    chain = await broker.option_chain_params(underlying)
    spot = float(broker.exchange.mark(underlying))
    atm = min(chain.strikes, key=lambda k: abs(k - spot))
    combo = vertical(chain, chain.expiries[2], atm, "C")
    intent = OrderIntent.for_combo(combo, BUY, 2, limit_price="0.01", tif=TimeInForce.GTC)
    order = Order("GTC-COMBO", intent, S.APPROVED, clock.now(), clock.now())
    await broker.place_order(order)
    run(broker, clock, 1.0)  # far below the net ask: it rests
    saved = paper_account_from_json(
        json.loads(json.dumps(paper_account_to_json(broker.paper_account())))
    )

    again = SimBroker(clock, broker.config, seed=3)
    assert again.restore_paper_account(saved) == []
    fills: list[Fill] = []
    again.fill_received += fills.append
    await again.connect()
    resting = again.exchange.engine.by_client["GTC-COMBO"]
    assert resting.order.intent.combo == combo and resting.is_working
    await again.modify_order(replace(order, intent=replace(intent, limit_price=Decimal("50.00"))))
    run(again, clock, 1.0)  # modified to marketable: both legs, two units each, under its id
    assert sorted((f.key, f.quantity) for f in fills) == sorted(
        (leg.instrument.key, Decimal(2)) for leg in combo.legs
    )
    assert {f.order_id for f in fills} == {"GTC-COMBO"}
    assert again.exchange.account.quantity(combo.legs[0].instrument.key) == 2 * combo.legs[0].sign


def test_a_close_that_must_sell_a_zero_bid_wing_rests_on_the_real_option_books() -> None:
    # Why a MKT close of a wide iron condor rested unfilled: on the simulator's own books a far
    # wing worth under ~2 cents bids 0.00, which is no bid at all, and closing the condor sells
    # it. No unit can trade, so none does (all legs or nothing), as on an exchange.
    clock = ManualClock()
    ex = SimExchange(clock, SimConfig(), 0)
    strikes, expiry = ex.options.strikes["SPY"], ex.options.expiries[1]
    spot = float(ex.market.touch_mid(ex.market.index["SPY"]))
    atm = min(strikes, key=lambda k: abs(k - spot))
    condor = iron_condor(
        OptionChainParams("SPY", ex.options.expiries, strikes), expiry, atm, inner=2, wing=2
    )
    for leg in condor.legs:
        assert ex.known(leg.instrument)
    wings = [leg for leg in condor.legs if leg.side is BUY]
    assert any(ex.venue.touch(leg.instrument.key)[0] == 0 for leg in wings)  # a 0.00 bid

    def send(side: OrderSide) -> OrderStatusUpdate:
        intent = OrderIntent.for_combo(condor, side, 1, order_type=OrderType.MARKET)
        now = clock.now()
        order = Order(f"C-{side.value}", intent, S.APPROVED, now, now)
        so = ex.engine.submit(order, now.date())
        ex.engine.activate(so, regular=True)
        return so.snapshot()

    assert send(BUY).status is S.FILLED  # opening buys the wings: they have offers
    closing = send(SELL)
    assert closing.status is S.ACCEPTED and closing.filled == 0
    # Nothing of the close traded: every leg still holds what the opening bought or sold.
    held = {leg.instrument.key: ex.account.quantity(leg.instrument.key) for leg in condor.legs}
    assert held == {leg.instrument.key: leg.sign for leg in condor.legs}
