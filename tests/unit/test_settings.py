"""Settings files: defaults, round trip, and clear errors for corrupt or invalid files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from terminal.settings import Settings, SettingsError, load_settings, save_settings


def test_missing_file_gives_defaults() -> None:
    assert load_settings(Path("/nonexistent/settings.toml")) == Settings()


def test_saved_settings_read_back_identically(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    base = load_settings(None)
    from dataclasses import replace

    changed = replace(
        base, risk=replace(base.risk, max_order_quantity=Decimal(250), max_open_orders=7)
    )
    save_settings(changed, path)
    assert load_settings(path) == changed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[risk\nmax_order_quantity = 1", "not a valid settings file"),
        ("[risk]\nmax_order_qty = 1\n", "unknown setting.*max_order_qty"),
        ("[risk]\nmax_open_orders = 'many'\n", "max_open_orders: invalid value"),
        ("[risk]\nmax_order_notional = -5\n", "must not be negative"),
        ("[risk]\nmax_concentration = 2\n", "max_concentration must be in"),
        ("[broker]\nkind = 'etrade'\n", "broker.kind"),
        ("[broker]\nmarket_data_lines = 0\n", "market_data_lines must be at least 1"),
        ("[ui]\ntheme = 'pink'\n", "ui.theme"),
        ("bogus = 1\n", "unknown section or setting 'bogus'"),
        ("[risk]\nmarket_timezone = 'Mars/Olympus'\n", "not a known time zone"),
        ("[risk]\noption_price_band_warn_percent = 60\n", "option_price_band_warn_percent"),
        ("[risk]\nmax_order_quantity = 2000000\n", "max_order_quantity must be at most 1,000,000"),
        ("[risk]\nmax_order_notional = '1e6'\n", "no scientific notation"),
    ],
)
def test_invalid_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(path)


def test_tiny_decimals_are_saved_as_plain_digits_and_read_back(tmp_path: Path) -> None:
    # str(Decimal("0.0000001")) is "1E-7", which the reader refuses as scientific notation.
    from dataclasses import replace

    path = tmp_path / "settings.toml"
    base = Settings()
    changed = replace(base, sim=replace(base.sim, commission_per_share=Decimal("0.0000001")))
    save_settings(changed, path)
    assert "1E-7" not in path.read_text(encoding="utf-8")
    assert load_settings(path) == changed


def test_numbers_may_be_written_as_plain_toml_numbers(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[risk]\nmax_order_notional = 250000\nmax_concentration = 0.2\n", encoding="utf-8"
    )
    risk = load_settings(path).risk
    assert risk.max_order_notional == Decimal(250000) and risk.max_concentration == Decimal("0.2")


def test_sim_section_configures_the_simulator(tmp_path: Path) -> None:
    from terminal.broker.sim.factory import sim_broker_from_settings
    from terminal.domain import ManualClock

    universe = tmp_path / "universe.toml"
    universe.write_text(
        '[[instrument]]\nsymbol = "ACME"\nprice = 12.5\nvol = 0.4\nadv = 1000000\n',
        encoding="utf-8",
    )
    path = tmp_path / "settings.toml"
    path.write_text(
        f"[sim]\nseed = 3\nuniverse_file = '{universe}'\nstorm = 3.0\ncommission_per_share = 0.01\n",
        encoding="utf-8",
    )
    broker = sim_broker_from_settings(load_settings(path).sim, ManualClock())
    assert [s.symbol for s in broker.config.universe] == ["ACME"]
    assert broker.config.storm == 3.0
    assert broker.config.commissions.per_share == Decimal("0.01")


def test_bad_sim_universe_is_a_settings_error(tmp_path: Path) -> None:
    from terminal.broker.sim.factory import sim_broker_from_settings
    from terminal.domain import ManualClock

    path = tmp_path / "settings.toml"
    path.write_text(f"[sim]\nuniverse_file = '{tmp_path / 'missing.toml'}'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="sim:"):
        sim_broker_from_settings(load_settings(path).sim, ManualClock())


def test_broker_limits_reach_the_ib_adapter(tmp_path: Path) -> None:
    from terminal.broker.ib.config import IBConfig

    path = tmp_path / "settings.toml"
    path.write_text("[broker]\nmarket_data_lines = 300\ndepth_subscriptions = 5\n")
    config = IBConfig.from_settings(load_settings(path).broker)
    assert (config.market_data_lines, config.depth_subscriptions) == (300, 5)


def test_the_keymap_and_size_presets_read_back_identically(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "settings.toml"
    base = Settings()
    changed = replace(
        base,
        keymap=(("buy_at_bid", "Ctrl+B"), ("sell_at_bid", 'Ctrl+"')),
        ui=replace(base.ui, size_presets=(Decimal(1), Decimal("2.5"))),
    )
    save_settings(changed, path)
    assert "[keymap]" in path.read_text(encoding="utf-8")
    assert load_settings(path) == changed


def test_a_keymap_entry_is_kept_as_text_for_the_window_to_check(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[keymap]\nno_such_action = "Shft+F5"\n', encoding="utf-8")
    assert load_settings(path).keymap == (("no_such_action", "Shft+F5"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[keymap]\nbuy_at_bid = 5\n", "keymap.buy_at_bid: keys must be text"),
        ('keymap = "F5"\n', "keymap: must be a table"),
        ("[ui]\nsize_presets = [100, 0]\n", "ui.size_presets must all be above zero"),
        ('[ui]\nsize_presets = "100"\n', "ui.size_presets: invalid value"),
    ],
)
def test_a_keymap_or_size_preset_of_the_wrong_type_names_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(path)
