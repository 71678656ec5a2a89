"""The market process's frames carry the venue's stamp into the published quotes."""

from __future__ import annotations

import copy
import datetime as dt
import time

import numpy as np

from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe
from terminal.broker.sim.market_wire import HEADER, apply_step, encode_step, merge
from terminal.domain import ManualClock


def test_a_streamed_step_is_stamped_when_the_venue_made_it_not_when_published() -> None:
    broker = SimBroker(ManualClock(), SimConfig(universe=synthetic_universe(50)), seed=3)
    venue = copy.deepcopy(broker.exchange.market)  # the child's market
    broker.feed.subscribed[:] = True
    res = venue.step(0.1)
    before = time.perf_counter()
    body = encode_step(venue, res)[HEADER.size :]
    after = time.perf_counter()
    streamed = apply_step(broker.exchange.market, body)
    assert before <= streamed.stamp <= after
    quotes = broker.feed.quotes(streamed, dt.datetime(2026, 1, 5, 15))
    assert quotes and {q.stamp for q in quotes} == {streamed.stamp}
    second = apply_step(broker.exchange.market, encode_step(venue, venue.step(0.1))[HEADER.size :])
    assert merge([streamed, second]).stamp == streamed.stamp  # the older: never flattering
    np.testing.assert_array_equal(broker.exchange.market.bid_ticks, venue.bid_ticks)
