"""Desk users and their roles, stored in the shared database; passwords as Argon2id hashes.

argon2-cffi hashes with a random salt per password and the parameters in the hash itself, so
stored hashes can be re-hashed when the parameters change (:meth:`UserStore.authenticate` does).
Every call here blocks (a database round trip, and Argon2 is slow on purpose): the window runs
them in an executor, never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from terminal.domain import DomainError
from terminal.persistence.schema import DeskUserRow
from terminal.persistence.writer import IMMEDIATE

#: Minimum password length for a desk user.
MIN_PASSWORD = 8


class Role(StrEnum):
    """What a desk user may do (docs/desk-mode.md has the table)."""

    TRADER = "trader"
    APPROVER = "approver"
    RISK_MANAGER = "risk_manager"
    VIEWER = "viewer"

    @property
    def may_stage(self) -> bool:
        return self is not Role.VIEWER

    @property
    def may_approve(self) -> bool:
        return self is not Role.VIEWER

    @property
    def may_approve_four_eyes(self) -> bool:
        return self in (Role.APPROVER, Role.RISK_MANAGER)

    @property
    def may_rearm(self) -> bool:
        return self is Role.RISK_MANAGER


class SignInRefused(DomainError):
    """Unknown user, wrong password, or a disabled user (one message for all three)."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role
    active: bool = True


_HASHER = PasswordHasher()


class UserStore:
    """Add users, change roles and passwords, and check a sign-in. Blocking."""

    def __init__(self, engine: Engine, clock_now: dt.datetime | None = None) -> None:
        self._engine = engine
        # Writes take SQLite's write lock first: they read before they write (see the writer).
        self._writes = engine.execution_options(**{IMMEDIATE: True})
        self._now = clock_now

    def _at(self) -> dt.datetime:
        return self._now or dt.datetime.now(dt.UTC)

    def any_users(self) -> bool:
        """Whether this database is a desk with users (sign-in required)."""
        with Session(self._engine) as s:
            return bool(s.scalar(select(func.count()).select_from(DeskUserRow)))

    def users(self) -> list[User]:
        with Session(self._engine) as s:
            rows = s.scalars(select(DeskUserRow).order_by(DeskUserRow.name))
            return [User(r.name, Role(r.role), r.active) for r in rows]

    def get(self, name: str) -> User | None:
        with Session(self._engine) as s:
            row = s.get(DeskUserRow, name)
            return None if row is None else User(row.name, Role(row.role), row.active)

    def add(self, name: str, role: Role, password: str) -> User:
        """Add a user.

        Raises:
            DomainError: the name is taken or empty, or the password is too short.
        """
        name = name.strip()
        if not name:
            raise DomainError("a desk user needs a name")
        _check_password(password)
        with Session(self._writes) as s, s.begin():
            if s.get(DeskUserRow, name) is not None:
                raise DomainError(f"desk user {name!r} exists already")
            s.add(
                DeskUserRow(
                    name=name,
                    role=Role(role).value,
                    password_hash=_HASHER.hash(password),
                    active=True,
                    created_at=self._at(),
                )
            )
        return User(name, Role(role))

    def set_role(self, name: str, role: Role) -> User:
        with Session(self._writes) as s, s.begin():
            row = self._row(s, name)
            row.role = Role(role).value
            return User(row.name, Role(row.role), row.active)

    def set_active(self, name: str, active: bool) -> User:
        with Session(self._writes) as s, s.begin():
            row = self._row(s, name)
            row.active = active
            return User(row.name, Role(row.role), row.active)

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with Session(self._writes) as s, s.begin():
            self._row(s, name).password_hash = _HASHER.hash(password)

    def authenticate(self, name: str, password: str) -> User:
        """Check ``password`` for ``name``.

        Raises:
            SignInRefused: unknown, wrong password or disabled (the same words for each, so a
                guess learns nothing about which names exist).
        """
        refused = SignInRefused("unknown user or wrong password")
        with Session(self._writes) as s, s.begin():
            row = s.get(DeskUserRow, name.strip())
            if row is None:
                _HASHER.hash(password)  # the same work as a real check: no timing tell
                raise refused
            try:
                _HASHER.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise refused from None
            if not row.active:
                raise refused
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            return User(row.name, Role(row.role), row.active)

    @staticmethod
    def _row(s: Session, name: str) -> DeskUserRow:
        row = s.get(DeskUserRow, name)
        if row is None:
            raise DomainError(f"no desk user {name!r}")
        return row


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"a desk password needs at least {MIN_PASSWORD} characters")
