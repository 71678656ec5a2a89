"""``trading-terminal report`` as a subprocess, on the database a simulator session left."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object]]:
    """A real simulator session: the headless smoke test buys one share and one call vertical
    (and keeps them)."""
    home = tmp_path_factory.mktemp("report")
    db = f"sqlite:///{home / 'session.db'}"
    result = run("--headless", "--smoke-test", "--db", db, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    return db, json.loads(result.stdout.strip().splitlines()[-1])


def _days() -> tuple[str, str]:
    # The session ran on the wall clock: a window around today holds it whatever the hour.
    today = dt.datetime.now(dt.UTC).date()
    return str(today - dt.timedelta(days=1)), str(today + dt.timedelta(days=1))


def smoke_legs(smoke: dict[str, object]) -> list[str]:
    """``+1 AAPL … C 230`` per leg of the smoke test's vertical, as the report lists them."""
    vertical = smoke["vertical"]
    assert isinstance(vertical, dict)
    return [f"{int(qty):+d} {key}" for key, qty in vertical["held"].items()]


def test_json_report_holds_the_sessions_order_fill_and_open_trade(
    session: tuple[str, dict[str, object]],
) -> None:
    db, smoke = session
    start, end = _days()
    result = run("report", "--db", db, "--from", start, "--to", end, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    fill = smoke["fill"]
    assert isinstance(fill, dict)
    vertical_order = smoke["vertical"]
    assert isinstance(vertical_order, dict)
    order, combo = data["orders"]  # the share, then the vertical (staged after it)
    assert order["order_id"] == fill["order"] and order["source"] == "smoke"
    assert order["avg_fill_price"] == fill["price"] and order["fill_rate"] == "1"
    assert order["side"] == "BUY" and order["order_type"] == "MKT"
    assert order["approval_latency_s"] >= 0 and order["first_fill_latency_s"] >= 0
    # The smoke session's market order: the OMS noted the mid at staging and approval.
    assert order["slippage_vs_arrival_money"] is not None
    assert order["approval_delay_cost"] is not None
    # The vertical is measured as one order in combo units against the legs' net mid.
    assert combo["order_id"] == vertical_order["order"] and combo["fill_rate"] == "1"
    assert combo["slippage_vs_arrival_money"] is not None
    # Open: the share, and the smoke test's call vertical as one combo trade in combo units.
    share, vertical = data["open_trades"]
    assert data["trades"] == []
    assert (share["instrument"], share["side"], share["quantity"]) == ("AAPL", "LONG", "1")
    assert vertical["combo"] is True and vertical["quantity"] == "1"
    assert vertical["legs"] == ", ".join(smoke_legs(smoke))
    assert not any("no arrival price" in note for note in data["notes"])
    assert "2 orders, 0 closed trades" in result.stderr and "Traceback" not in result.stderr


def test_html_and_csv_reports_written_to_files_named_by_their_suffix(
    session: tuple[str, dict[str, object]], tmp_path: Path
) -> None:
    db, smoke = session
    start, end = _days()
    fill = smoke["fill"]
    assert isinstance(fill, dict)
    page = tmp_path / "week.html"
    html_run = run("report", "--db", db, "--from", start, "--to", end, "--output", str(page))
    assert html_run.returncode == 0, html_run.stderr
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and str(fill["order"]) in text
    table = tmp_path / "week.csv"
    csv_run = run("report", "--db", db, "--from", start, "--to", end, "--output", str(table))
    assert csv_run.returncode == 0, csv_run.stderr
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    filled = [r for r in rows if r["section"] == "orders" and r["metric"] == "filled"]
    vertical = smoke["vertical"]
    assert isinstance(vertical, dict)
    assert [(r["name"], r["value"]) for r in filled] == [
        (fill["order"], "1"),
        (vertical["order"], "1"),
    ]


def test_a_period_without_the_session_reports_nothing(
    session: tuple[str, dict[str, object]],
) -> None:
    db, _ = session
    result = run(
        "report", "--db", db, "--from", "2020-01-01", "--to", "2020-01-31", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["orders"] == [] and data["trades"] == [] and data["open_trades"] == []


def test_bad_input_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    db = f"sqlite:///{missing}"
    cases = [
        (
            ["--from", "2026-13-01", "--to", "2026-12-31", "--format", "json"],
            "--from must be a date",
        ),
        (["--from", "2026-12-02", "--to", "2026-12-01", "--format", "json"], "is before --from"),
        (["--from", "2026-12-01", "--to", "2026-12-02"], "choose --format html or --format csv"),
        (["--from", "2026-12-01", "--to", "2026-12-02", "--format", "pdf"], "invalid choice"),
        (["--from", "2026-12-01", "--to", "2026-12-02", "--format", "json"], "does not exist"),
    ]
    for args, message in cases:
        result = run("report", "--db", db, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert not missing.exists()  # a report never creates a database
