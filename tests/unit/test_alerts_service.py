"""AlertService: lifecycle, folding, the flood cap, persistence and restore."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from terminal.alerts.service import AlertService
from terminal.domain.alerts import Alert, AlertState, Severity
from terminal.domain.clock import ManualClock
from terminal.settings import AlertSettings


class Recorder:
    """Collect persisted snapshots and emitted events."""

    def __init__(self, service: AlertService) -> None:
        self.raised: list[Alert] = []
        self.updated: list[Alert] = []
        service.alert_raised += self.raised.append
        service.alert_updated += self.updated.append


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def persisted() -> list[Alert]:
    return []


def make_service(
    clock: ManualClock, persisted: list[Alert], window: float = 10.0, cap: int = 30
) -> AlertService:
    counter = itertools.count(1)
    return AlertService(
        clock,
        AlertSettings(flood_window_seconds=window, max_alerts_per_window=cap),
        persist=persisted.append,
        ids=lambda: f"A{next(counter)}",
    )


@pytest.fixture
def service(clock: ManualClock, persisted: list[Alert]) -> AlertService:
    return make_service(clock, persisted)


# -- lifecycle ----------------------------------------------------------------------------------


def test_raised_alert_is_active_unacknowledged_and_announced(service: AlertService) -> None:
    events = Recorder(service)
    alert = service.raise_alert(Severity.WARNING, "risk", "Position limit at 85%")
    assert alert.state is AlertState.RAISED
    assert alert.count == 1
    assert service.active() == [alert]
    assert service.unacknowledged_count() == 1
    assert events.raised == [alert]
    assert events.updated == []


def test_acknowledge_records_who_and_when(service: AlertService, clock: ManualClock) -> None:
    alert = service.raise_alert(Severity.WARNING, "risk", "limit")
    clock.advance(3)
    acked = service.acknowledge(alert.id, "alice")
    assert acked.state is AlertState.ACKNOWLEDGED
    assert acked.acknowledged_by == "alice"
    assert acked.acknowledged_at == clock.now()
    assert service.unacknowledged_count() == 0
    assert service.active() == [acked]


def test_clear_removes_from_active_for_raised_and_acknowledged(service: AlertService) -> None:
    raised = service.raise_alert(Severity.INFO, "x", "one")
    acked = service.raise_alert(Severity.INFO, "x", "two")
    service.acknowledge(acked.id, "bob")
    assert service.clear(raised.id).state is AlertState.CLEARED
    assert service.clear(acked.id).cleared_at is not None
    assert service.active() == []
    assert service.unacknowledged_count() == 0


def test_acknowledging_a_cleared_alert_is_a_clear_error(service: AlertService) -> None:
    alert = service.raise_alert(Severity.INFO, "x", "one")
    service.clear(alert.id)
    with pytest.raises(ValueError, match="cleared"):
        service.acknowledge(alert.id, "alice")


def test_unknown_alert_id_raises_key_error_naming_it(service: AlertService) -> None:
    with pytest.raises(KeyError, match="nope"):
        service.acknowledge("nope", "alice")
    with pytest.raises(KeyError, match="nope"):
        service.clear("nope")


def test_acknowledge_all_and_clear_acknowledged(service: AlertService) -> None:
    a = service.raise_alert(Severity.INFO, "x", "a")
    service.raise_alert(Severity.INFO, "x", "b")
    service.raise_alert(Severity.CRITICAL, "x", "c")
    service.acknowledge(a.id, "alice")
    assert service.acknowledge_all("bob") == 2
    assert service.unacknowledged_count() == 0
    assert service.active()[0].acknowledged_by == "bob"
    late = service.raise_alert(Severity.WARNING, "x", "late")
    assert service.clear_acknowledged() == 3
    assert service.active() == [late]


def test_active_lists_most_recently_raised_first(service: AlertService, clock: ManualClock) -> None:
    first = service.raise_alert(Severity.INFO, "x", "first")
    clock.advance(1)
    second = service.raise_alert(Severity.INFO, "x", "second")
    assert [a.id for a in service.active()] == [second.id, first.id]
    clock.advance(1)
    service.raise_alert(Severity.INFO, "x", "first")  # repeat folds and moves to the top
    assert [a.id for a in service.active()] == [first.id, second.id]


# -- folding ------------------------------------------------------------------------------------


def test_repeat_within_window_folds_into_one_alert(
    service: AlertService, clock: ManualClock
) -> None:
    events = Recorder(service)
    first = service.raise_alert(Severity.WARNING, "md", "AAPL stale")
    clock.advance(9)
    folded = service.raise_alert(Severity.WARNING, "md", "AAPL stale")
    assert folded.id == first.id
    assert folded.count == 2
    assert folded.last_raised_at == clock.now()
    assert folded.raised_at == first.raised_at
    assert len(service.active()) == 1
    assert len(events.raised) == 1
    assert events.updated == [folded]


def test_window_slides_with_each_repeat(service: AlertService, clock: ManualClock) -> None:
    alert = service.raise_alert(Severity.WARNING, "md", "stale")
    for _ in range(5):
        clock.advance(8)
        assert service.raise_alert(Severity.WARNING, "md", "stale").id == alert.id
    assert service.active()[0].count == 6


def test_repeat_after_window_is_a_new_alert(service: AlertService, clock: ManualClock) -> None:
    first = service.raise_alert(Severity.WARNING, "md", "AAPL stale")
    clock.advance(10.5)
    second = service.raise_alert(Severity.WARNING, "md", "AAPL stale")
    assert second.id != first.id
    assert second.count == 1
    assert len(service.active()) == 2


def test_repeat_of_acknowledged_alert_raises_it_again(service: AlertService) -> None:
    alert = service.raise_alert(Severity.WARNING, "md", "stale")
    service.acknowledge(alert.id, "alice")
    folded = service.raise_alert(Severity.WARNING, "md", "stale")
    assert folded.id == alert.id
    assert folded.state is AlertState.RAISED
    assert folded.acknowledged_by is None
    assert service.unacknowledged_count() == 1


def test_repeat_of_cleared_alert_is_a_new_alert(service: AlertService) -> None:
    alert = service.raise_alert(Severity.WARNING, "md", "stale")
    service.clear(alert.id)
    again = service.raise_alert(Severity.WARNING, "md", "stale")
    assert again.id != alert.id
    assert service.get(alert.id).state is AlertState.CLEARED


def test_explicit_dedup_key_folds_different_messages_keeping_worst_severity(
    service: AlertService,
) -> None:
    service.raise_alert(Severity.WARNING, "risk", "Gross exposure at 85%", "util:gross")
    folded = service.raise_alert(Severity.CRITICAL, "risk", "Gross exposure at 101%", "util:gross")
    assert folded.message == "Gross exposure at 101%"
    assert folded.severity is Severity.CRITICAL
    calmer = service.raise_alert(Severity.WARNING, "risk", "Gross exposure at 90%", "util:gross")
    assert calmer.severity is Severity.CRITICAL
    assert calmer.count == 3


def test_default_dedup_key_separates_sources(service: AlertService) -> None:
    a = service.raise_alert(Severity.INFO, "oms", "same text")
    b = service.raise_alert(Severity.INFO, "risk", "same text")
    assert a.id != b.id


# -- global cap ---------------------------------------------------------------------------------


def test_alerts_beyond_cap_are_summarised(clock: ManualClock, persisted: list[Alert]) -> None:
    service = make_service(clock, persisted, cap=3)
    events = Recorder(service)
    for i in range(3):
        service.raise_alert(Severity.INFO, "x", f"alert {i}")
    summary = service.raise_alert(Severity.INFO, "x", "alert 3")
    assert summary.severity is Severity.WARNING
    assert summary.message == "1 alert suppressed (flood)"
    for i in range(4, 7):
        summary = service.raise_alert(Severity.WARNING, "x", f"alert {i}")
    assert summary.message == "4 alerts suppressed (flood)"
    assert summary.count == 4
    messages = [a.message for a in service.active()]
    assert sorted(messages) == [
        "4 alerts suppressed (flood)",
        "alert 0",
        "alert 1",
        "alert 2",
    ]
    assert len(events.raised) == 4  # three alerts and one summary


def test_folds_do_not_count_against_cap(clock: ManualClock, persisted: list[Alert]) -> None:
    service = make_service(clock, persisted, cap=2)
    for _ in range(50):
        service.raise_alert(Severity.INFO, "x", "same")
    other = service.raise_alert(Severity.INFO, "x", "other")
    assert other.message == "other"
    assert len(service.active()) == 2


def test_critical_alerts_are_never_suppressed(clock: ManualClock, persisted: list[Alert]) -> None:
    service = make_service(clock, persisted, cap=1)
    service.raise_alert(Severity.INFO, "x", "fills the cap")
    critical = [service.raise_alert(Severity.CRITICAL, "x", f"critical {i}") for i in range(5)]
    assert [a.message for a in critical] == [f"critical {i}" for i in range(5)]
    assert all(a.severity is Severity.CRITICAL for a in critical)
    assert not any("suppressed" in a.message for a in service.active())


def test_cap_frees_up_after_window(clock: ManualClock, persisted: list[Alert]) -> None:
    service = make_service(clock, persisted, cap=2)
    service.raise_alert(Severity.INFO, "x", "a")
    service.raise_alert(Severity.INFO, "x", "b")
    assert "suppressed" in service.raise_alert(Severity.INFO, "x", "c").message
    clock.advance(11)
    assert service.raise_alert(Severity.INFO, "x", "d").message == "d"


# -- persistence and restore --------------------------------------------------------------------


def test_every_change_is_persisted(service: AlertService, persisted: list[Alert]) -> None:
    alert = service.raise_alert(Severity.WARNING, "x", "m")
    service.raise_alert(Severity.WARNING, "x", "m")
    service.acknowledge(alert.id, "alice")
    service.clear(alert.id)
    assert [(a.id, a.state, a.count) for a in persisted] == [
        (alert.id, AlertState.RAISED, 1),
        (alert.id, AlertState.RAISED, 2),
        (alert.id, AlertState.ACKNOWLEDGED, 2),
        (alert.id, AlertState.CLEARED, 2),
    ]


def test_no_op_acknowledge_and_clear_persist_nothing(
    service: AlertService, persisted: list[Alert]
) -> None:
    alert = service.raise_alert(Severity.WARNING, "x", "m")
    service.acknowledge(alert.id, "alice")
    service.acknowledge(alert.id, "bob")
    service.clear(alert.id)
    service.clear(alert.id)
    assert len(persisted) == 3
    assert service.get(alert.id).acknowledged_by == "alice"


def test_restore_brings_back_open_alerts_which_keep_folding(
    clock: ManualClock, persisted: list[Alert]
) -> None:
    now = clock.now()
    open_alert = Alert("old1", Severity.WARNING, "md", "stale", now, dedup_key="md:stale")
    acked = replace(
        Alert("old2", Severity.INFO, "x", "y", now, dedup_key="x:y"),
        state=AlertState.ACKNOWLEDGED,
        acknowledged_by="alice",
    )
    cleared = Alert("old3", Severity.INFO, "x", "z", now, state=AlertState.CLEARED)
    service = make_service(clock, persisted)
    events = Recorder(service)
    service.restore([open_alert, acked, cleared])
    assert {a.id for a in service.active()} == {"old1", "old2"}
    assert service.unacknowledged_count() == 1
    assert persisted == []
    assert events.raised == []
    assert events.updated == []
    clock.advance(2)
    assert service.raise_alert(Severity.WARNING, "md", "stale").id == "old1"
    with pytest.raises(ValueError, match="cleared"):
        service.acknowledge("old3", "bob")


def test_id_collision_with_restored_alert_is_refused(
    clock: ManualClock, persisted: list[Alert]
) -> None:
    service = make_service(clock, persisted)
    service.restore([Alert("A1", Severity.INFO, "x", "y", clock.now(), dedup_key="x:y")])
    with pytest.raises(ValueError, match="A1"):
        service.raise_alert(Severity.INFO, "x", "other")


def test_a_stale_desk_read_never_brings_a_cleared_alert_back(service: AlertService) -> None:
    """A desk resync can read an alert before this terminal's own clear reached the database:
    the stale RAISED copy must not resurrect it (a cleared alert never comes back)."""
    alert = service.raise_alert(Severity.WARNING, "connection", "Not connected yet")
    service.clear(alert.id)
    service.apply_desk(alert)  # the row as it was saved before the clear
    assert service.active() == []
    other = replace(alert, id="desk-1")  # another terminal's alert is still shown
    service.apply_desk(other)
    assert [a.id for a in service.active()] == ["desk-1"]
