"""MAE / MFE of round trips from price bars, against hand-worked values."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal

from terminal.analytics.excursion import PriceBars, trade_excursion
from terminal.analytics.records import OrderRecord
from terminal.analytics.render import write_report
from terminal.analytics.report import build_report
from terminal.analytics.trades import round_trips
from terminal.domain.market import Bar
from tests.unit.analytics_fixtures import T0, at, fill


def _bars(*ranges: tuple[float, float], start: float = -60) -> PriceBars:
    """One-minute bars with the given (low, high), the first starting ``start`` s after T0."""
    return PriceBars(
        60,
        [
            Bar(at(start + 60 * i), (lo + hi) / 2, hi, lo, (lo + hi) / 2)
            for i, (lo, hi) in enumerate(ranges)
        ],
    )


def test_long_trade_runs_from_its_worst_low_to_its_best_high() -> None:
    # Long 100 @ 10.00 held 0 s .. 100 s: the bars of [0, 60) and [60, 120) overlap it;
    # the one ending at the entry and the one starting after the exit are left out.
    (trade,) = round_trips(
        [fill("BUY", 100, "10.00", seconds=0), fill("SELL", 100, "10.30", seconds=100)]
    )
    found = trade_excursion(trade, _bars((9.00, 10.05), (9.70, 10.10), (10.00, 10.45), (8, 12)))
    assert found is not None
    assert found.mae == Decimal("-30.00")  # (9.70 - 10.00) x 100
    assert found.mfe == Decimal("45.00")  # (10.45 - 10.00) x 100


def test_short_trade_excursions_are_signed_the_other_way() -> None:
    # Short 50 @ 20.00 held 0 s .. 100 s: the high 20.40 is adverse, the low 19.10
    # favourable (the bar from 120 s is after the exit).
    (trade,) = round_trips(
        [fill("SELL", 50, "20.00", seconds=0), fill("BUY", 50, "19.50", seconds=100)]
    )
    found = trade_excursion(trade, _bars((19.90, 20.40), (19.10, 20.00), (19.00, 21.00), start=0))
    assert found is not None
    assert found.mae == Decimal("-20.00")  # (20.00 - 20.40) x 50
    assert found.mfe == Decimal("45.00")  # (20.00 - 19.10) x 50


def test_option_excursions_use_the_multiplier() -> None:
    # 2 calls @ 1.50 x 100 held 0 s .. 90 s: low 1.20, high 1.95.
    (trade,) = round_trips(
        [
            fill("BUY", 2, "1.50", seconds=0, instrument="C", multiplier=100),
            fill("SELL", 2, "1.80", seconds=90, instrument="C", multiplier=100),
        ]
    )
    found = trade_excursion(trade, _bars((1.20, 1.60), (1.45, 1.95), start=0))
    assert found is not None
    assert found.mae == Decimal("-60.00") and found.mfe == Decimal("90.00")


def test_a_trade_that_only_went_its_way_has_zero_adverse_excursion() -> None:
    (trade,) = round_trips(
        [fill("BUY", 10, "5.00", seconds=0), fill("SELL", 10, "5.50", seconds=30)]
    )
    found = trade_excursion(trade, _bars((5.00, 5.20), (5.10, 5.60)))
    assert found is not None and found.mae == 0 and found.mfe == Decimal("6.00")


def test_bars_that_do_not_cover_the_holding_period_give_nothing() -> None:
    (trade,) = round_trips(
        [fill("BUY", 10, "5.00", seconds=0), fill("SELL", 10, "5.50", seconds=200)]
    )
    assert trade_excursion(trade, _bars((5, 6), (5, 6))) is None  # bars end at 60 s
    assert trade_excursion(trade, _bars((5, 6), (5, 6), (5, 6), (5, 6), start=30)) is None
    assert trade_excursion(trade, PriceBars(60, [])) is None


def _order(order_id: str, sign: int, seconds: float) -> OrderRecord:
    return OrderRecord(order_id, "AAPL", sign, Decimal(100), "LMT", "ticket", "filled", at(seconds))


def test_the_report_shows_them_in_every_format_and_notes_when_it_cannot() -> None:
    fills = [
        fill("BUY", 100, "10.00", seconds=0, order_id="A"),
        fill("SELL", 100, "10.30", seconds=90, order_id="B"),
        fill("SELL", 100, "10.30", seconds=86_400, order_id="C"),  # a short the bars miss
        fill("BUY", 100, "10.20", seconds=86_460, order_id="D"),
    ]
    orders = [
        _order("A", 1, 0),
        _order("B", -1, 90),
        _order("C", -1, 86_400),
        _order("D", 1, 86_460),
    ]
    bars = {"AAPL": _bars((9.80, 10.10), (9.90, 10.40), start=0)}
    day = T0.date()
    report = build_report(orders, fills, day, day + dt.timedelta(days=1), bars=bars)
    first, second = report.trades
    assert (first.mae, first.mfe) == (Decimal("-20.00"), Decimal("40.00"))
    assert second.mae is None and second.mfe is None
    assert any(n.startswith("1 of 2 closed trades have no price bars") for n in report.notes)
    assert dataclasses.replace(first, mae=None, mfe=None) == round_trips(fills)[0]
    out = io.StringIO()
    write_report(report, "json", out)
    rows = json.loads(out.getvalue())["trades"]
    assert [(r["mae"], r["mfe"]) for r in rows] == [("-20.00", "40.00"), (None, None)]
    page = io.StringIO()
    write_report(report, "html", page)
    assert "<th>mae</th><th>mfe</th>" in page.getvalue()
    assert '<td class="num">-20.00</td><td class="num">40.00</td>' in page.getvalue()
    csv_out = io.StringIO()
    write_report(report, "csv", csv_out)
    assert "trades,,1,mfe,40.00" in csv_out.getvalue()
    assert "trades,,2,mae,\n" in csv_out.getvalue()
    without = build_report(orders, fills, day, day + dt.timedelta(days=1))
    assert all(t.mae is None for t in without.trades)
    assert not any("MAE" in n for n in without.notes)  # n/a everywhere is no news
