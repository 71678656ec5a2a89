"""A terminal started before TWS: the console runner keeps trying with a clear message (never a
traceback) and connects once TWS is up; a smoke test still fails fast."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.test_cli import ROOT, run
from tests.helpers.processes import dump_stacks_and_end, sigint_as_at_a_terminal
from tests.ib.gateway import running_gateway

#: A line the runner must print, at the latest (production backoff: 2 s, then 4 s...).
LINE_WITHIN = 30.0


def _lines(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def _until(lines: queue.Queue[str | None], text: str, seen: list[str]) -> str:
    """The first line with ``text`` (every line read is kept in ``seen``)."""
    while True:
        line = lines.get(timeout=LINE_WITHIN)
        if line is None:
            raise AssertionError(f"the runner ended before printing {text!r}: {seen}")
        seen.append(line)
        if text in line:
            return line


def test_the_console_runner_keeps_trying_until_tws_is_up(tmp_path: Path) -> None:
    with running_gateway() as gw:
        gw.refuse_connections(True)  # TWS not started yet
        env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
        args = ["--headless", "--broker", "ib", "--port", str(gw.port), "--client-id", "9"]
        db = ["--db", f"sqlite:///{tmp_path / 'ib.db'}"]
        with sigint_as_at_a_terminal():  # Ctrl+C reaches it however the suite was started
            proc = subprocess.Popen(
                [sys.executable, "-m", "terminal", *args, *db],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        out: queue.Queue[str | None] = queue.Queue()
        err: list[str] = []
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
        errors = threading.Thread(target=lambda: err.extend(proc.stderr or []), daemon=True)
        errors.start()
        seen: list[str] = []
        try:
            waiting = _until(out, "next try in", seen)
            assert waiting.startswith("ib disconnected: could not connect to TWS / IB Gateway")
            assert "is it running, with the API enabled on this port?" in waiting
            gw.refuse_connections(False)
            _until(out, "Connected to ib (account DU1234567, paper)", seen)
        finally:
            proc.send_signal(signal.SIGINT)  # Ctrl+C
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                dump_stacks_and_end(proc)
                errors.join(10)
                pytest.fail(f"Ctrl+C did not end the console in 60 s:\n{''.join(err)}")
            errors.join(10)
    assert code == 0, seen + err
    assert not any("Traceback" in line for line in err), err


def test_a_smoke_test_still_fails_fast_when_nothing_listens(tmp_path: Path) -> None:
    with running_gateway() as gw:
        port = gw.port
    result = run("--broker", "ib", "--port", str(port), "--smoke-test", home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and "could not connect" in report["error"]
