"""Checkpoints anchor the chain outside the database: what an intruder with write access can
hide from `audit verify` (a cut-off tail with a rewritten head, a chain rewritten from a record
on), a signed checkpoint still shows."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from terminal.domain import ManualClock
from terminal.persistence import AuditLog, Database, Store, verify_chain
from terminal.persistence.audit import chain_hash
from terminal.persistence.audit_cli import run_checkpoint, run_verify
from terminal.persistence.checkpoint import create_key
from terminal.persistence.schema import AuditRow


def record(store: Store, count: int) -> None:
    clock = ManualClock()
    audit = AuditLog.open(store, clock, "alice", "ws-1")
    for i in range(count):
        audit.record("order.approved", f"O{i}", {"qty": Decimal(100 + i)})
        clock.advance(1)
    assert store.writer.flush(10)


def checkpoint(db_url: str, tmp_path: Path) -> tuple[Path, Path]:
    key, target = tmp_path / "desk.key", tmp_path / "checkpoint.json"
    if not key.exists():
        create_key(key)
    out, err = io.StringIO(), io.StringIO()
    assert run_checkpoint(db_url, target, key, out, err) == 0, err.getvalue()
    assert out.getvalue().strip() == str(target)
    return target, key


def verify(db_url: str, target: Path | None, key: Path | None) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_verify(db_url, out, err, target, key)
    return code, out.getvalue() + err.getvalue()


def sql(database: Database, statement: str, **params: object) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_a_checkpoint_holds_the_signed_head_and_verifies(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    record(store, 5)
    target, key = checkpoint(db_url, tmp_path)
    data = json.loads(target.read_text())
    assert data["seq"] == 5 and len(data["signature"]) == 64
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    record(store, 2)  # the chain goes on after the checkpoint
    code, said = verify(db_url, target, key)
    assert code == 0, said
    assert "7 records" in said and "record 5 matches the checkpoint" in said


def test_a_cut_off_tail_with_a_rewritten_head_passes_verify_but_not_the_checkpoint(
    db_url: str, store: Store, database: Database, tmp_path: Path
) -> None:
    record(store, 5)
    target, key = checkpoint(db_url, tmp_path)
    with Session(database.engine) as s:
        third = s.get(AuditRow, 3)
        assert third is not None
        third_hash = third.hash
    sql(database, "DELETE FROM audit_log WHERE seq > 3")
    sql(database, "UPDATE audit_head SET seq = 3, hash = :h", h=third_hash)
    assert verify_chain(database.engine).ok  # the database alone cannot tell
    code, said = verify(db_url, target, key)
    assert code == 1
    assert "ends at record 3, before the checkpoint's record 5" in said


def test_a_chain_rewritten_from_a_record_on_fails_against_the_checkpoint(
    db_url: str, store: Store, database: Database, tmp_path: Path
) -> None:
    record(store, 5)
    target, key = checkpoint(db_url, tmp_path)
    # Alter record 2 and recompute every hash after it, as an intruder with the code would.
    with Session(database.engine) as s, s.begin():
        rows = list(s.scalars(select(AuditRow).order_by(AuditRow.seq)))
        prev = rows[0].hash
        for row in rows[1:]:
            if row.seq == 2:
                row.details = '{"qty":"9999"}'
            row.prev_hash = prev
            row.hash = chain_hash(
                row.seq,
                row.at,
                row.actor,
                row.workstation,
                row.action,
                row.subject,
                row.details,
                prev,
            )
            prev = row.hash
        s.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    assert verify_chain(database.engine).ok
    code, said = verify(db_url, target, key)
    assert code == 1
    assert "record 5 differs from the checkpoint" in said


def test_an_altered_checkpoint_or_another_key_is_refused(
    db_url: str, store: Store, tmp_path: Path
) -> None:
    record(store, 3)
    target, key = checkpoint(db_url, tmp_path)
    data = json.loads(target.read_text())
    data["seq"] = 2
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data))
    code, said = verify(db_url, forged, key)
    assert code == 2 and "not signed by this key" in said
    other = tmp_path / "other.key"
    create_key(other)
    code, said = verify(db_url, target, other)
    assert code == 2 and "not signed by this key" in said
    code, said = verify(db_url, target, tmp_path / "missing.key")
    assert code == 2 and "does not exist" in said


def test_no_checkpoint_is_written_for_a_broken_chain(
    db_url: str, store: Store, database: Database, tmp_path: Path
) -> None:
    record(store, 3)
    sql(database, "DELETE FROM audit_log WHERE seq = 2")
    key, target = tmp_path / "desk.key", tmp_path / "c.json"
    create_key(key)
    out, err = io.StringIO(), io.StringIO()
    assert run_checkpoint(db_url, target, key, out, err) == 1
    assert "broken at record 2" in err.getvalue() and not target.exists()
