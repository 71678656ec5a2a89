"""User alert rules: crossing semantics, percent moves, re-arming, the key index, persistence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from terminal.alerts.rules import (
    AlertRules,
    Direction,
    PercentMoveRule,
    PriceCrossRule,
    rule_from_dict,
)
from terminal.alerts.service import AlertService
from terminal.domain.alerts import Alert, Severity
from terminal.domain.clock import ManualClock
from terminal.domain.market import Quote
from terminal.settings import AlertSettings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def service(clock: ManualClock) -> AlertService:
    return AlertService(clock, AlertSettings(flood_window_seconds=10.0))


@pytest.fixture
def raised(service: AlertService) -> list[Alert]:
    alerts: list[Alert] = []
    service.alert_raised += alerts.append
    return alerts


@pytest.fixture
def rules(service: AlertService) -> AlertRules:
    return AlertRules(service)


def feed(rules: AlertRules, key: str, *prices: float) -> None:
    for price in prices:
        rules.on_quotes({key: Quote(key, last=price, prev_close=100.0)})


# -- price crossing -----------------------------------------------------------------------------


def test_above_fires_when_price_crosses_up(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    feed(rules, "AAPL", 149.0, 149.9)
    assert raised == []
    feed(rules, "AAPL", 150.02)
    assert [a.message for a in raised] == ["AAPL crossed above 150.00 (last 150.02)"]
    assert raised[0].severity is Severity.WARNING


def test_below_fires_when_price_crosses_down_touching_counts(
    rules: AlertRules, raised: list[Alert]
) -> None:
    rules.add(PriceCrossRule("MSFT", Direction.BELOW, 400.0))
    feed(rules, "MSFT", 401.0, 400.0)
    assert [a.message for a in raised] == ["MSFT crossed below 400.00 (last 400.00)"]


def test_above_rule_ignores_downward_cross(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    feed(rules, "AAPL", 151.0, 149.0, 148.0)
    assert raised == []


def test_first_observation_beyond_level_does_not_fire_by_default(
    rules: AlertRules, raised: list[Alert]
) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    feed(rules, "AAPL", 155.0, 156.0)
    assert raised == []
    feed(rules, "AAPL", 149.0, 151.0)  # a real crossing still fires
    assert len(raised) == 1


def test_first_observation_beyond_fires_when_asked(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.BELOW, 150.0, fire_if_already_beyond=True))
    feed(rules, "AAPL", 140.0)
    assert [a.message for a in raised] == ["AAPL is below 150.00 (last 140.00)"]


def test_missing_last_price_is_not_an_observation(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    feed(rules, "AAPL", 149.0)
    rules.on_quotes({"AAPL": Quote("AAPL", bid=151.0, ask=151.1)})  # last is NaN
    feed(rules, "AAPL", 151.0)
    assert len(raised) == 1


def test_rule_fires_once_and_not_again_until_rearmed(
    rules: AlertRules, raised: list[Alert], clock: ManualClock
) -> None:
    rule_id = rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    feed(rules, "AAPL", 149.0, 151.0, 149.0, 152.0, 148.0, 153.0)
    assert len(raised) == 1
    assert rules.rules()[0].armed is False
    clock.advance(60)
    rules.rearm(rule_id)
    feed(rules, "AAPL", 154.0)  # first observation after re-arming: already beyond, no fire
    assert len(raised) == 1
    feed(rules, "AAPL", 149.0, 150.5)
    assert len(raised) == 2


def test_rule_note_is_in_the_message(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("SPY", Direction.ABOVE, 500, note="take profit"))
    feed(rules, "SPY", 499.5, 500.25)
    assert raised[0].message == "SPY crossed above 500.00 (last 500.25) — take profit"


# -- percent move -------------------------------------------------------------------------------


def test_percent_move_against_previous_close_both_ways(
    rules: AlertRules, raised: list[Alert]
) -> None:
    rules.add(PercentMoveRule("AAPL", 5.0))
    rules.add(PercentMoveRule("TSLA", 5.0))
    rules.on_quotes({"AAPL": Quote("AAPL", last=104.9, prev_close=100.0)})
    assert raised == []
    rules.on_quotes(
        {
            "AAPL": Quote("AAPL", last=105.0, prev_close=100.0),
            "TSLA": Quote("TSLA", last=190.0, prev_close=200.0),
        }
    )
    assert sorted(a.message for a in raised) == [
        "AAPL moved +5.00% from previous close 100.00 (last 105.00)",
        "TSLA moved -5.00% from previous close 200.00 (last 190.00)",
    ]


def test_percent_move_against_fixed_reference_fires_once(
    rules: AlertRules, raised: list[Alert]
) -> None:
    rules.add(PercentMoveRule("NVDA", 2.0, reference=50.0))
    rules.on_quotes({"NVDA": Quote("NVDA", last=50.9, prev_close=40.0)})  # +27% vs close
    assert raised == []
    rules.on_quotes({"NVDA": Quote("NVDA", last=49.0, prev_close=40.0)})
    rules.on_quotes({"NVDA": Quote("NVDA", last=48.0, prev_close=40.0)})
    assert [a.message for a in raised] == ["NVDA moved -2.00% from reference 50.00 (last 49.00)"]


def test_percent_move_without_previous_close_does_nothing(
    rules: AlertRules, raised: list[Alert]
) -> None:
    rules.add(PercentMoveRule("NEW", 1.0))
    rules.on_quotes({"NEW": Quote("NEW", last=10.0)})
    assert raised == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: PriceCrossRule("AAPL", Direction.ABOVE, 0.0),
        lambda: PriceCrossRule("AAPL", Direction.ABOVE, float("nan")),
        lambda: PriceCrossRule("", Direction.ABOVE, 10.0),
        lambda: PercentMoveRule("AAPL", -1.0),
        lambda: PercentMoveRule("AAPL", 1.0, reference=float("inf")),
    ],
)
def test_invalid_rules_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"must|needs"):
        make()


# -- the rule book ------------------------------------------------------------------------------


def test_batch_for_keys_without_rules_triggers_nothing(
    rules: AlertRules, raised: list[Alert]
) -> None:
    checked: list[str] = []

    class Spy(PriceCrossRule):
        def check(self, quote: Quote) -> str | None:
            checked.append(quote.key)
            return PriceCrossRule.check(self, quote)

    rules.add(Spy("AAPL", Direction.ABOVE, 150.0))
    batch = {f"K{i}": Quote(f"K{i}", last=1000.0) for i in range(1000)}
    rules.on_quotes(batch)
    assert checked == []
    batch["AAPL"] = Quote("AAPL", last=149.0)
    rules.on_quotes(batch)
    assert checked == ["AAPL"]
    few = {"AAPL": Quote("AAPL", last=151.0), "MSFT": Quote("MSFT", last=1.0)}
    rules.add(Spy("MSFT", Direction.BELOW, 0.5))
    rules.add(Spy("AMZN", Direction.BELOW, 0.5))
    rules.add(Spy("NVDA", Direction.BELOW, 0.5))
    rules.on_quotes(few)  # more rules than quotes: still only the quoted keys are checked
    assert sorted(checked) == ["AAPL", "AAPL", "MSFT"]
    assert len(raised) == 1


def test_fired_rule_leaves_the_index_and_rearm_puts_it_back(
    rules: AlertRules, service: AlertService
) -> None:
    calls: list[str] = []

    class Spy(PercentMoveRule):
        def check(self, quote: Quote) -> str | None:
            calls.append(quote.key)
            return PercentMoveRule.check(self, quote)

    rule_id = rules.add(Spy("AAPL", 1.0))
    feed(rules, "AAPL", 102.0, 103.0, 104.0)
    assert calls == ["AAPL"]
    rules.rearm(rule_id)
    feed(rules, "AAPL", 105.0)
    assert calls == ["AAPL", "AAPL"]
    # Fired again within the flood window: folded into the same alert, raised again.
    [alert] = service.active()
    assert alert.count == 2
    assert alert.message == "AAPL moved +5.00% from previous close 100.00 (last 105.00)"


def test_removed_rule_no_longer_fires(rules: AlertRules, raised: list[Alert]) -> None:
    rule_id = rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    rules.remove(rule_id)
    feed(rules, "AAPL", 149.0, 151.0)
    assert raised == []
    assert rules.rules() == []
    with pytest.raises(KeyError, match=rule_id):
        rules.remove(rule_id)


def test_two_rules_on_one_key_fire_independently(rules: AlertRules, raised: list[Alert]) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0))
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 152.0))
    feed(rules, "AAPL", 149.0, 153.0)
    assert len(raised) == 2


def test_events_report_fired_rule_and_changes(rules: AlertRules) -> None:
    fired: list[tuple[object, Alert]] = []
    changes: list[None] = []
    rules.rule_fired += lambda rule, alert: fired.append((rule, alert))
    rules.rules_changed += lambda: changes.append(None)
    rule = PriceCrossRule("AAPL", Direction.ABOVE, 150.0)
    rules.add(rule)
    feed(rules, "AAPL", 149.0, 150.0)
    assert fired[0][0] is rule
    assert fired[0][1].source == "rule"
    assert len(changes) == 2  # added, fired


def test_duplicate_rule_id_is_refused(rules: AlertRules) -> None:
    rules.add(PriceCrossRule("AAPL", Direction.ABOVE, 150.0, id="r1"))
    with pytest.raises(ValueError, match="r1"):
        rules.add(PercentMoveRule("AAPL", 1.0, id="r1"))


# -- persistence --------------------------------------------------------------------------------


def test_rules_round_trip_through_plain_data(rules: AlertRules, raised: list[Alert]) -> None:
    cross = PriceCrossRule(
        "AAPL", Direction.BELOW, 140.5, True, Severity.CRITICAL, note="stop", id="r1"
    )
    move = PercentMoveRule("SPY", 1.5, reference=500.0, id="r2", armed=False)
    restored = [rule_from_dict(r.to_dict()) for r in (cross, move)]
    assert [r.to_dict() for r in restored] == [cross.to_dict(), move.to_dict()]
    for rule in restored:
        rules.add(rule)
    feed(rules, "AAPL", 139.0)
    rules.on_quotes({"SPY": Quote("SPY", last=520.0)})  # disarmed: no alert
    assert [(a.severity, a.message) for a in raised] == [
        (Severity.CRITICAL, "AAPL is below 140.50 (last 139.00) — stop")
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "moon_phase"},
        {"kind": "price_cross", "key": "AAPL", "direction": "sideways", "level": 1.0},
        {"kind": "price_cross", "key": "AAPL", "direction": "above", "level": "high"},
        {"kind": "percent_move", "key": "AAPL"},
        {"kind": "percent_move", "key": "AAPL", "percent": 1.0, "severity": "LOUD"},
    ],
)
def test_corrupt_rule_data_is_a_value_error(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case fails on a different field
        rule_from_dict(data)
