"""The report of a period: what falls in it, the groups, the notes, and the three formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from terminal.analytics.records import ComboLegRecord, FillRecord, OrderRecord
from terminal.analytics.render import write_report
from terminal.analytics.report import Report, build_report
from tests.unit.analytics_fixtures import T0, fill

DAY = dt.timedelta(days=1)


def _order(
    order_id: str, sign: int, qty: int, at: dt.datetime, *fills: FillRecord, **kw: object
) -> OrderRecord:
    return OrderRecord(
        order_id,
        "AAPL",
        sign,
        Decimal(qty),
        str(kw.get("order_type", "LMT")),
        str(kw.get("source", "ticket")),
        "filled",
        at,
        fills=fills,
        arrival_price=kw.get("arrival"),  # type: ignore[arg-type]
    )


def _two_day_book() -> tuple[list[OrderRecord], list[FillRecord]]:
    """Day 1: a long wins 100 (ticket). Day 2: a short loses 40 (ladder). Day 0: one opened
    the day before the period and closed on day 1 for 30."""
    early_buy = fill(
        "BUY", 10, "100", seconds=-DAY.total_seconds(), order_id="E1", instrument="MSFT"
    )
    early_sell = fill("SELL", 10, "103", seconds=60, order_id="E2", instrument="MSFT")
    b1 = fill("BUY", 100, "10", seconds=10, order_id="A", commission="1")
    s1 = fill("SELL", 100, "11.02", seconds=20, order_id="B", commission="1")
    s2 = fill("SELL", 20, "50", seconds=DAY.total_seconds() + 10, order_id="C")
    b2 = fill("BUY", 20, "52", seconds=DAY.total_seconds() + 20, order_id="D")
    orders = [
        _order("E1", 1, 10, T0 - DAY, early_buy),
        _order("A", 1, 100, T0, b1, arrival=Decimal("9.99")),
        _order("B", -1, 100, T0, s1),
        _order("C", -1, 20, T0 + DAY, s2, source="ladder", order_type="MKT"),
        _order("D", 1, 20, T0 + DAY, b2, source="ladder"),
    ]
    return orders, [early_buy, early_sell, b1, s1, s2, b2]


def _report() -> Report:
    orders, fills = _two_day_book()
    return build_report(orders, fills, T0.date(), (T0 + DAY).date(), starting_equity=Decimal(1000))


def test_period_keeps_trades_closed_in_it_even_when_opened_before() -> None:
    report = _report()
    assert [(t.instrument, t.net_pnl) for t in report.trades] == [
        ("AAPL", Decimal("100")),
        ("MSFT", Decimal(30)),
        ("AAPL", Decimal(-40)),
    ]
    assert [o.order.order_id for o in report.orders] == ["A", "B", "C", "D"]  # E1 staged before
    assert report.performance.net_pnl == 90
    assert report.daily == ((T0.date(), Decimal(130)), ((T0 + DAY).date(), Decimal(-40)))


def test_groups_split_trades_by_side_and_by_the_opening_orders_source() -> None:
    groups = _report().trade_groups
    assert groups["side"]["LONG"].net_pnl == 130 and groups["side"]["SHORT"].net_pnl == -40
    # MSFT was opened by E1 (a ticket order staged before the period): its source still counts.
    assert groups["source"]["ladder"].trades == 1 and groups["source"]["ticket"].trades == 2
    assert groups["order_type"]["MKT"].net_pnl == -40
    assert set(groups["day"]) == {"2026-03-02", "2026-03-03"}


def test_missing_arrival_prices_are_counted_in_a_note() -> None:
    report = _report()
    assert report.execution.slippage_vs_arrival == Decimal("1")  # only order A has one
    assert any(n.startswith("3 of 4 filled orders have no arrival price") for n in report.notes)


def _combo(order_id: str, *legs: tuple[FillRecord, int], **kw: object) -> OrderRecord:
    """A bought combo of 2 units (×100) whose legs are ``legs`` (fill, side in the combo)."""
    return OrderRecord(
        order_id, "X COMBO", 1, Decimal(2), "LMT", "builder", "filled", T0,
        multiplier=Decimal(100), fills=tuple(f for f, _ in legs),
        combo=True, legs=tuple(ComboLegRecord(f.instrument, 1, sign) for f, sign in legs),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_combo_order_is_measured_in_combo_units_at_its_net_price() -> None:
    """A debit call spread and a credit put spread, 2 units each: slippage per unit against
    the legs' net mid at staging, in ticks, bps of the net's size and money ×100."""
    orders, fills = _two_day_book()
    call = (
        fill("BUY", 2, "8.05", seconds=30, order_id="K", instrument="X C 150", multiplier=100),
        fill("SELL", 2, "2.95", seconds=31, order_id="K", instrument="X C 160", multiplier=100),
    )
    put = (
        fill("SELL", 2, "3.00", seconds=40, order_id="P", instrument="X P 150", multiplier=100),
        fill("BUY", 2, "1.00", seconds=40, order_id="P", instrument="X P 140", multiplier=100),
    )
    debit = _combo("K", (call[0], 1), (call[1], -1), arrival_price=Decimal("5.00"))
    credit = _combo("P", (put[0], -1), (put[1], 1), arrival_price=Decimal("-2.05"))
    report = build_report(
        [*orders, debit, credit], [*fills, *call, *put], T0.date(), (T0 + DAY).date()
    )
    measured = {e.order.order_id: e for e in report.orders}
    k, p = measured["K"], measured["P"]
    assert (k.filled_quantity, k.avg_fill_price, k.fill_rate) == (2, Decimal("5.10"), 1)
    assert k.vs_arrival is not None and k.vs_arrival.per_unit == Decimal("0.10")
    assert (k.vs_arrival.ticks, k.vs_arrival.bps, k.vs_arrival.money) == (10, 200, 20)
    # The credit came in 0.05 short of the mid: a cost, positive like the debit's.
    assert p.avg_fill_price == Decimal("-2.00")
    assert p.vs_arrival is not None and p.vs_arrival.per_unit == Decimal("0.05")
    assert p.vs_arrival.money == 10 and round(p.vs_arrival.bps, 1) == Decimal("243.9")
    assert not any("combo" in n for n in report.notes)
    closed = {t.instrument: t for t in report.trades}
    assert "X C 150" not in closed  # the legs trade as the combo, not per leg


def test_a_combo_order_without_recorded_legs_is_left_out_with_a_note() -> None:
    orders, fills = _two_day_book()
    leg = fill("BUY", 2, "8.05", seconds=30, order_id="K", instrument="X C 150", multiplier=100)
    legless = _combo("K", (leg, 1))._replace(legs=())
    report = build_report([*orders, legless], [*fills, leg], T0.date(), (T0 + DAY).date())
    assert "K" not in {e.order.order_id for e in report.orders}
    assert any(n.startswith("1 combo order(s) without recorded legs") for n in report.notes)


def test_json_holds_exact_decimals_and_csv_is_one_tidy_table() -> None:
    report = _report()
    text = io.StringIO()
    write_report(report, "json", text)
    data = json.loads(text.getvalue())
    assert data["performance"]["net_pnl"] == "90.00"
    assert data["trades"][0]["gross_pnl"] == "102.00"
    out = io.StringIO()
    write_report(report, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["section"] for r in rows} >= {"performance", "trade_groups", "orders", "trades"}
    wins = [r for r in rows if r["section"] == "performance" and r["metric"] == "win_rate"]
    assert [w["value"] for w in wins] == [str(Decimal(2) / 3)]


def test_html_is_one_page_with_the_tables_and_the_notes() -> None:
    out = io.StringIO()
    write_report(_report(), "html", out)
    page = out.getvalue()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert "<h2>Trades by source</h2>" in page and "<svg" in page
    assert "have no arrival price" in page
