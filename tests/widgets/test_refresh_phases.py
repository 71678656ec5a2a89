"""The refresh clock's phases (widgets/refresh.py): each flush once per refresh, paints split."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from widgets.main_window import MainWindow
from widgets.refresh import RefreshClock, flush_name


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


def test_a_paced_flush_runs_every_nth_refresh_and_paced_flushes_take_turns(
    qtbot: QtBot,
) -> None:
    clock = RefreshClock(rate_hz=30, phases=1)
    log: list[str] = []
    clock.register(_recorder(log, "watchlist"), phase=0)
    charts = [f"chart-{i}" for i in range(6)]
    for name in charts:
        clock.register(_recorder(log, name), every=3)
    refreshes: list[list[str]] = []
    for _ in range(6):
        log.clear()
        clock._tick()
        refreshes.append(list(log))
    assert all(r[0] == "watchlist" for r in refreshes)  # unpaced: every refresh
    runs = {name: sum(name in r for r in refreshes) for name in charts}
    assert runs == dict.fromkeys(charts, 2)  # 6 refreshes / 3
    assert all(len(r) == 1 + 2 for r in refreshes)  # two charts a refresh, never all six
    log.clear()
    clock.flush_now()
    assert sorted(log) == sorted(["watchlist", *charts])  # flush_now runs everything
    clock.unregister(clock._flushes[1])
    assert len(clock._pace_of) == len(charts) - 1


def test_the_window_paces_every_chart_and_nothing_else(window: MainWindow) -> None:
    """The window's registrations, as the refresh clock holds them: the charts' flushes (the
    default chart and a second one) at a third of the rate, taking turns; every other pane's
    at the full rate."""
    window.new_pane("chart")  # a second chart
    clock = window.session.refresh
    paced = {flush_name(f): pace for f, pace in clock._pace_of.items()}
    charts = [f for f in clock._flushes if flush_name(f).endswith("ChartPane.flush")]
    assert len(charts) >= 2
    assert all(clock._pace_of[f][0] == 3 for f in charts)
    assert len({clock._pace_of[f][1] for f in charts}) == len(charts)  # not on one refresh
    assert all(name.endswith("ChartPane.flush") for name in paced)
