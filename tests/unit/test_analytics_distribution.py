"""The histogram's bins over hand-built orders: what lands in which bin, and what is left out."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.analytics.distribution import (
    MAX_BINS,
    Metric,
    bin_edges,
    binned_range,
    distribution,
    nice_width,
)
from terminal.analytics.execution import OrderExecution, order_execution
from tests.unit.analytics_fixtures import at, fill
from tests.unit.test_analytics_execution import order


def bought(
    price: str, arrival: str | None = "10.00", approval: str | None = "10.00", **kw: object
) -> OrderExecution:
    """A buy of 100 filled at ``price``, staged at 0 s, approved at 5 s, acknowledged at 5.5 s."""
    fields: dict[str, object] = {
        "arrival_price": None if arrival is None else Decimal(arrival),
        "approval_price": None if approval is None else Decimal(approval),
        "approved_at": at(5),
        "acknowledged_at": at(5.5),
        "fills": (fill("BUY", 100, price, seconds=6),),
    }
    fields.update(kw)
    return order_execution(order(**fields))


def test_slippage_in_ticks_is_binned_one_tick_per_bin_centred_on_whole_ticks() -> None:
    # 0, +1, +1, +3 ticks (a cent each) and one gain of -2 ticks.
    orders = [bought(p) for p in ("10.00", "10.01", "10.01", "10.03", "9.98")]
    d = distribution(orders, Metric.SLIP_ARRIVAL_TICKS)
    assert list(d.values) == [0, 1, 1, 3, -2]
    assert d.width == 1
    assert list(d.centres) == [-2, -1, 0, 1, 2, 3]
    assert list(d.counts) == [1, 0, 1, 2, 0, 1]
    assert d.left_out == () and d.left_out_text() == ""
    assert d.median == 1 and d.mean == pytest.approx(0.6)


def test_orders_without_a_mid_or_a_fill_are_left_out_and_counted() -> None:
    orders = [
        bought("10.02"),
        bought("10.02", arrival=None),
        bought("10.05", arrival=None),
        bought("10.00", fills=()),  # approved, never filled
    ]
    d = distribution(orders, Metric.SLIP_ARRIVAL_BPS)
    assert list(d.values) == [20.0]  # 2 cents on 10.00 = 20 bps
    assert d.counts.sum() == 1
    assert d.left_out == (("without a mid at staging", 2), ("not filled", 1))
    assert d.left_out_text() == "2 orders without a mid at staging, 1 not filled: left out"


def test_latencies_bin_from_zero_and_leave_out_what_never_happened() -> None:
    orders = [
        bought("10.00"),  # approval 5 s, ack 0.5 s, first fill 1 s after approval
        bought(
            "10.00",
            approved_at=at(12),
            acknowledged_at=None,
            fills=(fill("BUY", 100, "10", seconds=14),),
        ),
        bought("10.00", approved_at=None, acknowledged_at=None, fills=()),
    ]
    approval = distribution(orders, Metric.APPROVAL_LATENCY)
    assert list(approval.values) == [5, 12]
    assert approval.edges[0] <= 5 and approval.edges[0] % approval.width == 0
    assert approval.counts.sum() == 2 and approval.left_out == (("not approved", 1),)
    ack = distribution(orders, Metric.ACK_LATENCY)
    assert list(ack.values) == [0.5]
    assert ack.left_out == (("not acknowledged", 1), ("not approved", 1))
    assert ack.left_out_text() == "1 order not acknowledged, 1 not approved: left out"
    first_fill = distribution(orders, Metric.FIRST_FILL_LATENCY)
    assert list(first_fill.values) == [1, 2]
    assert first_fill.left_out == (("not approved", 1),)


def test_slippage_against_approval_uses_the_mid_at_approval() -> None:
    d = distribution([bought("10.03", approval="10.01")], Metric.SLIP_APPROVAL_TICKS)
    assert list(d.values) == [2]
    missing = distribution([bought("10.03", approval=None)], Metric.SLIP_APPROVAL_TICKS)
    assert missing.left_out == (("without a mid at approval", 1),)


def test_no_orders_no_bins() -> None:
    d = distribution([], Metric.APPROVAL_LATENCY)
    assert len(d.edges) == 0 and len(d.counts) == 0 and d.median is None


def test_nice_widths() -> None:
    assert [nice_width(x) for x in (0.7, 1, 1.3, 3, 7, 0.013, 0)] == [1, 1, 2, 5, 10, 0.02, 1]
    assert Metric.SLIP_ARRIVAL_BPS.unit == "bps" and Metric.ACK_LATENCY.unit == "s"


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300),
    st.booleans(),
)
def test_every_value_falls_in_one_of_at_most_max_bins(values: list[float], centred: bool) -> None:
    array = np.array(values)
    edges = bin_edges(array, centred=centred)
    assert 1 <= len(edges) - 1 <= MAX_BINS
    lo, hi = binned_range(array)
    assert edges[0] <= lo and hi < edges[-1]
    assert array.min() <= lo <= hi <= array.max()
    counts, _ = np.histogram(np.clip(array, edges[0], edges[-1]), bins=edges)
    assert counts.sum() == len(values)


@given(st.lists(st.floats(0, 1e5, allow_nan=False), min_size=1, max_size=200))
def test_every_order_is_counted_once_outliers_in_the_outer_bins(values: list[float]) -> None:
    orders = [bought("10.00", approved_at=at(v), acknowledged_at=None, fills=()) for v in values]
    d = distribution(orders, Metric.APPROVAL_LATENCY)
    assert d.counts.sum() == len(values)
    assert d.below == sum(v < d.edges[0] for v in d.values)
    assert d.above == sum(v > d.edges[-1] for v in d.values)


def test_an_approval_after_lunch_does_not_squash_the_others_into_one_bar() -> None:
    seconds = [1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 3600.0]
    orders = [bought("10.00", approved_at=at(s), acknowledged_at=None) for s in seconds]
    d = distribution(orders, Metric.APPROVAL_LATENCY)
    assert d.width <= 1  # the bins are the seconds of the ten, not hours
    assert d.above == 1 and d.below == 0 and d.counts[-1] >= 1
    assert d.edges[-1] < 60
    assert d.outliers_text() == f"1 above {d.edges[-1]:,.4g} s in the last bar"
    assert d.counts.sum() == len(seconds)
