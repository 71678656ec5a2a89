"""The console terminal on a desk with users: no sign-in, no session; a wrong password is
refused and audited; the risk manager signs in and the smoke test trades as her."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.desk.users import Role, UserStore
from terminal.persistence import open_database, verify_chain
from terminal.persistence.schema import AuditRow

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def run(home: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
    )
    env.pop("TT_DESK_PASSWORD", None)
    if password is not None:
        env["TT_DESK_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--headless", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_desk_with_users_needs_a_sign_in_and_audits_every_attempt(
    pg_url: str, tmp_path: Path
) -> None:
    db = open_database(pg_url)
    UserStore(db.engine).add("rita", Role.RISK_MANAGER, "rita-secret")
    db.close()
    anonymous = run(tmp_path, "--smoke-test", "--db", pg_url)
    assert anonymous.returncode == 2 and "needs a sign-in: start with --user" in anonymous.stderr
    wrong = run(tmp_path, "--smoke-test", "--db", pg_url, "--user", "rita", password="nope-nope")
    assert wrong.returncode == 2 and "sign-in refused" in wrong.stderr
    ok = run(tmp_path, "--smoke-test", "--db", pg_url, "--user", "rita", password="rita-secret")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1])["ok"] is True
    db = open_database(pg_url, migrate=False)
    try:
        with Session(db.engine) as s:
            rows = [(r.actor, r.action) for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))]
        assert verify_chain(db.engine).ok
    finally:
        db.close()
    assert rows[0][1] == "sign_in_failed" and rows[1] == ("rita", "sign_in")
    assert (
        ("rita", "approve") in rows and ("rita", "rearm") in rows and rows[-1][1] == "session_stop"
    )
    # The session ended with a checkpoint of the chain, signed with the key created for it.
    assert list((tmp_path / "data" / "trading-terminal" / "checkpoints").glob("audit-*.json"))


def test_the_window_signs_in_unattended_and_its_smoke_test_trades_as_the_user(
    pg_url: str, tmp_path: Path
) -> None:
    db = open_database(pg_url)
    UserStore(db.engine).add("rita", Role.RISK_MANAGER, "rita-secret")
    db.close()
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TT_DESK_PASSWORD="rita-secret",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    args = ["--smoke-test", "--db", pg_url, "--user", "rita", "--workstation", "desk-7"]
    result = subprocess.run(
        [sys.executable, "-m", "terminal", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["ok"] is True
    db = open_database(pg_url, migrate=False)
    try:
        with Session(db.engine) as s:
            rows = {(r.actor, r.workstation, r.action) for r in s.scalars(select(AuditRow))}
    finally:
        db.close()
    assert {("rita", "desk-7", "sign_in"), ("rita", "desk-7", "approve")} <= rows
