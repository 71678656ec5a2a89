"""Desk users: passwords kept as salted Argon2id hashes, sign-in checked, roles changed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.cli import build_parser, run_desk
from terminal.desk.users import Role, SignInRefused, User, UserStore
from terminal.domain import DomainError
from terminal.persistence import Database, verify_chain
from terminal.persistence.schema import AuditRow, DeskUserRow


def test_passwords_are_stored_as_salted_argon2id_hashes_never_as_text(database: Database) -> None:
    users = UserStore(database.engine)
    assert not users.any_users()
    users.add("alice", Role.TRADER, "same-password")
    users.add("bob", Role.TRADER, "same-password")
    with Session(database.engine) as s:
        hashes = list(s.scalars(select(DeskUserRow.password_hash).order_by(DeskUserRow.name)))
    assert all(h.startswith("$argon2id$") and "same-password" not in h for h in hashes)
    assert hashes[0] != hashes[1]  # a salt of its own for each
    assert users.any_users()


def test_sign_in_needs_the_right_password_of_an_active_user(database: Database) -> None:
    users = UserStore(database.engine)
    users.add("rita", Role.RISK_MANAGER, "rita-secret")
    assert users.authenticate("rita", "rita-secret") == User("rita", Role.RISK_MANAGER)
    for name, password in (("rita", "wrong-guess"), ("nobody", "rita-secret")):
        with pytest.raises(SignInRefused, match="unknown user or wrong password"):
            users.authenticate(name, password)
    users.set_active("rita", False)
    with pytest.raises(SignInRefused):
        users.authenticate("rita", "rita-secret")
    with pytest.raises(DomainError, match="at least 8"):
        users.add("tim", Role.TRADER, "short")


def test_the_desk_commands_add_users_change_roles_and_set_the_policy_audited(
    db_url: str, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TT_DESK_PASSWORD", "alice-secret")

    def desk(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run_desk(build_parser().parse_args(["desk", *argv, "--db", db_url]), out, err)
        return code, out.getvalue() + err.getvalue()

    assert desk("add-user", "alice", "--role", "trader") == (0, "added alice (trader)\n")
    assert desk("add-user", "alice", "--role", "viewer")[0] == 1  # taken
    assert desk("set-role", "alice", "--role", "approver")[0] == 0
    assert desk("users") == (0, "alice\tapprover\n")
    code, said = desk("policy", "--notional", "50000", "--asset-class", "opt")
    assert code == 0 and "notional above 50,000.00; class OPT" in said
    assert desk("policy", "--asset-class", "BOND")[0] == 1  # not an instrument class
    assert "no order needs" in desk("policy", "--off")[1]
    with Session(database.engine) as s:
        actions = list(s.scalars(select(AuditRow.action).order_by(AuditRow.seq)))
    assert actions == [
        "desk_user_added", "desk_role_changed", "desk_policy_changed", "desk_policy_changed",
    ]  # fmt: skip
    assert verify_chain(database.engine).ok
