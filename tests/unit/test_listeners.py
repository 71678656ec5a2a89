"""Listener supervision: a core event handler that raises is reported, named, once."""

from __future__ import annotations

import gc
import logging

from eventkit import Event

from terminal.listeners import ListenerFailure, ListenerSupervisor


class Positions:
    def __init__(self) -> None:
        self.changed = Event("changed")
        self.not_an_event = "ignored"


class Book:
    def on_changed(self, value: int) -> None:
        raise ArithmeticError(f"cannot book {value}")


def test_a_raising_listener_is_reported_with_its_name_its_event_and_the_error() -> None:
    failures: list[ListenerFailure] = []
    positions, book = Positions(), Book()
    ListenerSupervisor(failures.append).watch(positions)
    positions.changed += book.on_changed
    positions.changed.emit(7)
    (failure,) = failures
    assert failure.event == "changed"
    assert failure.handler == f"{__name__}.Book.on_changed"
    assert isinstance(failure.error, ArithmeticError) and str(failure.error) == "cannot book 7"
    assert failure.source == f"handler {__name__}.Book.on_changed"


def test_other_listeners_still_run_after_one_raises() -> None:
    seen: list[int] = []
    positions = Positions()
    ListenerSupervisor(lambda failure: None).watch(positions)
    positions.changed += Book().on_changed
    book = Book()
    positions.changed += book.on_changed
    positions.changed += seen.append
    positions.changed.emit(1)
    assert seen == [1]


def test_an_unwatched_event_drops_the_exception_which_is_why_every_event_is_watched() -> None:
    """Documents eventkit's behaviour that the supervisor exists for: without it, nothing."""
    positions = Positions()
    positions.changed += Book().on_changed
    positions.changed.emit(1)  # no exception escapes, nothing is logged


def test_watching_an_event_twice_reports_each_failure_once() -> None:
    failures: list[ListenerFailure] = []
    supervisor = ListenerSupervisor(failures.append)
    positions, book = Positions(), Book()
    supervisor.watch(positions)
    supervisor.watch_events([positions.changed])
    positions.changed += book.on_changed
    positions.changed.emit(2)
    assert len(failures) == 1
    assert supervisor.watches(positions.changed)


def test_a_failure_while_reporting_a_failure_is_logged_and_does_not_loop(
    logged_errors: list[logging.LogRecord],
) -> None:
    alerts = Positions()  # stands for the alert service: the report emits on a watched event
    book = Book()
    reports: list[str] = []

    def report(failure: ListenerFailure) -> None:
        reports.append(failure.handler)
        alerts.changed.emit(len(reports))  # its listener raises too

    supervisor = ListenerSupervisor(report)
    supervisor.watch(alerts)
    alerts.changed += book.on_changed
    alerts.changed.emit(0)
    assert reports == [f"{__name__}.Book.on_changed"]
    (record,) = logged_errors
    assert "while reporting another failure" in record.getMessage()
    assert record.exc_info is not None


def test_a_report_that_raises_is_logged(logged_errors: list[logging.LogRecord]) -> None:
    def broken_report(failure: ListenerFailure) -> None:
        raise RuntimeError("alerts are down")

    positions, book = Positions(), Book()
    ListenerSupervisor(broken_report).watch(positions)
    positions.changed += book.on_changed
    positions.changed.emit(3)
    (record,) = logged_errors
    assert record.getMessage().startswith("could not report a listener failure")


def test_an_event_that_died_is_forgotten() -> None:
    supervisor = ListenerSupervisor(lambda failure: None)
    positions = Positions()
    supervisor.watch(positions)
    watched = positions.changed
    assert supervisor.watches(watched)
    del positions, watched
    gc.collect()
    assert len(supervisor._watched) == 0
