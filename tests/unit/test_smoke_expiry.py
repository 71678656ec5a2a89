"""The smoke test's vertical expiry: a week out, where the sold wing still has a bid."""

from __future__ import annotations

import datetime as dt

from terminal.smoke_vertical import smoke_expiry

TODAY = dt.date(2026, 12, 3)


def test_the_nearest_expiry_a_week_out_is_chosen_not_tomorrows() -> None:
    expiries = [TODAY + dt.timedelta(days=d) for d in (0, 1, 8, 15)]
    assert smoke_expiry(expiries, TODAY) == TODAY + dt.timedelta(days=8)


def test_without_one_a_week_out_the_farthest_is_chosen() -> None:
    expiries = [TODAY + dt.timedelta(days=d) for d in (1, 2, 6)]
    assert smoke_expiry(expiries, TODAY) == TODAY + dt.timedelta(days=6)
