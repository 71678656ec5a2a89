"""The ``desk`` commands: users, roles and the four-eyes policy of a shared database.

``trading-terminal desk add-user NAME --role ROLE`` (the password from ``TT_DESK_PASSWORD``, else
a prompt), ``desk set-role``, ``desk disable``, ``desk users``, and ``desk policy`` to show or set
which orders need a second approver. Every change is an audit record (the OS user as its actor:
whoever administers the desk database). Blocking, like every command-line tool here.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
from decimal import Decimal, InvalidOperation
from typing import TextIO

from sqlalchemy.orm import Session

from terminal.desk.policy import POLICY_KEY, FourEyesPolicy
from terminal.desk.users import Role, UserStore
from terminal.domain import DomainError, WallClock
from terminal.persistence import AuditLog, Database, DatabaseWriter, Store, open_database
from terminal.persistence.errors import PersistenceError
from terminal.persistence.schema import SettingRow
from terminal.persistence.writer import IMMEDIATE

PASSWORD_ENV = "TT_DESK_PASSWORD"
OK, REFUSED, CANNOT_OPEN = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    desk = commands.add_parser("desk", help="desk users, roles and the four-eyes policy")
    actions = desk.add_subparsers(dest="desk_command", metavar="ACTION", required=True)
    roles = [r.value for r in Role]
    add = actions.add_parser("add-user", help=f"add a user (password from ${PASSWORD_ENV})")
    add.add_argument("name")
    add.add_argument("--role", choices=roles, required=True)
    role = actions.add_parser("set-role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("--role", choices=roles, required=True)
    disable = actions.add_parser("disable", help="stop a user from signing in")
    disable.add_argument("name")
    actions.add_parser("users", help="list the users and their roles")
    policy = actions.add_parser("policy", help="show or set which orders need a second approver")
    policy.add_argument("--notional", help="above this notional (empty: no threshold)")
    policy.add_argument("--asset-class", action="append", default=None, help="e.g. OPT")
    policy.add_argument("--order-type", action="append", default=None, help="e.g. MKT")
    policy.add_argument("--off", action="store_true", help="no order needs a second approver")
    for sub in (add, role, disable, policy, actions.choices["users"]):
        sub.add_argument("--db", metavar="URL", dest="desk_db")


def _password(name: str) -> str:
    secret = os.environ.get(PASSWORD_ENV)
    if secret is not None:
        return secret
    first = getpass.getpass(f"password for {name}: ")
    if getpass.getpass("again: ") != first:
        raise DomainError("the two passwords differ")
    return first


def _audit(db: Database, action: str, subject: str, details: dict[str, object]) -> None:
    writer = DatabaseWriter(db.engine)
    try:
        audit = AuditLog.open(
            Store(db, writer), WallClock(), getpass.getuser(), socket.gethostname()
        )
        audit.record(action, subject, details)
    finally:
        writer.close()


def run_desk(args: argparse.Namespace, url: str, out: TextIO, err: TextIO) -> int:
    """Run one ``desk`` command on ``url``; return the exit status."""
    try:
        db = open_database(url)
    except PersistenceError as exc:
        err.write(f"desk: {exc}\n")
        return CANNOT_OPEN
    try:
        users = UserStore(db.engine)
        command = args.desk_command
        if command == "users":
            for user in users.users():
                state = "" if user.active else " (disabled)"
                out.write(f"{user.name}\t{user.role.value}{state}\n")
            return OK
        if command == "add-user":
            user = users.add(args.name, Role(args.role), _password(args.name))
            _audit(db, "desk_user_added", user.name, {"role": user.role.value})
            out.write(f"added {user.name} ({user.role.value})\n")
        elif command == "set-role":
            user = users.set_role(args.name, Role(args.role))
            _audit(db, "desk_role_changed", user.name, {"role": user.role.value})
            out.write(f"{user.name} is now {user.role.value}\n")
        elif command == "disable":
            user = users.set_active(args.name, False)
            _audit(db, "desk_user_disabled", user.name, {})
            out.write(f"{user.name} can no longer sign in\n")
        else:
            return _policy(db, args, out)
        return OK
    except DomainError as exc:
        err.write(f"desk: {exc}\n")
        return REFUSED
    finally:
        db.close()


def _policy(db: Database, args: argparse.Namespace, out: TextIO) -> int:
    with Session(db.engine) as s:
        row = s.get(SettingRow, POLICY_KEY)
        policy = FourEyesPolicy.from_dict(row.value if row is not None else None)
    changing = args.off or any(
        v is not None for v in (args.notional, args.asset_class, args.order_type)
    )
    if changing:
        data = {} if args.off else policy.to_dict()
        if args.notional is not None:
            try:
                data["notional"] = str(Decimal(args.notional)) if args.notional else None
            except InvalidOperation:
                raise DomainError(f"--notional {args.notional!r} is not a number") from None
        if args.asset_class is not None:
            data["asset_classes"] = [c.upper() for c in args.asset_class]
        if args.order_type is not None:
            data["order_types"] = [t.upper() for t in args.order_type]
        policy = FourEyesPolicy.from_dict(data)  # checked before it is stored
        with Session(db.engine.execution_options(**{IMMEDIATE: True})) as s, s.begin():
            s.merge(SettingRow(key=POLICY_KEY, value=policy.to_dict()))
        _audit(db, "desk_policy_changed", "desk", policy.to_dict())
    out.write(f"four-eyes policy: {policy.describe()}\n")
    return OK
