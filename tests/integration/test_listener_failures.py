"""A failing core event handler becomes a critical alert naming it, and fails a test."""

from __future__ import annotations

import datetime as dt
import logging
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from eventkit import Event

from terminal.app import TradingApp
from terminal.domain import Fill, OrderSide, Position, Severity
from tests.integration.app_setup import AAPL, new_app

ROOT = Path(__file__).resolve().parents[2]


def a_fill() -> Fill:
    return Fill(
        "E-1",
        None,
        AAPL,
        OrderSide.BUY,
        Decimal(10),
        Decimal("150.00"),
        Decimal(1),
        dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC),
    )


def break_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    def corrupt(self: Position, fill: Fill) -> Position:
        raise ArithmeticError("position book corrupt")

    monkeypatch.setattr(Position, "apply", corrupt)


def test_a_raising_portfolio_handler_raises_a_critical_alert_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, logged_errors: list[logging.LogRecord]
) -> None:
    app = new_app(f"sqlite:///{tmp_path / 't.db'}")
    break_positions(monkeypatch)
    app.orders.fill_recorded.emit(a_fill())
    handler = "terminal.app.TradingApp._book_fill"
    (alert,) = [a for a in app.alerts.active() if a.severity is Severity.CRITICAL]
    assert alert.source == f"handler {handler}"
    assert "ArithmeticError: position book corrupt" in alert.message
    assert "fill_recorded" in alert.message
    (record,) = logged_errors
    assert record.getMessage() == f"handler {handler} failed (on fill_recorded)"
    assert record.exc_info is not None and record.exc_info[0] is ArithmeticError
    assert app.writer.close(10)


def _events_of(root: object, depth: int = 3) -> list[tuple[str, Event]]:
    """Every eventkit Event reachable from ``root`` through attributes (not error/done events)."""
    found: list[tuple[str, Event]] = []
    seen: set[int] = set()

    def walk(obj: object, path: str, level: int) -> None:
        if id(obj) in seen or level > depth:
            return
        seen.add(id(obj))
        if isinstance(obj, Event):
            found.append((path, obj))
            return
        module = type(obj).__module__
        if not hasattr(obj, "__dict__") or not module.startswith(("terminal", "tests.helpers")):
            return
        for name, value in vars(obj).items():
            walk(value, f"{path}.{name}", level + 1)

    walk(root, "app", 0)
    return found


def test_every_core_event_is_supervised(tmp_path: Path) -> None:
    app: TradingApp = new_app(f"sqlite:///{tmp_path / 't.db'}")
    events = _events_of(app)
    assert len(events) >= 30  # the walk really reaches the services and the broker
    unsupervised = [path for path, event in events if not app.listeners.watches(event)]
    assert unsupervised == []
    assert app.writer.close(10)


def test_a_raising_handler_fails_a_test_that_does_not_expect_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's log-fail check at work: the same failure, in a test that does not ask for
    ``logged_errors``, fails that test and names the handler."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(
        test_inner=textwrap.dedent(
            """
            from tests.integration.test_listener_failures import a_fill, break_positions
            from tests.integration.app_setup import new_app

            def test_fill_with_a_broken_portfolio(tmp_path, monkeypatch):
                app = new_app(f"sqlite:///{tmp_path / 't.db'}")
                break_positions(monkeypatch)
                app.orders.fill_recorded.emit(a_fill())
                assert app.writer.close(10)
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "tests.logfail", "-p", "no:randomly")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*unexpected ERROR log record*",
            "*handler terminal.app.TradingApp._book_fill failed (on fill_recorded)*",
        ]
    )
