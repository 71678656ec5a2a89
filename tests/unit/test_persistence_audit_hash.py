"""Canonical form and hashing of audit records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from terminal.domain import OrderSide, RiskReason, Severity, VerdictLevel
from terminal.persistence.audit import GENESIS_HASH, canonical_json, chain_hash, to_json_value

AT = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
ARGS = (7, AT, "alice", "ws-1", "order.approved", "O1", '{"qty":"100"}', GENESIS_HASH)


def test_details_become_plain_json_with_sorted_keys() -> None:
    details = {
        "qty": Decimal("100.50"),
        "side": OrderSide.BUY,
        "severity": Severity.CRITICAL,
        "at": AT,
        "reason": RiskReason("fat_finger", VerdictLevel.WARN, "far from last"),
        "tags": ("a", "b"),
    }
    text = canonical_json(to_json_value(details))
    assert text == (
        '{"at":"2026-01-05T14:30:00+00:00",'
        '"qty":"100.50",'
        '"reason":{"level":"WARN","message":"far from last","rule":"fat_finger"},'
        '"severity":"CRITICAL","side":"BUY","tags":["a","b"]}'
    )


@pytest.mark.parametrize("bad", [object(), dt.datetime(2026, 1, 5), float("nan")])
def test_values_without_a_defined_json_form_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(to_json_value({"x": bad}))


def test_hash_is_stable_and_covers_every_field() -> None:
    digest = chain_hash(*ARGS)
    assert digest == chain_hash(*ARGS)
    assert len(digest) == 64
    for i, changed in enumerate(
        [
            8,
            AT + dt.timedelta(microseconds=1),
            "bob",
            "ws-2",
            "order.rejected",
            "O2",
            "{}",
            "1" * 64,
        ]
    ):
        args: list[Any] = list(ARGS)
        args[i] = changed
        assert chain_hash(*args) != digest, f"field {i} is not covered by the hash"


def test_same_instant_in_another_timezone_hashes_the_same() -> None:
    local = AT.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    args: list[Any] = list(ARGS)
    args[1] = local
    assert chain_hash(*args) == chain_hash(*ARGS)
