"""The Positions tab's P&L columns on the simulator: day, realized today, % change, since entry."""

from __future__ import annotations

from decimal import Decimal

from terminal.domain import Fill, Instrument, OrderSide, Position
from terminal.portfolio import PositionPnl
from widgets import formatting as fmt
from widgets.panes.blotter_position_columns import NA, position_row

from .conftest import Harness
from .test_blotter import blotter_of, cell, fill_market

AAPL = Instrument.stock("AAPL")


def test_a_fill_on_the_simulator_shows_its_day_pnl_from_the_fill_price(harness: Harness) -> None:
    blotter = blotter_of(harness)
    order = fill_market(harness, "AAPL", 100)
    harness.step()
    harness.session.refresh.flush_now()
    app = harness.app
    fills: list[Fill] = [f for f in blotter.fills_model.rows() if f.order_id == order.id]
    mark = app.portfolio.mark("AAPL")
    close = app.portfolio.prior_close("AAPL")
    assert mark is not None and close is not None  # the simulator quotes a previous close
    paid = sum(f.quantity * f.price + f.commission for f in fills)
    view = blotter.positions.view
    # Opened today: 100 x mark - what the fills paid, commissions included.
    assert cell(view, "AAPL", "Day P&L") == fmt.signed(100 * mark - paid)
    commissions = sum(f.commission for f in fills)
    assert cell(view, "AAPL", "Realized today") == fmt.signed(-commissions)
    assert cell(view, "AAPL", "Since entry") == fmt.signed(100 * mark - paid)
    assert cell(view, "AAPL", "% Chg") == fmt.percent((float(mark) / close - 1) * 100)


def test_rows_are_formatted_when_their_figures_change_not_on_every_refresh(
    harness: Harness,
) -> None:
    blotter = blotter_of(harness)
    fill_market(harness, "AAPL", 100)
    harness.step()
    harness.session.refresh.flush_now()
    model = blotter.positions_model
    before = model.get("AAPL")
    blotter.positions._on_pnl(None)  # a P&L update that moved nothing of this row
    harness.session.refresh.flush_now()
    assert model.get("AAPL") is before  # not rebuilt: nothing reformatted

    start = harness.app.portfolio.mark("AAPL")
    harness.until(lambda: harness.app.portfolio.mark("AAPL") != start)
    harness.session.refresh.flush_now()
    after = model.get("AAPL")
    assert after is not before
    assert after is not None and after.mark == harness.app.portfolio.mark("AAPL")


def test_an_unknown_day_pnl_shows_na_with_the_reason_never_zero() -> None:
    position = Position(AAPL, Decimal(100), Decimal(90))
    pnl = PositionPnl(
        day=None,
        unrealized=Decimal(700),
        realized=Decimal(0),
        change_percent=None,
        since_entry=Decimal(700),
        prior_close=None,
        overnight=Decimal(100),
        entry_complete=False,
        why_unknown="previous close not known yet",
    )
    row = position_row(position, pnl, Decimal(97))
    assert row.day_text == NA
    assert row.day_tip == "not known: previous close not known yet"
    assert row.entry_text == "+700.00 *"  # carried in: realized before it is not known
    assert row.change_text == ""


def test_a_position_carried_overnight_says_what_its_day_is_measured_from() -> None:
    position = Position(AAPL, Decimal(100), Decimal(90))
    pnl = PositionPnl(
        day=Decimal(200),
        unrealized=Decimal(700),
        realized=Decimal(0),
        change_percent=(97 / 95 - 1) * 100,
        since_entry=Decimal(700),
        prior_close=Decimal(95),
        overnight=Decimal(100),
    )
    row = position_row(position, pnl, Decimal(97))
    assert row.day_text == "+200.00"
    assert "100 held overnight marked from the previous close 95.00" in row.day_tip
    assert row.change_text == "+2.11%"
    assert row.last_text == "97.00"
    split = position_row(position, pnl, Decimal(97), split=True)
    assert split.day_text == split.realized_text == split.entry_text == NA
    assert split.unrealized_text == "+700.00"


def test_a_short_position_day_pnl_on_the_simulator(harness: Harness) -> None:
    blotter = blotter_of(harness)
    order = fill_market(harness, "MSFT", 50, OrderSide.SELL)
    harness.step()
    harness.session.refresh.flush_now()
    mark = harness.app.portfolio.mark("MSFT")
    assert mark is not None
    fills = [f for f in blotter.fills_model.rows() if f.order_id == order.id]
    received = sum(f.quantity * f.price - f.commission for f in fills)
    # Short 50: -50 x mark + what the sales received net of commissions.
    assert cell(blotter.positions.view, "MSFT", "Day P&L") == fmt.signed(received - 50 * mark)
