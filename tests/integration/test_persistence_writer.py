"""The background writer: order, retries, kept failures, reporting on the loop thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from terminal.domain import Alert, Severity
from terminal.persistence import Database, DatabaseWriter, Store
from terminal.persistence.schema import SettingRow
from terminal.persistence.store import _upsert
from tests.integration.test_persistence_store import T0


def put(key: str, value: object) -> Callable[[Session], None]:
    return lambda s: _upsert(s, SettingRow, {"key": key, "value": value})


def test_jobs_run_in_submission_order(store: Store) -> None:
    for i in range(200):
        store.append_order_event("O1", T0, "staged", str(i))
        store.save_setting("last", i)
    assert store.writer.flush(30)
    assert [e.detail for e in store.load_order_events("O1")] == [str(i) for i in range(200)]
    assert store.load_settings() == {"last": 199}


def test_submit_returns_while_a_job_is_still_running(writer: DatabaseWriter) -> None:
    gate = threading.Event()

    def slow(session: Session) -> None:
        gate.wait()

    writer.submit(slow, "slow job")
    writer.submit(put("after", 1), "after slow job")  # returns although the writer is busy
    assert writer.pending == 2
    assert not writer.flush(0.05)
    gate.set()
    assert writer.flush(10)
    assert writer.pending == 0


def test_a_job_that_fails_then_succeeds_is_retried_and_not_reported(
    store: Store, writer: DatabaseWriter
) -> None:
    reported: list[tuple[str, str]] = []
    writer.write_failed += lambda d, e: reported.append((d, e))
    calls: list[str] = []

    def flaky(session: Session) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) < 3:
            raise OSError("disk hiccup")
        put("flaky", "done")(session)

    writer.submit(flaky, "flaky write")
    assert writer.flush(10)
    assert calls == ["database-writer"] * 3  # retried on the writer thread, never the caller's
    assert reported == []
    assert writer.failed == []
    assert store.load_settings() == {"flaky": "done"}


def test_a_failed_job_rolls_back_its_partial_writes(
    store: Store, writer: DatabaseWriter, logged_errors: list[logging.LogRecord]
) -> None:
    def half_then_fail(session: Session) -> None:
        put("half", 1)(session)
        session.flush()
        raise RuntimeError("boom")

    writer.submit(half_then_fail, "half write")
    assert writer.flush(10)
    assert "half" not in store.load_settings()
    assert [f.description for f in writer.failed] == ["half write"]
    assert [r.getMessage() for r in logged_errors] == [
        "database write 'half write' failed for good, kept for retry: RuntimeError: boom"
    ]


def test_persistent_failure_is_kept_reported_and_retried_once_fixed(
    database: Database, store: Store, writer: DatabaseWriter, logged_errors: list[logging.LogRecord]
) -> None:
    reported: list[tuple[str, str]] = []
    writer.write_failed += lambda d, e: reported.append((d, e))
    with database.engine.begin() as conn:
        conn.execute(text("ALTER TABLE alerts RENAME TO alerts_away"))
    alert = Alert("A1", Severity.CRITICAL, "risk", "kill switch", T0)
    store.save_alert(alert)
    store.save_setting("after", "still written")  # later jobs are not held up
    assert writer.flush(10)
    assert [f.description for f in writer.failed] == ["save alert A1"]
    assert len(reported) == 1
    assert reported[0][0] == "save alert A1"
    assert "alerts" in reported[0][1]
    assert store.load_settings() == {"after": "still written"}

    assert writer.retry_failed() == 1  # cause not fixed yet: kept again, reported again
    assert writer.flush(10)
    assert len(writer.failed) == 1
    assert len(reported) == 2

    with database.engine.begin() as conn:
        conn.execute(text("ALTER TABLE alerts_away RENAME TO alerts"))
    assert writer.retry_failed() == 1
    assert writer.flush(10)
    assert writer.failed == []
    assert store.load_alerts() == [alert]
    assert len(logged_errors) == 2  # once per attempt that failed for good
    assert all("'save alert A1' failed for good" in r.getMessage() for r in logged_errors)


def test_failures_are_reported_on_the_event_loop_thread(
    database: Database, logged_errors: list[logging.LogRecord]
) -> None:
    async def scenario() -> tuple[int, str]:
        loop = asyncio.get_running_loop()
        writer = DatabaseWriter(database.engine, loop.call_soon_threadsafe, backoff=(0.0,))
        got: asyncio.Future[tuple[int, str]] = loop.create_future()
        writer.write_failed += lambda d, e: got.set_result((threading.get_ident(), e))

        def fail(session: Session) -> None:
            raise ValueError("constraint violated")

        writer.submit(fail, "doomed")
        try:
            return await asyncio.wait_for(got, 10)
        finally:
            await loop.run_in_executor(None, writer.close)

    thread_id, error = asyncio.run(scenario())
    assert thread_id == threading.get_ident()
    assert error == "ValueError: constraint violated"
    assert ["'doomed' failed for good" in r.getMessage() for r in logged_errors] == [True]


def test_submit_after_close_raises(database: Database) -> None:
    writer = DatabaseWriter(database.engine)
    writer.submit(put("k", 1), "before close")
    assert writer.close(10)
    with Session(database.engine) as s:
        assert s.scalar(select(SettingRow.value).where(SettingRow.key == "k")) == 1
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(put("k", 2), "after close")
