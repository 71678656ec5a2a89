"""The audit chain: recorded in order, verified, tampering found, exported, checked by the CLI."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from terminal.domain import ManualClock, OrderSide
from terminal.persistence import (
    AuditLog,
    AuditRecord,
    ChainHead,
    Database,
    Store,
    export_audit,
    verify_chain,
)
from terminal.persistence.audit_cli import run_export, run_verify


def record_five(store: Store) -> AuditLog:
    clock = ManualClock()
    audit = AuditLog.open(store, clock, "alice", "ws-1")
    for i in range(1, 6):
        audit.record("order.approved", f"O{i}", {"qty": Decimal(f"{i}00"), "side": OrderSide.BUY})
        clock.advance(0.000001)
    assert store.writer.flush(10)
    return audit


def sql(database: Database, statement: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(statement))


def test_records_form_a_chain_that_verifies(store: Store, database: Database) -> None:
    assert verify_chain(database.engine).ok  # empty chain is intact
    audit = record_five(store)
    assert audit.head.seq == 5
    result = verify_chain(database.engine)
    assert (result.ok, result.count, result.first_bad_seq, result.problem) == (True, 5, None, "")


def test_reopening_continues_the_chain(store: Store, database: Database) -> None:
    first = record_five(store)
    again = AuditLog.open(store, ManualClock(), "bob", "ws-2")
    assert again.head == first.head
    committed: list[AuditRecord] = []
    again.recorded += committed.append
    pending = again.record("killswitch.armed", "desk", {"reason": "test"})
    assert store.writer.flush(10)
    (rec,) = committed  # numbered at the commit, after the head it found there
    assert (rec.seq, rec.prev_hash, rec.action, rec.at) == (
        6,
        first.head.hash,
        "killswitch.armed",
        pending.at,
    )
    assert again.head == ChainHead(6, rec.hash)
    assert verify_chain(database.engine).count == 6


def test_two_logs_of_one_database_append_to_one_chain(store: Store, database: Database) -> None:
    # Two terminals, each with the head it read at start: the second's records still follow
    # the first's, because the number is taken inside the write transaction.
    one = AuditLog.open(store, ManualClock(), "alice", "ws-1")
    two = AuditLog.open(store, ManualClock(), "bob", "ws-2")
    seen: list[AuditRecord] = []
    one.recorded += seen.append
    two.recorded += seen.append
    for i in range(3):
        one.record("a", f"one-{i}", {})
        two.record("b", f"two-{i}", {})
    assert store.writer.flush(10)
    assert [r.seq for r in seen] == [1, 2, 3, 4, 5, 6]
    assert [r.subject for r in seen] == ["one-0", "two-0", "one-1", "two-1", "one-2", "two-2"]
    result = verify_chain(database.engine)
    assert (result.ok, result.count) == (True, 6)


def test_an_altered_detail_is_found(store: Store, database: Database) -> None:
    record_five(store)
    sql(database, """UPDATE audit_log SET details = '{"qty":"900","side":"BUY"}' WHERE seq = 3""")
    result = verify_chain(database.engine)
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "altered" in result.problem


def test_an_altered_actor_with_a_recomputed_hash_breaks_the_link(
    store: Store, database: Database
) -> None:
    record_five(store)
    sql(
        database,
        "UPDATE audit_log SET actor = 'mallory', hash = 'f' || substr(hash, 2) WHERE seq = 2",
    )
    result = verify_chain(database.engine)
    assert result.first_bad_seq == 2


def test_a_removed_middle_record_is_found(store: Store, database: Database) -> None:
    record_five(store)
    sql(database, "DELETE FROM audit_log WHERE seq = 3")
    result = verify_chain(database.engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "missing" in result.problem


def test_a_removed_and_renumbered_record_is_found(store: Store, database: Database) -> None:
    record_five(store)
    sql(database, "DELETE FROM audit_log WHERE seq = 5")
    sql(database, "UPDATE audit_log SET seq = 5 WHERE seq = 4")
    sql(database, "UPDATE audit_head SET seq = 5")
    result = verify_chain(database.engine)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_a_cut_off_tail_is_found(store: Store, database: Database) -> None:
    record_five(store)
    sql(database, "DELETE FROM audit_log WHERE seq = 5")
    result = verify_chain(database.engine)
    assert (result.ok, result.count, result.first_bad_seq) == (False, 4, 5)
    assert "tail" in result.problem


def test_a_broken_head_is_found(store: Store, database: Database) -> None:
    record_five(store)
    sql(database, "UPDATE audit_head SET hash = 'abc'")
    assert verify_chain(database.engine).first_bad_seq == 5
    sql(database, "DELETE FROM audit_head")
    result = verify_chain(database.engine)
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_export_writes_every_record_as_csv_and_jsonl(store: Store, database: Database) -> None:
    record_five(store)
    out = io.StringIO()
    assert export_audit(database.engine, "csv", out) == 5
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert rows[1]["subject"] == "O2"
    assert json.loads(rows[1]["details"]) == {"qty": "200", "side": "BUY"}
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert rows[0]["at"] == "2026-01-05T14:30:00+00:00"

    out = io.StringIO()
    assert export_audit(database.engine, "jsonl", out) == 5
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[4]["details"] == {"qty": "500", "side": "BUY"}
    assert (lines[4]["actor"], lines[4]["workstation"]) == ("alice", "ws-1")
    assert lines[4]["hash"] == rows[4]["hash"]


def test_cli_verify_reports_intact_then_broken(
    db_url: str, store: Store, database: Database
) -> None:
    record_five(store)
    out, err = io.StringIO(), io.StringIO()
    assert run_verify(db_url, out, err) == 0
    assert "intact: 5 records" in out.getvalue()
    sql(database, "DELETE FROM audit_log WHERE seq = 2")
    out, err = io.StringIO(), io.StringIO()
    assert run_verify(db_url, out, err) == 1
    assert "record 2" in err.getvalue()


def test_cli_verify_and_export_cannot_open(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    out, err = io.StringIO(), io.StringIO()
    assert run_verify(missing, out, err) == 2
    assert "does not exist" in err.getvalue()
    assert not (tmp_path / "missing.db").exists()  # verifying never creates a database
    assert run_export(missing, "csv", None, out, err) == 2


def test_cli_export_to_a_file(db_url: str, store: Store, tmp_path: Path) -> None:
    record_five(store)
    target = tmp_path / "audit.jsonl"
    out, err = io.StringIO(), io.StringIO()
    assert run_export(db_url, "jsonl", target, out, err) == 0
    assert len(target.read_text().splitlines()) == 5
    assert "exported 5 records" in err.getvalue()
    assert out.getvalue() == ""
    assert run_export(db_url, "xml", target, out, err) == 2


def test_cli_export_warns_about_a_broken_chain(
    db_url: str, store: Store, database: Database
) -> None:
    record_five(store)
    sql(database, "UPDATE audit_log SET subject = 'O9' WHERE seq = 4")
    out, err = io.StringIO(), io.StringIO()
    assert run_export(db_url, "csv", None, out, err) == 1
    assert len(out.getvalue().splitlines()) == 6
    assert "broken at record 4" in err.getvalue()


def test_details_that_cannot_be_json_are_refused_before_anything_is_queued(store: Store) -> None:
    audit = AuditLog.open(store, ManualClock(), "alice", "ws-1")
    with pytest.raises(TypeError):
        audit.record("x", "y", {"bad": object()})
    assert audit.head.seq == 0
    assert store.writer.pending == 0
