"""The report as JSON, CSV and a self-contained HTML page.

JSON and CSV write money, prices and quantities as exact decimal strings (as the audit export
does) and ratios and seconds as numbers. The CSV is one tidy table, ``section, group, name,
metric, value``, so that one file holds every part of the report and loads into a spreadsheet
or pandas as it is. The HTML page needs nothing but itself: inline CSS and an inline SVG equity
curve, so a trader can mail it.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, TextIO

from terminal.analytics.execution import OrderExecution
from terminal.analytics.report import GROUPS, Report
from terminal.analytics.trades import Trade

FORMATS = ("html", "csv", "json")


def _plain(value: object) -> Any:
    """JSON data for ``value``: Decimal as its exact string, datetimes in ISO 8601."""
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation ("0E-8")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def order_row(e: OrderExecution) -> dict[str, Any]:
    """One order's metrics as flat JSON data (the orders table of every format)."""
    o = e.order
    row: dict[str, Any] = {
        "order_id": o.order_id,
        "instrument": o.instrument,
        "side": o.side,
        "order_type": o.order_type,
        "source": o.source,
        "status": o.status,
        "quantity": o.quantity,
        "filled": e.filled_quantity,
        "fill_rate": e.fill_rate,
        "staged_at": o.staged_at,
        "arrival_price": o.arrival_price,
        "approval_price": o.approval_price,
        "avg_fill_price": e.avg_fill_price,
        "commission": e.commission,
        "approval_delay_cost": e.approval_delay_cost,
        "shortfall": e.shortfall,
        "approval_latency_s": e.approval_latency,
        "ack_latency_s": e.ack_latency,
        "first_fill_latency_s": e.first_fill_latency,
        "fill_duration_s": e.fill_duration,
    }
    for name, slip in (("vs_arrival", e.vs_arrival), ("vs_approval", e.vs_approval)):
        for part in ("ticks", "bps", "money"):
            row[f"slippage_{name}_{part}"] = getattr(slip, part) if slip else None
    return {k: _plain(v) for k, v in row.items()}


def combo_legs(key: str) -> str:
    """A combo's legs from its key (``"AAPL COMBO +1 AAPL 20260116 C 230 -1 ..."``): each
    signed ratio and contract, comma-separated."""
    _, _, legs = key.partition(" COMBO ")
    parts = legs.split(" ")
    starts = [i for i, p in enumerate(parts) if p[:1] in "+-" and p[1:].isdigit()]
    ends = [*starts[1:], len(parts)]
    return ", ".join(" ".join(parts[a:b]) for a, b in zip(starts, ends, strict=True))


def trade_row(t: Trade) -> dict[str, Any]:
    """One round trip as flat JSON data (the trades table of every format)."""
    row = {
        "instrument": t.instrument,
        "combo": t.combo,
        "legs": combo_legs(t.instrument) if t.combo else None,
        "side": t.side,
        "quantity": t.quantity,
        "entry_time": t.entry_time,
        "exit_time": t.exit_time,
        "holding_s": t.holding_seconds,
        "entry_price": t.entry_price,
        "exit_price": t.exit_price,
        "gross_pnl": t.gross_pnl,
        "commission": t.commission,
        "net_pnl": t.net_pnl,
        "mae": t.mae,
        "mfe": t.mfe,
        "orders": " ".join(t.order_ids),
    }
    return {k: _plain(v) for k, v in row.items()}


def report_data(report: Report) -> dict[str, Any]:
    """The whole report as JSON data."""
    return {
        "period": {
            "from": report.start.isoformat(),
            "to": report.end.isoformat(),
            "timezone": report.timezone,
        },
        "notes": list(report.notes),
        "starting_equity": _plain(report.starting_equity),
        "performance": _plain(report.performance),
        "execution": _plain(report.execution),
        "trade_groups": _plain(report.trade_groups),
        "execution_groups": _plain(report.execution_groups),
        "daily": [{"date": d.isoformat(), "net_pnl": _plain(p)} for d, p in report.daily],
        "orders": [order_row(e) for e in report.orders],
        "trades": [trade_row(t) for t in report.trades],
        "open_trades": [trade_row(t) for t in report.open_trades],
    }


def write_json(report: Report, out: TextIO) -> None:
    # One line: json's C encoder runs only without indent, ~5x faster on a long history.
    out.write(json.dumps(report_data(report), allow_nan=False))
    out.write("\n")


def _flat(prefix: str, data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flat(f"{prefix}.{key}" if prefix else key, value)
    else:
        yield prefix, data


def csv_rows(report: Report) -> Iterator[tuple[str, str, str, str, Any]]:
    """The report as ``(section, group, name, metric, value)`` rows."""
    data = report_data(report)
    for key, value in data["period"].items():
        yield "period", "", "", key, value
    for note in data["notes"]:
        yield "note", "", "", "note", note
    yield "summary", "", "", "starting_equity", data["starting_equity"]
    for section in ("performance", "execution"):
        for metric, value in _flat("", data[section]):
            yield section, "", "", metric, value
    for section in ("trade_groups", "execution_groups"):
        for group, names in data[section].items():
            for name, values in names.items():
                for metric, value in _flat("", values):
                    yield section, group, name, metric, value
    for day in data["daily"]:
        yield "daily", "day", day["date"], "net_pnl", day["net_pnl"]
    for section, rows, key in (
        ("orders", data["orders"], "order_id"),
        ("trades", data["trades"], None),
        ("open_trades", data["open_trades"], None),
    ):
        for index, row in enumerate(rows):
            name = row[key] if key else str(index + 1)
            for metric, value in row.items():
                if metric != key:
                    yield section, "", name, metric, value


def write_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("section", "group", "name", "metric", "value"))
    for section, group, name, metric, value in csv_rows(report):
        writer.writerow((section, group, name, metric, "" if value is None else value))


def _cell(value: Any) -> str:
    if value is None:
        return '<td class="na">n/a</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    text = html.escape(str(value))
    numeric = isinstance(value, int) or _is_number(value)
    return f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>"


def _is_number(value: Any) -> bool:
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return True


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"<h2>{html.escape(title)}</h2><p>None in this period.</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(_cell(v) for v in r.values()) + "</tr>" for r in rows)
    return f"<h2>{html.escape(title)}</h2><table><tr>{head}</tr>{body}</table>"


def _equity_svg(report: Report, width: int = 720, height: int = 180) -> str:
    """Cumulative net P&L per closed trade as an inline SVG polyline (zero line dashed)."""
    points = [Decimal(0)]
    for trade in report.trades:
        points.append(points[-1] + trade.net_pnl)
    if len(points) < 2:
        return ""
    low, high = float(min(points)), float(max(points))
    span = (high - low) or 1.0
    step = width / (len(points) - 1)

    def y(v: float) -> float:
        return height - (v - low) / span * height

    line = " ".join(f"{i * step:.1f},{y(float(p)):.1f}" for i, p in enumerate(points))
    return (
        f'<h2>Equity curve (cumulative net P&amp;L per closed trade)</h2><svg width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<line x1="0" x2="{width}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" stroke="#999" '
        f'stroke-dasharray="4"/><polyline fill="none" stroke="#1f6feb" stroke-width="1.5" '
        f'points="{line}"/></svg>'
    )


_STYLE = (
    "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1em}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}th{background:#f3f3f3}"
    ".num{text-align:right;font-variant-numeric:tabular-nums}.na{color:#999}"
    ".note{background:#fff6d5;padding:4px 8px;border-left:3px solid #e0b000}"
)


def _metrics(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"metric": k, "value": v} for k, v in _flat("", data)]


def _group_rows(groups: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, values in groups.items():
        rows.append({"": name, **dict(_flat("", values))})
    return rows


def write_html(report: Report, out: TextIO) -> None:
    data = report_data(report)
    period = f"{report.start.isoformat()} to {report.end.isoformat()} ({report.timezone})"
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Trading report {html.escape(period)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Trading report {html.escape(period)}</h1>",
    ]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in report.notes]
    parts.append(_table("Performance (closed trades)", _metrics(data["performance"])))
    parts.append(_table("Execution (orders staged in the period)", _metrics(data["execution"])))
    parts.append(_equity_svg(report))
    for group in GROUPS:
        parts.append(_table(f"Trades by {group}", _group_rows(data["trade_groups"][group])))
        parts.append(_table(f"Orders by {group}", _group_rows(data["execution_groups"][group])))
    parts.append(_table("Daily net P&L", data["daily"]))
    parts.append(_table("Trades", data["trades"]))
    parts.append(_table("Open trades", data["open_trades"]))
    parts.append(_table("Orders", data["orders"]))
    parts.append("</body></html>\n")
    out.write("".join(parts))


def write_report(report: Report, fmt: str, out: TextIO) -> None:
    """Write ``report`` to ``out`` as ``fmt`` (one of :data:`FORMATS`)."""
    writers = {"html": write_html, "csv": write_csv, "json": write_json}
    writers[fmt](report, out)
