"""The refresh clock's phases (widgets/refresh.py): each flush once per refresh, paints split."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from widgets.refresh import RefreshClock


def _recorder(log: list[str], name: str) -> Callable[[], None]:
    def flush() -> None:
        log.append(name)

    return flush


def test_each_flush_runs_once_per_refresh_in_its_own_phase(qtbot: QtBot) -> None:
    clock = RefreshClock(rate_hz=30, phases=3)
    log: list[str] = []
    watchlist = _recorder(log, "watchlist")
    clock.register(watchlist, phase=0)
    others = {name: _recorder(log, name) for name in ("ladder", "chart", "tape", "status")}
    for flush in others.values():
        clock.register(flush)
    assert clock.phase_of(watchlist) == 0
    assert {clock.phase_of(f) for f in others.values()} == {1, 2}  # spread, never phase 0
    ticks: list[list[str]] = []
    for _ in range(6):  # two refreshes
        log.clear()
        clock._tick()
        ticks.append(list(log))
    assert ticks[0] == ["watchlist"]
    assert ticks[3] == ["watchlist"]
    assert sorted(ticks[1] + ticks[2]) == sorted(others)  # the rest, split over two ticks
    assert ticks[1] and ticks[2]
    assert ticks[1:3] == ticks[4:6]
    assert clock.flush_count == 2


def test_the_timer_ticks_once_per_phase_and_flush_now_runs_every_phase(qtbot: QtBot) -> None:
    clock = RefreshClock(rate_hz=30, phases=3)
    log: list[str] = []
    clock.register(_recorder(log, "a"), phase=0)
    clock.register(_recorder(log, "b"))
    clock.register(_recorder(log, "c"))
    assert clock.interval_ms == 33
    assert clock._timer.interval() == 11
    clock.flush_now()
    assert sorted(log) == ["a", "b", "c"]
    assert clock.flush_count == 1


def test_one_phase_is_every_flush_every_tick(qtbot: QtBot) -> None:
    clock = RefreshClock(rate_hz=30, phases=1)
    log: list[str] = []
    clock.register(_recorder(log, "a"), phase=0)
    clock.register(_recorder(log, "b"))
    clock._tick()
    assert sorted(log) == ["a", "b"]
