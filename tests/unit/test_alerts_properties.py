"""Properties of the alert lifecycle under any sequence of raise / acknowledge / clear."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from terminal.alerts.service import AlertService
from terminal.domain.alerts import Alert, AlertState, Severity
from terminal.domain.clock import ManualClock
from terminal.settings import AlertSettings


class AlertLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.snapshots: list[Alert] = []
        self.service = AlertService(
            self.clock,
            AlertSettings(flood_window_seconds=5.0, max_alerts_per_window=4),
            persist=self.snapshots.append,
        )
        self.ids: list[str] = []
        self.events: list[Alert] = []
        self.service.alert_raised += self.events.append
        self.service.alert_updated += self.events.append

    @rule(
        severity=st.sampled_from(Severity),
        message=st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    )
    def raise_alert(self, severity: Severity, message: str) -> None:
        alert = self.service.raise_alert(severity, "src", message)
        assert alert.state is AlertState.RAISED
        if alert.id not in self.ids:
            self.ids.append(alert.id)

    @rule(index=st.integers(min_value=0), who=st.sampled_from(["alice", "bob"]))
    def acknowledge(self, index: int, who: str) -> None:
        if not self.ids:
            return
        alert_id = self.ids[index % len(self.ids)]
        before = self.service.get(alert_id)
        if before.state is AlertState.CLEARED:
            try:
                self.service.acknowledge(alert_id, who)
            except ValueError:
                return
            raise AssertionError("acknowledging a cleared alert must fail")
        assert self.service.acknowledge(alert_id, who).state is AlertState.ACKNOWLEDGED

    @rule(index=st.integers(min_value=0))
    def clear(self, index: int) -> None:
        if self.ids:
            alert_id = self.ids[index % len(self.ids)]
            assert self.service.clear(alert_id).state is AlertState.CLEARED

    @rule()
    def acknowledge_all(self) -> None:
        self.service.acknowledge_all("carol")
        assert self.service.unacknowledged_count() == 0

    @rule()
    def clear_acknowledged(self) -> None:
        self.service.clear_acknowledged()
        assert all(a.state is AlertState.RAISED for a in self.service.active())

    @rule(seconds=st.floats(min_value=0, max_value=12))
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @invariant()
    def unacknowledged_count_matches_raised_alerts(self) -> None:
        active = self.service.active()
        raised = [a for a in active if a.state is AlertState.RAISED]
        assert self.service.unacknowledged_count() == len(raised)
        assert all(a.state is not AlertState.CLEARED for a in active)

    @invariant()
    def cleared_alerts_never_come_back(self) -> None:
        cleared: set[str] = set()
        for snapshot in self.snapshots:
            assert snapshot.id not in cleared, f"{snapshot.id} changed after being cleared"
            if snapshot.state is AlertState.CLEARED:
                cleared.add(snapshot.id)

    @invariant()
    def every_event_was_persisted(self) -> None:
        assert self.events == self.snapshots


TestAlertLifecycle = AlertLifecycle.TestCase
