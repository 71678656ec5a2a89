"""Fail a test when our code logs an ERROR it did not expect (after qutebrowser's logfail).

A handler that raises, a write that fails for good, a task that dies: the product logs each at
ERROR (and alerts). In a test, such a record means something broke that no assertion looked at,
so the test fails, naming the records. A test that provokes errors on purpose asks for the
``logged_errors`` fixture and asserts on what was logged.

Watched loggers: ours, asyncio's ("Task exception was never retrieved", "Exception in callback")
and eventkit's (a listener failure it logs). ib_async logs every IB message code at ERROR by
design (the adapter turns those that matter into alerts), so it is not watched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

WATCHED = ("terminal", "widgets", "tests", "qt", "asyncio", "eventkit")


def _watched(name: str) -> bool:
    return any(name == w or name.startswith(f"{w}.") for w in WATCHED)


class LogFailHandler(logging.Handler):
    """Collects ERROR (and worse) records of the watched loggers while a test runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if _watched(record.name):
            self.records.append(record)


_HANDLER = LogFailHandler()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_HANDLER)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_HANDLER)


def _describe(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return "\n".join(formatter.format(r) for r in records)


@pytest.fixture
def logged_errors(_fail_on_logged_errors: None) -> list[logging.LogRecord]:
    """The ERROR records logged during this test: asking for them says they are expected."""
    return _HANDLER.records


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    _HANDLER.records = []
    yield
    records, _HANDLER.records = _HANDLER.records, []
    if records and "logged_errors" not in request.fixturenames:
        pytest.fail(
            f"{len(records)} unexpected ERROR log record(s) (ask for `logged_errors` if the "
            f"test provokes them on purpose):\n{_describe(records)}",
            pytrace=False,
        )
