"""SIGTERM (a service manager, `kill`) ends a session in order, like Ctrl+C: session_stop."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.persistence.audit_verify import iter_records, verify_chain
from terminal.persistence.database import open_database
from tests.helpers.processes import dump_stacks_and_end, sigint_as_at_a_terminal

ROOT = Path(__file__).resolve().parents[2]


def session_env(home: Path) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )


def line_starting(proc: subprocess.Popen[str], prefix: str, seconds: float = 120.0) -> str:
    """Read the process's lines (on the pipe, each wait with a deadline) until one starts with
    ``prefix``; return it, or everything read when the process ended or went quiet first."""
    assert proc.stdout is not None
    seen = []
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while selector.select(timeout=seconds):
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(prefix):
                return line
            seen.append(line)
    return "".join(seen)


@pytest.mark.parametrize("mode", [["--headless"], []], ids=["console", "window"])
@pytest.mark.parametrize("ended_by", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_ends_the_session_with_a_session_stop_record_like_ctrl_c(
    tmp_path: Path, mode: list[str], ended_by: signal.Signals
) -> None:
    db = f"sqlite:///{tmp_path / 'term.db'}"
    # stderr to a file: a pipe nobody reads until the end could fill up and stall the child.
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        with sigint_as_at_a_terminal():  # Ctrl+C reaches it however the suite was started
            proc = subprocess.Popen(
                [sys.executable, "-m", "terminal", *mode, "--db", db],
                cwd=ROOT,
                env=session_env(tmp_path),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        try:
            first = line_starting(proc, "Connected to sim")  # once the session has started
            if not first.startswith("Connected to sim"):
                proc.kill()
                out, _ = proc.communicate(timeout=30)
                err = stderr_path.read_text(encoding="utf-8")
                pytest.fail(f"no start line (exit {proc.returncode}): {first}{out}\n{err}")
            proc.send_signal(ended_by)
            try:
                out, _ = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                dump_stacks_and_end(proc)
                stacks = stderr_path.read_text(encoding="utf-8")
                pytest.fail(f"{ended_by.name} did not end the session in 60 s:\n{stacks}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    err = stderr_path.read_text(encoding="utf-8")

    assert proc.returncode == 0, out + err
    assert "Traceback" not in err
    database = open_database(db, migrate=False)
    try:
        actions = [r.action for r in iter_records(database.engine)]
        assert verify_chain(database.engine).ok
    finally:
        database.close()
    assert "session_start" in actions
    assert actions[-1] == "session_stop"


def test_sigusr2_prints_every_task_and_thread_of_a_running_session(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'term.db'}"
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "terminal", "--headless", "--db", db],
            cwd=ROOT,
            env=session_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            assert line_starting(proc, "Connected to sim").startswith("Connected to sim")
            proc.send_signal(signal.SIGUSR2)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    err = stderr_path.read_text(encoding="utf-8")
    assert proc.returncode == -signal.SIGABRT
    assert "--- task feed-watchdog" in err  # what each coroutine awaits...
    assert "in _watch_health" in err
    assert "Current thread" in err and "in run_session" in err  # ...and every thread
