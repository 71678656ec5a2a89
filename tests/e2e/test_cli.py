"""The installed command, run as a subprocess: smoke test, audit verify/export, bad arguments."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.e2e.test_sigterm import line_starting, session_env

ROOT = Path(__file__).resolve().parents[2]

#: A price on the simulator's 0.01 tick as the trader reads it (never 228.42000000000002).
ON_TICK = re.compile(r"\d+\.\d\d")


def assert_prices_on_tick(report: dict[str, object]) -> None:
    quote, fill = report["quote"], report["fill"]
    assert isinstance(quote, dict) and isinstance(fill, dict)
    for price in (quote["bid"], quote["ask"], fill["price"]):
        assert isinstance(price, str) and ON_TICK.fullmatch(price), report


def run(
    *args: str, timeout: float = 120, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if home is not None:  # per-user folders (settings, logs) inside the test's directory
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / "config"),
            XDG_DATA_HOME=str(home / "data"),
            XDG_STATE_HOME=str(home / "state"),
            XDG_CACHE_HOME=str(home / "cache"),
        )
    return subprocess.run(
        [sys.executable, "-m", "terminal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_vertical_filled(report: dict[str, Any]) -> None:
    """The smoke test's call vertical: one combo filled, its long leg +1 and short leg -1, at
    a net debit no worse than its limit."""
    vertical = report["vertical"]
    assert vertical["combo"].endswith(" C vertical") and vertical["filled"] == "1"
    by_strike = {Decimal(key.split()[-1]): qty for key, qty in vertical["held"].items()}
    assert [by_strike[k] for k in sorted(by_strike)] == ["1", "-1"]  # the lower call bought
    net = Decimal(vertical["net"].replace("+", ""))
    assert Decimal(0) < net <= Decimal(vertical["limit"])


def test_window_smoke_test_trades_one_share_through_the_panes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'smoke.db'}"
    result = run("--smoke-test", "--db", db, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["paper"] is True and report["mode"] == "SIM"
    assert set(report["panes"]) >= {"watchlist", "ticket", "approvals", "blotter", "risk"}
    assert report["queued"] is True
    assert report["blotter_fills"] >= 1
    assert report["position"] == "1"
    assert_vertical_filled(report)
    assert report["kill_switch"] == {"tripped": True, "broker_cancel_ok": True}
    assert report["rearmed"] is True
    assert_prices_on_tick(report)
    assert "Traceback" not in result.stderr
    log_file = tmp_path / "state" / "trading-terminal" / "log" / "terminal.log"
    log_text = log_file.read_text()
    # Start-up figures for the trader's log, counted from the process's start.
    assert re.search(r"window shown \d+ ms after the process started", log_text), log_text
    assert re.search(r"session started \d+ ms after the process started", log_text), log_text


def test_headless_smoke_test_trades_one_share_on_the_simulator(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'smoke.db'}"
    result = run("--headless", "--smoke-test", "--db", db, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["paper"] is True
    assert report["position"] == "1"
    assert_vertical_filled(report)
    assert report["kill_switch"] == {"tripped": True, "broker_cancel_ok": True}
    assert report["rearmed"] is True
    assert_prices_on_tick(report)
    # The audit trail it left verifies, and exports every record.
    verify = run("audit", "verify", "--db", db)
    assert verify.returncode == 0, verify.stderr
    out = tmp_path / "audit.csv"
    export = run("audit", "export", "--db", db, "--format", "csv", "--output", str(out))
    assert export.returncode == 0, export.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("seq,") and any(",kill_switch," in line for line in lines)


def test_a_second_session_on_the_same_database_records_its_own_fills(tmp_path: Path) -> None:
    # The order manager remembers execution ids across restarts to drop duplicates; a new
    # simulator session must not reuse the ids of the last one.
    db = f"sqlite:///{tmp_path / 'smoke.db'}"
    for _ in range(2):
        result = run("--headless", "--smoke-test", "--db", db, home=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout.strip().splitlines()[-1])["ok"] is True
    with sqlite3.connect(tmp_path / "smoke.db") as conn:
        (fills,) = conn.execute("SELECT COUNT(DISTINCT exec_id) FROM fills").fetchone()
    assert fills == 2 * 3  # each session: the share, and the vertical's two legs


def test_audit_verify_names_the_first_altered_record(tmp_path: Path) -> None:
    path = tmp_path / "smoke.db"
    assert run("--headless", "--smoke-test", "--db", f"sqlite:///{path}").returncode == 0
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE audit_log SET details = \'{"by": "mallory"}\' WHERE seq = 3')
    result = run("audit", "verify", "--db", f"sqlite:///{path}")
    assert result.returncode == 1
    assert "3" in (result.stdout + result.stderr)


def test_unknown_arguments_exit_2_with_a_clear_message() -> None:
    result = run("--frobnicate")
    assert result.returncode == 2
    assert "unrecognized arguments: --frobnicate" in result.stderr
    result = run("audit", "export", "--format", "xml")
    assert result.returncode == 2 and "invalid choice: 'xml'" in result.stderr


def test_without_a_display_the_window_refuses_plainly_instead_of_aborting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--smoke-test",
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "no display to open the window on" in result.stderr
    assert "--headless" in result.stderr and "Fatal Python error" not in result.stderr


def test_corrupt_settings_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[risk\n", encoding="utf-8")
    result = run("--config", str(config), "--smoke-test", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert "not a valid settings file" in result.stderr and "Traceback" not in result.stderr


def test_version_is_printed() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("trading-terminal 0.1.0")


def free_port() -> int:
    """A port with nothing listening on it (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_bad_numbers_end_with_a_usage_message_not_a_traceback() -> None:
    for argv, message in (
        (["--headless", "--seed", "-1"], "seed must be 0 or more, got -1"),
        (["--headless", "--port", "99999"], "port must be from 1 to 65535, got 99999"),
    ):
        result = run(*argv)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr


def test_headless_ib_without_tws_retries_with_a_clear_message_and_quits_cleanly(
    tmp_path: Path,
) -> None:
    """No TWS running: the console says why and when it tries again (issue 14: the first
    connection is retried like a lost one), never a traceback; Ctrl+C/SIGTERM end it cleanly."""
    port = free_port()
    args = ("--port", str(port), "--db", f"sqlite:///{tmp_path / 'ib.db'}")
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "terminal", "--headless", *("--broker", "ib"), *args],
            cwd=ROOT,
            env=session_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            line = line_starting(proc, "ib disconnected:")
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert f"could not connect to TWS / IB Gateway at 127.0.0.1:{port}" in line, line + out
    assert "next try in" in line
    assert proc.returncode == 0
    assert "Traceback" not in stderr_path.read_text(encoding="utf-8")


def test_a_config_file_that_does_not_exist_refuses_to_start(tmp_path: Path) -> None:
    missing = tmp_path / "desk.toml"
    for mode in (["--headless"], []):
        result = run(*mode, "--config", str(missing), "--db", f"sqlite:///{tmp_path / 'x.db'}")
        assert result.returncode == 2
        assert f"settings file {missing} does not exist" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()  # nothing started


def test_audit_export_needs_a_format_and_says_which_it_wrote(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'smoke.db'}"
    assert run("--headless", "--smoke-test", "--db", db, home=tmp_path).returncode == 0
    to_stdout = run("audit", "export", "--db", db)
    assert to_stdout.returncode == 2 and to_stdout.stdout == ""
    assert "choose --format csv or --format jsonl" in to_stdout.stderr
    out = tmp_path / "audit.csv"
    named = run("audit", "export", "--db", db, "--output", str(out))
    assert named.returncode == 0, named.stderr
    assert f"as CSV to {out}" in named.stderr
    assert out.read_text().startswith("seq,")
    clash = run("audit", "export", "--db", db, "--format", "jsonl", "--output", str(out))
    assert clash.returncode == 2 and "does not match the output file audit.csv" in clash.stderr
    over_db = run("audit", "export", "--db", db, "--format", "csv", "--output", db[10:])
    assert over_db.returncode == 2 and "over the database itself" in over_db.stderr
    assert run("audit", "verify", "--db", db).returncode == 0  # the database is untouched


def test_the_paper_account_outlives_the_process_until_sim_reset(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'paper.db'}"

    def smoke_position() -> str:
        result = run("--headless", "--smoke-test", "--db", db, home=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        position: str = json.loads(result.stdout.strip().splitlines()[-1])["position"]
        return position

    assert smoke_position() == "1"
    assert smoke_position() == "2"  # the share bought by the last process is still held

    reset = run("sim", "reset", "--db", db, home=tmp_path)

    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.startswith("simulated account SIM000001 reset: the next session starts")
    assert smoke_position() == "1"
    with sqlite3.connect(tmp_path / "paper.db") as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_log ORDER BY seq")]
    assert actions.count("sim_account_reset") == 1
    assert run("audit", "verify", "--db", db).returncode == 0
