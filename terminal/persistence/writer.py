"""A single background thread that applies database writes in order, so a slow disk never
stalls the event loop.

Each job runs in its own transaction. A failing job is retried with a growing pause; one that
still fails is kept (never dropped) until :meth:`DatabaseWriter.retry_failed`. A job may return a
value (the audit log's record, numbered inside the transaction): ``on_committed`` receives it on
the event loop once the transaction has committed.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` (the database's write lock
first), so that what a job reads before it writes (the audit chain's head) cannot be changed by
another process between the read and the write.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventkit import Event
from sqlalchemy import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

type Job = Callable[[Session], Any]
type Notify = Callable[[Callable[[], None]], object]
type Committed = Callable[[Any], None]

#: The execution option the SQLite engine reads to open a transaction with BEGIN IMMEDIATE.
IMMEDIATE = "tt_begin_immediate"

#: Pauses before the second, third and fourth attempt of a failing job.
DEFAULT_BACKOFF: tuple[float, ...] = (0.05, 0.2, 1.0)


@dataclass(frozen=True, slots=True)
class FailedWrite:
    """A job that failed every attempt, kept for :meth:`DatabaseWriter.retry_failed`."""

    description: str
    error: str
    job: Job
    on_committed: Committed | None = None


class DatabaseWriter:
    """Run write jobs on one background thread, first in, first out.

    :meth:`submit` never blocks. Jobs keep the order in which they were submitted; a job that
    fails for good is set aside and the jobs after it still run.

    Events:
        write_failed(description: str, error: str): a job failed every attempt and was kept.
            Emitted on the event loop through ``notify_threadsafe`` (e.g.
            ``loop.call_soon_threadsafe``), or on the writer thread when that is ``None``.
    """

    def __init__(
        self,
        engine: Engine,
        notify_threadsafe: Notify | None = None,
        *,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
    ) -> None:
        self.write_failed = Event("write_failed")
        self._engine = engine.execution_options(**{IMMEDIATE: True})
        self._notify = notify_threadsafe
        self._backoff = tuple(backoff)
        self._queue: deque[tuple[str, Job, Committed | None]] = deque()
        self._failed: list[FailedWrite] = []
        self._busy = False
        self._closing = False
        self._cond = threading.Condition()
        # Set only at close, so that a pause between attempts ends early on shutdown.
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="database-writer", daemon=True)
        self._thread.start()

    @property
    def failed(self) -> list[FailedWrite]:
        """Return the jobs that failed every attempt, oldest first."""
        with self._cond:
            return list(self._failed)

    @property
    def pending(self) -> int:
        """Return the number of jobs queued or running."""
        with self._cond:
            return len(self._queue) + self._busy

    def submit(self, job: Job, description: str, on_committed: Committed | None = None) -> None:
        """Queue ``job`` to run in its own transaction; return at once.

        Args:
            job: Runs on the writer thread inside the transaction; may return a value.
            description: Names the write in logs and alerts.
            on_committed: Called with the job's return value after the commit, on the event
                loop through ``notify_threadsafe`` (on the writer thread when that is None).

        Raises:
            RuntimeError: the writer is closed.
        """
        with self._cond:
            if self._closing:
                raise RuntimeError(f"database writer is closed; cannot {description}")
            self._queue.append((description, job, on_committed))
            self._cond.notify_all()

    def retry_failed(self) -> int:
        """Queue the kept jobs again, in their original order; return how many."""
        with self._cond:
            jobs, self._failed = self._failed, []
            self._queue.extend((f.description, f.job, f.on_committed) for f in jobs)
            self._cond.notify_all()
            return len(jobs)

    def flush(self, timeout: float) -> bool:
        """Wait until every queued job has run (or failed for good); return False on timeout.

        This blocks the calling thread: call it at shutdown or in tests, never on the GUI loop
        while the application runs.
        """
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self, timeout: float = 10.0) -> bool:
        """Flush, then stop the thread; return False when jobs were still pending at timeout."""
        drained = self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._stopping.set()
        self._thread.join(timeout)
        return drained

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closing)
                if not self._queue:
                    return
                description, job, on_committed = self._queue.popleft()
                self._busy = True
            error, result = self._attempt(description, job)
            if error is None and on_committed is not None:
                # Before the job counts as done, so that flush() returning means delivered.
                # Bound now: the loop runs it later, when these names hold the next job's.
                self._deliver(functools.partial(on_committed, result), description)
            with self._cond:
                if error is not None:
                    self._failed.append(FailedWrite(description, error, job, on_committed))
                self._busy = False
                self._cond.notify_all()
            if error is not None:
                self._report(description, error)

    def _attempt(self, description: str, job: Job) -> tuple[str | None, Any]:
        """Run ``job`` until it succeeds or the attempts run out; return (last error, result)."""
        error = ""
        for attempt, pause in enumerate((0.0, *self._backoff)):
            if pause:
                self._stopping.wait(pause)
            try:
                with Session(self._engine) as session, session.begin():
                    result = job(session)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}".splitlines()[0]
                log.warning(
                    "database write %r failed (attempt %d): %s", description, attempt + 1, error
                )
            else:
                return None, result
        log.error("database write %r failed for good, kept for retry: %s", description, error)
        return error, None

    def _report(self, description: str, error: str) -> None:
        def emit() -> None:
            self.write_failed.emit(description, error)

        self._deliver(emit, f"report failed write {description!r}")

    def _deliver(self, callback: Callable[[], None], what: str) -> None:
        """Run ``callback`` on the event loop (or here, without one)."""
        if self._notify is None:
            try:
                callback()
            except Exception:
                log.exception("database writer: %s: the callback failed", what)
            return
        try:
            self._notify(callback)
        except RuntimeError:
            # The loop is already closed (shutdown): what was written is written anyway.
            log.error("could not deliver %s: event loop closed", what)
