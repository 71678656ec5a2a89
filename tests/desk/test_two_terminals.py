"""Two terminal processes on one PostgreSQL database trade one book with four-eyes approval.

A trader (alice, workstation desk-1) and a risk manager (rita, desk-2) each run the real core on
the simulator in their own process. What one stages, approves, fills or halts reaches the other
through LISTEN/NOTIFY; the terminal that staged an order is the one that sends it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.cli import build_parser, run_desk
from terminal.desk.users import Role, UserStore
from terminal.persistence import open_database, verify_chain
from terminal.persistence.checkpoint import create_key
from terminal.persistence.schema import AuditRow
from tests.desk.processes import Children

pytestmark = pytest.mark.postgres

PASSWORDS = {"alice": "alice-secret", "rita": "rita-secret"}


@pytest.fixture
def desk(pg_url: str, tmp_path: Path) -> Iterator[Children]:
    """alice (trader) on desk-1 and rita (risk manager) on desk-2; four eyes above 1,000."""
    db = open_database(pg_url)
    users = UserStore(db.engine)
    users.add("alice", Role.TRADER, PASSWORDS["alice"])
    users.add("rita", Role.RISK_MANAGER, PASSWORDS["rita"])
    db.close()
    args = build_parser().parse_args(["desk", "policy", "--db", pg_url, "--notional", "1000"])
    out = io.StringIO()
    assert run_desk(args, out, io.StringIO()) == 0
    assert "notional above 1,000.00" in out.getvalue()
    key = tmp_path / "desk.key"
    create_key(key)
    envs = []
    for name in ("alice", "rita"):
        home = tmp_path / name
        home.mkdir()
        (home / "settings.toml").write_text(
            f'[desk]\ncheckpoint_key = "{key}"\ncheckpoint_dir = "{home / "checkpoints"}"\n'
            '[ui]\nwatchlist = ["AAPL", "MSFT"]\n',
            encoding="utf-8",
        )
        envs.append(
            {
                "TT_TEST_HOME": str(home),
                "TT_DESK_PASSWORD": PASSWORDS[name],
                "XDG_CONFIG_HOME": str(home / "config"),
                "XDG_DATA_HOME": str(home / "data"),
                "XDG_STATE_HOME": str(home / "state"),
            }
        )
    children = Children(
        [
            ["-m", "tests.desk.desk_terminal", pg_url, "desk-1", "alice"],
            ["-m", "tests.desk.desk_terminal", pg_url, "desk-2", "rita"],
        ],
        envs=envs,
    )
    try:
        children.expect(0, "READY")
        children.expect(1, "READY")
        yield children
    finally:
        children.close()


def records(url: str) -> list[AuditRow]:
    db = open_database(url, migrate=False)
    try:
        with Session(db.engine) as s:
            rows = list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))
            s.expunge_all()
        assert verify_chain(db.engine).ok
        return rows
    finally:
        db.close()


def test_an_order_above_the_policy_needs_the_second_approver_on_the_other_terminal(
    desk: Children, pg_url: str, tmp_path: Path
) -> None:
    alice, rita = 0, 1
    staged = desk.ask(alice, "stage AAPL 100")
    order_id = staged["staged"]
    assert "notional" in staged["four_eyes"] and "above 1,000.00" in staged["four_eyes"]
    # The staged order reaches the risk manager's queue through the database.
    assert desk.ask(rita, f"wait {order_id} pending_approval")["status"] == "pending_approval"
    # Self-approval is refused on the trader's terminal...
    refused = desk.ask(alice, f"approve {order_id}")
    assert "four-eyes" in refused["refused"] and "alice staged" in refused["refused"]
    # ...the risk manager approves on hers; the trader's terminal, which staged it, sends it.
    assert desk.ask(rita, f"approve {order_id}") == {"approved": order_id, "status": "approved"}
    filled = desk.ask(alice, f"wait {order_id} filled")
    assert filled["approved_by"] == "rita"
    assert desk.ask(rita, f"wait {order_id} filled")["approved_by"] == "rita"
    # The fill is shared; on the simulator each terminal is an account of its own, so only the
    # terminal whose exchange filled it holds the position (on IB both share the account).
    assert desk.ask(rita, f"fill {order_id}") == {"fill": "100", "position": "0"}
    assert desk.ask(alice, f"fill {order_id}") == {"fill": "100", "position": "100"}
    desk.send(alice, "quit")
    desk.send(rita, "quit")
    desk.result(alice)
    desk.result(rita)

    rows = records(pg_url)
    about = [(r.action, r.actor, r.workstation) for r in rows if r.subject == order_id]
    assert ("approve_refused", "alice", "desk-1") in about
    assert ("approve", "rita", "desk-2") in about
    assert [a for a in about if a[0] == "submit"] == [("submit", "alice", "desk-1")]  # sent once
    refusal = next(r for r in rows if r.action == "approve_refused")
    assert json.loads(refusal.details)["rule"] == "desk"
    signs = [(r.action, r.actor) for r in rows if r.action.startswith("sign_")]
    assert sorted(signs) == [("sign_in", "alice"), ("sign_in", "rita"), ("sign_out", "alice"),
                             ("sign_out", "rita")]  # fmt: skip
    # Each terminal anchored the chain outside the database at the end of its session.
    assert list((tmp_path / "alice" / "checkpoints").glob("audit-*.json"))
    assert list((tmp_path / "rita" / "checkpoints").glob("audit-*.json"))


def test_the_kill_switch_halts_every_terminal_and_only_the_risk_manager_re_arms(
    desk: Children, pg_url: str
) -> None:
    alice, rita = 0, 1
    order_id = desk.ask(alice, "stage AAPL 1")["staged"]
    desk.ask(rita, f"wait {order_id} pending_approval")
    assert desk.ask(rita, "kill desk-wide drill")["state"] == "halted"
    assert desk.ask(alice, "wait_state halted")["by"] == "rita"
    # The trader's terminal withdrew the order it owns; the risk manager sees that too.
    assert desk.ask(alice, f"wait {order_id} cancelled")["status"] == "cancelled"
    assert desk.ask(rita, f"wait {order_id} cancelled")["status"] == "cancelled"
    refused = desk.ask(alice, "rearm back to work")
    assert "only a risk manager may re-arm" in refused["refused"]
    assert desk.ask(rita, "rearm drill over") == {"state": "active"}
    assert desk.ask(alice, "wait_state active")["by"] == "rita"
    desk.send(alice, "quit")
    desk.send(rita, "quit")
    desk.result(alice)
    desk.result(rita)
    actions = [(r.action, r.actor) for r in records(pg_url)]
    assert ("rearm_refused", "alice") in actions
    assert ("rearm", "rita") in actions
    assert ("kill_switch", "rita") in actions and ("kill_switch", "alice") in actions
