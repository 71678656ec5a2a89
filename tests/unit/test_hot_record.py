"""``hot_record`` (terminal/domain/records.py): immutable for mypy, cheap to build."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from terminal.domain import Quote

ROOT = Path(__file__).resolve().parents[2]


def test_a_quote_is_a_value_hashable_and_replaceable() -> None:
    quote = Quote("AAPL", 1.0, 2.0)
    same = Quote("AAPL", 1.0, 2.0)
    assert quote == same and hash(quote) == hash(same)
    assert replace(quote, bid=1.5).bid == 1.5 and quote.bid == 1.0
    assert not hasattr(quote, "__dict__")  # slots: no per-quote dict


def test_the_type_checker_refuses_to_change_a_field(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            from terminal.domain import Quote

            def tamper(quote: Quote) -> None:
                quote.bid = 2.0
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(probe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert 'Property "bid" defined in "Quote" is read-only' in result.stdout
