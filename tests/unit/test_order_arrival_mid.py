"""The stage and approve records note the instrument's mid: the analytics' arrival and approval
prices (docs/analytics.md). No usable quote, no mid: never an invented one."""

from __future__ import annotations

import math

import pytest

from terminal.analytics.source import MID_FIELD
from terminal.domain import OrderStatus, Quote
from terminal.oms.describe import market_details
from tests.unit.oms_setup import buy, make_desk, until_status

pytestmark = pytest.mark.asyncio


class Quotes:
    """A last-quote cache the test moves by hand."""

    def __init__(self) -> None:
        self.by_key: dict[str, Quote] = {}

    def last_quote(self, key: str) -> Quote | None:
        return self.by_key.get(key)


def _details(records: list[tuple[str, str, dict[str, object]]], action: str) -> dict[str, object]:
    (details,) = [d for a, _, d in records if a == action]
    return details


async def test_the_stage_and_approve_records_hold_the_mid_of_their_moment() -> None:
    quotes = Quotes()
    quotes.by_key["AAPL"] = Quote("AAPL", bid=149.99, ask=150.02, last=150.5)
    desk = await make_desk(quotes=quotes)
    order = desk.orders.stage(buy())
    quotes.by_key["AAPL"] = Quote("AAPL", bid=150.10, ask=150.12)  # the market moves meanwhile
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, OrderStatus.ACCEPTED)
    # The mid, not the last; a plain decimal string the reader parses exactly.
    assert _details(desk.audit.records, "stage")[MID_FIELD] == "150.005"
    assert _details(desk.audit.records, "approve")[MID_FIELD] == "150.11"


async def test_without_a_quote_the_records_hold_no_mid() -> None:
    desk = await make_desk(quotes=Quotes())
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    assert MID_FIELD not in _details(desk.audit.records, "stage")
    assert MID_FIELD not in _details(desk.audit.records, "approve")


@pytest.mark.parametrize(
    "quote",
    [
        None,
        Quote("AAPL", bid=150.0, last=150.0),  # one side only
        Quote("AAPL", bid=0.0, ask=150.0),
        Quote("AAPL", bid=math.inf, ask=math.inf),
        Quote("AAPL", bid=149.0, ask=151.0, delayed=True),  # minutes old: not the arrival
    ],
)
async def test_no_usable_two_sided_live_quote_gives_no_mid(quote: Quote | None) -> None:
    assert market_details(quote) == {}


async def test_a_small_mid_is_written_in_plain_digits() -> None:
    assert market_details(Quote("X", bid=0.00001, ask=0.00003)) == {MID_FIELD: "0.00002"}
