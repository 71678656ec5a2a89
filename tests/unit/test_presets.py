"""Order presets in the core: validation, which preset applies, and the legs a preset stages
(bracket prices for a buy and a sell in ticks, percent and absolute, on the tick)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.domain import AssetClass, DomainError, Instrument, OrderSide, OrderType, Quote
from terminal.domain.exits import ExitSpec, ExitUnit
from terminal.presets.model import (
    OrderPreset,
    check_presets,
    parse_exit,
    preset_from_table,
    preset_table,
    read_preset,
)
from terminal.presets.orders import PresetBook, preset_order
from terminal.settings import Settings, SettingsError, load_settings, save_settings

AAPL = Instrument.stock("AAPL")
SPY = Instrument.stock("SPY", etf=True)
CALL = Instrument.option("AAPL", dt.date(2026, 12, 18), "150", "C")


class Quotes:
    def __init__(self, *quotes: Quote) -> None:
        self.quotes = {q.key: q for q in quotes}

    def last_quote(self, key: str) -> Quote | None:
        return self.quotes.get(key)


MARKET = Quotes(Quote("AAPL", bid=228.40, ask=228.42, last=228.41))


def preset(**fields: Any) -> OrderPreset:
    table: dict[str, Any] = {"name": "scalp", "instrument": "AAPL", "quantity": "100"} | fields
    return preset_from_table(table)


# -- validation --------------------------------------------------------------------------------
def test_every_problem_is_named_at_its_field() -> None:
    made, errors = read_preset(
        {
            "name": " ",
            "asset_class": "FUT",
            "quantity": "0",
            "order_type": "TRAIL",
            "tif": "SOON",
            "limit_offset_ticks": "1.5",
            "take_profit": "10",
            "stop_loss": "at 220",
        }
    )
    assert made is None
    assert set(errors) == {
        "name",
        "scope",
        "quantity",
        "order_type",
        "tif",
        "limit_offset_ticks",
        "take_profit",
        "stop_loss",
    }
    assert "ticks" in errors["take_profit"] and "%" in errors["take_profit"]
    assert "instrument preset" in errors["stop_loss"]  # absolute price on an asset class


def test_a_preset_is_for_an_instrument_or_an_asset_class_not_both() -> None:
    _, errors = read_preset(
        {"name": "x", "instrument": "AAPL", "asset_class": "STK", "quantity": 1}
    )
    assert "not both" in errors["scope"]
    _, errors = read_preset({"name": "x", "quantity": 1})
    assert "instrument" in errors["scope"]


def test_ioc_with_a_bracket_is_refused_because_the_exits_would_never_rest() -> None:
    _, errors = read_preset(
        {"name": "x", "instrument": "AAPL", "quantity": 1, "tif": "IOC", "stop_loss": "5 ticks"}
    )
    assert "IOC" in errors["tif"]


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("10 ticks", ExitSpec(Decimal(10), ExitUnit.TICKS)),
        ("1 tick", ExitSpec(Decimal(1), ExitUnit.TICKS)),
        ("0.5 %", ExitSpec(Decimal("0.5"), ExitUnit.PERCENT)),
        ("0.5%", ExitSpec(Decimal("0.5"), ExitUnit.PERCENT)),
        ("at 231.50", ExitSpec(Decimal("231.50"), ExitUnit.ABSOLUTE)),
        ("", None),
    ],
)
def test_exits_are_read_in_ticks_percent_or_at_a_price(text: str, spec: ExitSpec | None) -> None:
    assert parse_exit(text) == spec


@pytest.mark.parametrize("text", ["2.5 ticks", "0 ticks", "-1 %", "150 %", "10", "at x"])
def test_unreadable_exits_are_refused(text: str) -> None:
    with pytest.raises(DomainError):
        parse_exit(text)


def test_names_are_unique_and_one_default_per_scope() -> None:
    a = preset(name="A", default=True)
    b = preset(name="a")
    c = preset(name="C", default=True)
    d = preset(name="D", instrument="", asset_class="STK", default=True)
    errors = check_presets([a, b, c, d])
    assert set(errors) == {1, 2}
    assert "named" in errors[1]["name"]
    assert "'A' is already the default for AAPL" in errors[2]["default"]


def test_a_preset_reads_back_from_its_table() -> None:
    made = preset(take_profit="0.8 %", stop_loss="at 225.00", limit_offset_ticks=-2, default=True)
    assert preset_from_table(preset_table(made)) == made


# -- resolution --------------------------------------------------------------------------------
def test_the_instrument_default_wins_over_the_asset_class_default() -> None:
    own = preset(name="AAPL 100", default=True)
    stocks = preset(name="Stocks", instrument="", asset_class="STK", default=True)
    other = preset(name="AAPL 500", quantity="500")
    book = PresetBook([stocks, other, own])
    assert book.default_for(AAPL) is own
    assert [p.name for p in book.for_instrument(AAPL)] == ["AAPL 500", "AAPL 100", "Stocks"]
    assert book.default_for(Instrument.stock("MSFT")) is stocks  # the asset class's default
    assert book.default_for(SPY) is None  # an ETF is not a STK
    assert book.default_for(CALL) is None
    assert book.get("aapl 500") is other


# -- the order a preset stages -----------------------------------------------------------------
def legs_of(
    side: OrderSide, **fields: Any
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    legs = preset_order(preset(**fields), AAPL, side, MARKET)
    tp = legs.take_profit.limit_price if legs.take_profit is not None else None
    sl = legs.stop_loss.stop_price if legs.stop_loss is not None else None
    return legs.parent.limit_price, tp, sl


def test_a_buy_in_ticks_joins_the_bid_and_brackets_it() -> None:
    assert legs_of(OrderSide.BUY, take_profit="10 ticks", stop_loss="5 ticks") == (
        Decimal("228.40"),
        Decimal("228.50"),
        Decimal("228.35"),
    )


def test_a_sell_in_ticks_joins_the_ask_and_brackets_it_the_other_way() -> None:
    assert legs_of(OrderSide.SELL, take_profit="10 ticks", stop_loss="5 ticks") == (
        Decimal("228.42"),
        Decimal("228.32"),
        Decimal("228.47"),
    )


def test_the_limit_offset_moves_the_entry_towards_the_other_side() -> None:
    assert legs_of(OrderSide.BUY, limit_offset_ticks=2)[0] == Decimal("228.42")
    assert legs_of(OrderSide.SELL, limit_offset_ticks=2)[0] == Decimal("228.40")
    assert legs_of(OrderSide.BUY, limit_offset_ticks=-3)[0] == Decimal("228.37")


def test_percent_exits_are_rounded_to_the_tick() -> None:
    # 0.5 % of 228.40 is 1.142 -> 1.14; of 228.42 it is 1.1421 -> 1.14.
    assert legs_of(OrderSide.BUY, take_profit="0.5 %", stop_loss="0.25 %") == (
        Decimal("228.40"),
        Decimal("229.54"),
        Decimal("227.83"),  # 0.571 -> 0.57
    )
    assert legs_of(OrderSide.SELL, take_profit="0.5 %", stop_loss="0.25 %") == (
        Decimal("228.42"),
        Decimal("227.28"),
        Decimal("228.99"),
    )


def test_absolute_exits_stay_where_they_are_and_must_be_on_their_side() -> None:
    assert legs_of(OrderSide.BUY, take_profit="at 231.00", stop_loss="at 226.50")[1:] == (
        Decimal("231.00"),
        Decimal("226.50"),
    )
    assert legs_of(OrderSide.SELL, take_profit="at 226.50", stop_loss="at 231.00")[1:] == (
        Decimal("226.50"),
        Decimal("231.00"),
    )
    with pytest.raises(
        DomainError, match=r"take-profit price 226\.50 must be above the entry 228\.40"
    ):
        legs_of(OrderSide.BUY, take_profit="at 226.50")
    with pytest.raises(DomainError, match=r"stop-loss .*tick"):
        legs_of(OrderSide.BUY, stop_loss="at 226.505")


def test_the_legs_are_opposite_for_the_same_quantity_and_name_their_source() -> None:
    legs = preset_order(
        preset(quantity="300", take_profit="4 ticks", stop_loss="4 ticks", tif="GTC"),
        AAPL,
        OrderSide.BUY,
        MARKET,
        source="ladder",
    )
    assert legs.take_profit is not None and legs.stop_loss is not None
    for leg in (legs.take_profit, legs.stop_loss):
        assert leg.side is OrderSide.SELL and leg.quantity == Decimal(300)
        assert leg.source == "ladder" and leg.tif.value == "GTC"
    assert legs.stop_loss.order_type is OrderType.STOP
    assert legs.parent.quantity == Decimal(300) and legs.parent.tif.value == "GTC"


def test_a_market_preset_brackets_from_the_far_touch() -> None:
    legs = preset_order(
        preset(order_type="MKT", take_profit="10 ticks"), AAPL, OrderSide.BUY, MARKET
    )
    assert legs.parent.order_type is OrderType.MARKET and legs.parent.limit_price is None
    assert legs.entry == Decimal("228.42")
    assert legs.take_profit is not None and legs.take_profit.limit_price == Decimal("228.52")


def test_a_price_from_the_ladder_replaces_the_touch() -> None:
    legs = preset_order(
        preset(stop_loss="5 ticks"), AAPL, OrderSide.BUY, MARKET, price=Decimal("227.00")
    )
    assert legs.parent.limit_price == Decimal("227.00")
    assert legs.stop_loss is not None and legs.stop_loss.stop_price == Decimal("226.95")


def test_no_quote_no_preset_limit_and_another_instrument_is_refused() -> None:
    with pytest.raises(DomainError, match="no bid quote"):
        preset_order(preset(), AAPL, OrderSide.BUY, Quotes())
    with pytest.raises(DomainError, match="is for AAPL, not SPY"):
        preset_order(preset(), SPY, OrderSide.BUY, MARKET)


def test_an_asset_class_preset_applies_to_every_instrument_of_the_class() -> None:
    stocks = preset(instrument="", asset_class=AssetClass.STOCK.value, stop_loss="2 ticks")
    msft = Instrument.stock("MSFT")
    legs = preset_order(stocks, msft, OrderSide.BUY, Quotes(Quote("MSFT", bid=410.0, ask=410.1)))
    assert legs.stop_loss is not None and legs.stop_loss.stop_price == Decimal("409.98")


# -- the settings file -------------------------------------------------------------------------
def test_presets_survive_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    kept = (
        preset(take_profit="10 ticks", stop_loss="at 226.00", default=True),
        preset(name="Stocks", instrument="", asset_class="STK", order_type="MKT"),
    )
    settings = dataclasses.replace(Settings(), presets=kept)
    save_settings(settings, path)
    assert "[[presets]]" in path.read_text(encoding="utf-8")
    assert load_settings(path).presets == kept


def test_a_bad_preset_in_the_file_names_the_preset_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[[presets]]\nname = "fast"\ninstrument = "AAPL"\nquantity = "1"\ntake_profit = "ten"\n',
        encoding="utf-8",
    )
    with pytest.raises(SettingsError, match=r"presets 'fast'\.take_profit"):
        load_settings(path)
    path.write_text(
        '[[presets]]\nname = "a"\ninstrument = "AAPL"\nquantity = "1"\ndefault = true\n'
        '[[presets]]\nname = "b"\ninstrument = "AAPL"\nquantity = "2"\ndefault = true\n',
        encoding="utf-8",
    )
    with pytest.raises(SettingsError, match="already the default for AAPL"):
        load_settings(path)
