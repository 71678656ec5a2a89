"""Trading state machine: kill switch, reduce-only, re-arming with a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from terminal.domain import ManualClock
from terminal.risk import TradingState, TradingStateMachine


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC))


@pytest.fixture
def machine(clock: ManualClock) -> TradingStateMachine:
    return TradingStateMachine(clock)


@pytest.fixture
def changes(machine: TradingStateMachine) -> list[tuple[object, ...]]:
    seen: list[tuple[object, ...]] = []
    machine.state_changed += lambda *args: seen.append(args)
    return seen


def test_trading_starts_active(machine: TradingStateMachine) -> None:
    assert machine.state is TradingState.ACTIVE


def test_halt_announces_the_change_with_reason_and_who(
    machine: TradingStateMachine, changes: list[tuple[object, ...]], clock: ManualClock
) -> None:
    assert machine.halt("fat finger on NVDA", "alice") is True

    assert machine.state is TradingState.HALTED
    assert changes == [(TradingState.ACTIVE, TradingState.HALTED, "fat finger on NVDA", "alice")]
    assert (machine.reason, machine.changed_by, machine.changed_at) == (
        "fat finger on NVDA",
        "alice",
        clock.now(),
    )


def test_halting_twice_announces_once(
    machine: TradingStateMachine, changes: list[tuple[object, ...]]
) -> None:
    machine.halt("first", "alice")

    assert machine.halt("second", "bob") is False
    assert len(changes) == 1
    assert machine.reason == "first"


def test_the_kill_switch_works_without_a_reason(machine: TradingStateMachine) -> None:
    assert machine.halt("  ", "hotkey") is True
    assert machine.state is TradingState.HALTED
    assert machine.reason == "no reason given"


@pytest.mark.parametrize("reason", ["", "   "])
def test_rearming_without_a_reason_is_refused(machine: TradingStateMachine, reason: str) -> None:
    machine.halt("test", "alice")

    with pytest.raises(ValueError, match="needs a reason"):
        machine.rearm(reason, "alice")
    assert machine.state is TradingState.HALTED


def test_rearming_with_a_reason_returns_to_active(
    machine: TradingStateMachine, changes: list[tuple[object, ...]]
) -> None:
    machine.halt("test", "alice")

    assert machine.rearm("algo fixed", "bob") is True

    assert machine.state is TradingState.ACTIVE
    assert changes[-1] == (TradingState.HALTED, TradingState.ACTIVE, "algo fixed", "bob")


def test_rearming_when_already_active_is_a_no_op(
    machine: TradingStateMachine, changes: list[tuple[object, ...]]
) -> None:
    assert machine.rearm("just in case", "alice") is False
    assert changes == []


def test_reduce_only_from_active_needs_no_reason(machine: TradingStateMachine) -> None:
    assert machine.reduce_only("", "alice") is True
    assert machine.state is TradingState.REDUCE_ONLY


def test_leaving_the_halt_for_reduce_only_needs_a_reason(machine: TradingStateMachine) -> None:
    machine.halt("test", "alice")

    with pytest.raises(ValueError, match="needs a reason"):
        machine.reduce_only("", "alice")
    assert machine.reduce_only("flatten what is left", "alice") is True
    assert machine.state is TradingState.REDUCE_ONLY


def test_halt_from_reduce_only_tightens(
    machine: TradingStateMachine, changes: list[tuple[object, ...]]
) -> None:
    machine.reduce_only("eod", "alice")
    machine.halt("loss", "system")

    assert [c[1] for c in changes] == [TradingState.REDUCE_ONLY, TradingState.HALTED]


def test_restore_sets_the_saved_state_silently(
    machine: TradingStateMachine, changes: list[tuple[object, ...]]
) -> None:
    machine.restore(TradingState.HALTED, "halted before restart", "system")

    assert machine.state is TradingState.HALTED
    assert machine.reason == "halted before restart"
    assert changes == []
    with pytest.raises(ValueError, match="needs a reason"):
        machine.rearm("", "alice")
