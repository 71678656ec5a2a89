"""The console runner's status line: prices on the tick, an unknown change as "—"."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from terminal.headless import status_line
from tests.integration.app_setup import new_app, quote


@pytest.mark.asyncio
async def test_status_line_shows_prices_on_the_tick_and_an_unknown_change_as_a_dash(
    tmp_path: Path,
) -> None:
    app = new_app(f"sqlite:///{tmp_path / 'console.db'}")
    await app.start()
    try:
        # No previous close: the change cannot be computed (it was printed as "+nan%").
        app.broker.push_quotes(
            quote("AAPL", last=22842 * 0.01, prev_close=math.nan),
            quote("MSFT", bid=409.99, ask=410.01, last=410.0, prev_close=400.0),
        )

        line = status_line(app)

        assert "AAPL 228.42 (—)" in line
        assert "MSFT 410.00 (+2.50%)" in line
        assert "nan" not in line and "0000" not in line
        assert "equity 1,000,000.00 day P&L 0.00" in line
    finally:
        await app.stop()
