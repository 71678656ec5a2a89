"""The GUI loop's lag is how late the probe's timer fires; the worst of the last few seconds is
shown, so a freeze stays visible, and it is forgotten once the window has run on time again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication

from widgets.loop_lag import LoopLagProbe


@pytest.fixture
def clock_and_probe(qapp: QApplication) -> Iterator[tuple[list[float], LoopLagProbe]]:
    now = [100.0]
    probe = LoopLagProbe(interval=0.1, window=1.0, now=lambda: now[0])
    yield now, probe
    shiboken6.delete(probe)


def tick_at(now: list[float], probe: LoopLagProbe, *times: float) -> None:
    for when in times:
        now[0] = when
        probe.tick()


def test_the_lag_is_the_worst_lateness_of_the_window(
    clock_and_probe: tuple[list[float], LoopLagProbe],
) -> None:
    now, probe = clock_and_probe
    assert probe.lag is None  # nothing measured yet
    tick_at(now, probe, 100.0, 100.1)
    assert probe.lag == pytest.approx(0.0)
    tick_at(now, probe, 100.5)  # 300 ms late
    assert probe.lag == pytest.approx(0.3)
    tick_at(now, probe, *(100.5 + 0.1 * i for i in range(1, 6)))  # on time again: still shown
    assert probe.lag == pytest.approx(0.3)
    tick_at(now, probe, *(101.0 + 0.1 * i for i in range(1, 8)))  # a second on time: gone
    assert probe.lag == pytest.approx(0.0, abs=1e-9)


def test_a_fresh_start_forgets_what_was_measured_before(
    clock_and_probe: tuple[list[float], LoopLagProbe],
) -> None:
    now, probe = clock_and_probe
    tick_at(now, probe, 100.0, 101.0)
    assert probe.lag == pytest.approx(0.9)
    probe.start()
    assert probe.running and probe.lag is None
    probe.stop()
    assert not probe.running
