"""Which events sound or notify: the per-kind settings, the mute, the rate limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.alerts.notices import Notice, NoticeKind, NoticeOutput, NoticeRules
from terminal.alerts.wiring import CONNECTION_LOST_KEY
from terminal.domain import (
    Alert,
    AlertState,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Severity,
)
from terminal.settings import NotifySettings

T0 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)
AAPL = Instrument.stock("AAPL")
S = OrderStatus


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rules_for(settings: NotifySettings, clock: Clock | None = None) -> NoticeRules:
    return NoticeRules(
        lambda kind: NoticeOutput(getattr(settings, kind.value)), now=clock or Clock()
    )


def order(status: OrderStatus, filled: int, order_id: str = "O1", reason: str = "") -> Order:
    intent = OrderIntent(AAPL, OrderSide.BUY, Decimal(100), OrderType.MARKET)
    return Order(
        order_id,
        intent,
        status,
        T0,
        T0,
        filled_quantity=Decimal(filled),
        avg_fill_price=Decimal("228.43") if filled else None,
        reason=reason,
    )


def alert(severity: Severity, key: str = "", state: AlertState = AlertState.RAISED) -> Alert:
    return Alert("A1", severity, "risk", "near the limit", T0, state, dedup_key=key)


ALL_BOTH = NotifySettings(**{k.value: "both" for k in NoticeKind})


def test_partial_fills_then_the_fill_each_map_to_their_kind() -> None:
    clock = Clock()
    rules = rules_for(ALL_BOTH, clock)
    assert rules.on_order(order(S.ACCEPTED, 0)) is None
    partial = rules.on_order(order(S.PARTIALLY_FILLED, 40))
    assert partial == Notice(
        NoticeKind.PARTIAL_FILL,
        "Partly filled",
        "BUY 40 AAPL of 100 @ 228.43",
        sound=True,
        desktop=True,
    )
    assert rules.on_order(order(S.PARTIALLY_FILLED, 40)) is None  # the same fill again
    clock.now += 3
    filled = rules.on_order(order(S.FILLED, 100))
    assert filled is not None and filled.kind is NoticeKind.FILL
    assert filled.message == "BUY 100 AAPL @ 228.43"


def test_a_reject_is_its_own_kind_once_per_order() -> None:
    rules = rules_for(ALL_BOTH)
    notice = rules.on_order(order(S.REJECTED_BY_BROKER, 0, reason="no permissions"))
    assert notice is not None and notice.kind is NoticeKind.REJECT and notice.urgent
    assert notice.message == "BUY 100 AAPL — no permissions"
    assert rules.on_order(order(S.REJECTED_BY_BROKER, 0, reason="no permissions")) is None


def test_each_kind_does_what_its_setting_says() -> None:
    settings = NotifySettings(fill="desktop", partial_fill="off", alert_warning="sound")
    rules = rules_for(settings)
    assert rules.on_order(order(S.PARTIALLY_FILLED, 10)) is None  # off
    fill = rules.on_order(order(S.FILLED, 100, "O2"))
    assert fill is not None and (fill.sound, fill.desktop) == (False, True)
    warning = rules.on_alert(alert(Severity.WARNING), None)
    assert warning is not None and warning.kind is NoticeKind.ALERT_WARNING
    assert (warning.sound, warning.desktop) == (True, False)
    assert rules.on_alert(alert(Severity.INFO), None) is None  # alert_info is off by default


def test_the_mute_silences_sounds_but_not_desktop_notifications() -> None:
    rules = rules_for(ALL_BOTH)
    rules.muted = True
    notice = rules.on_alert(alert(Severity.CRITICAL), None)
    assert notice is not None and (notice.sound, notice.desktop) == (False, True)
    sound_only = rules_for(NotifySettings(fill="sound"))
    sound_only.muted = True
    assert sound_only.on_order(order(S.FILLED, 100)) is None
    sound_only.muted = False
    assert sound_only.on_order(order(S.FILLED, 100, "O2")) is not None


@pytest.mark.parametrize(
    ("severity", "kind"),
    [
        (Severity.INFO, NoticeKind.ALERT_INFO),
        (Severity.WARNING, NoticeKind.ALERT_WARNING),
        (Severity.CRITICAL, NoticeKind.ALERT_CRITICAL),
    ],
)
def test_alerts_map_by_severity(severity: Severity, kind: NoticeKind) -> None:
    notice = rules_for(ALL_BOTH).on_alert(alert(severity), None)
    assert notice is not None and notice.kind is kind


def test_the_lost_connection_is_the_disconnect_kind_and_order_alerts_are_not_counted_twice() -> (
    None
):
    rules = rules_for(ALL_BOTH)
    lost = rules.on_alert(alert(Severity.CRITICAL, CONNECTION_LOST_KEY), None)
    assert lost is not None and lost.kind is NoticeKind.DISCONNECT
    assert rules.on_alert(alert(Severity.INFO, "fill:X1"), None) is None
    assert rules.on_alert(alert(Severity.WARNING, "order:O1:rejected"), None) is None


def test_a_repeat_is_quiet_an_escalation_or_a_return_after_ack_is_not() -> None:
    clock = Clock()
    rules = rules_for(ALL_BOTH, clock)
    warning = alert(Severity.WARNING)
    assert rules.on_alert(warning, None) is not None
    clock.now += 5
    assert rules.on_alert(warning, warning) is None  # folded: not looked at yet
    critical = replace(warning, severity=Severity.CRITICAL)
    assert rules.on_alert(critical, warning) is not None  # it rose
    clock.now += 5
    acknowledged = replace(critical, state=AlertState.ACKNOWLEDGED)
    assert rules.on_alert(critical, acknowledged) is not None  # it came back


def test_a_burst_of_one_kind_is_rate_limited_and_summarised() -> None:
    clock = Clock()
    rules = rules_for(ALL_BOTH, clock)
    assert rules.on_order(order(S.FILLED, 100, "O1")) is not None
    assert rules.on_order(order(S.FILLED, 100, "O2")) is None
    assert rules.on_order(order(S.FILLED, 100, "O3")) is None
    assert rules.on_alert(alert(Severity.CRITICAL), None) is not None  # another kind
    clock.now += 3
    notice = rules.on_order(order(S.FILLED, 100, "O4"))
    assert notice is not None and notice.message.endswith("(+2 more)")


def test_an_unknown_output_in_the_settings_file_is_refused() -> None:
    from terminal.settings import SettingsError, settings_from_dict

    with pytest.raises(SettingsError, match=r"notify\.fill must be one of"):
        settings_from_dict({"notify": {"fill": "loud"}})
    parsed = settings_from_dict({"notify": {"fill": "desktop"}})
    assert parsed.notify.fill == "desktop"
