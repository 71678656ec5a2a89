"""Settings: typed, validated, read from a TOML file, written back by the settings dialog.

Unknown keys, wrong types and out-of-range values raise :class:`SettingsError` naming the file,
the key and the problem, so a corrupt settings file never becomes a traceback or a silent default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from terminal.domain.errors import DomainError
from terminal.domain.values import MAX_QUANTITY, to_decimal
from terminal.presets.model import (
    OrderPreset,
    PresetError,
    check_presets,
    preset_from_table,
    preset_table,
)


class SettingsError(ValueError):
    """The settings file or a settings value is invalid."""


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Pre-trade and live risk limits. Money in account currency."""

    max_order_quantity: Decimal = Decimal(10_000)
    max_order_notional: Decimal = Decimal(1_000_000)
    #: An order above this fraction of max_order_notional gets a WARN.
    notional_warn_fraction: Decimal = Decimal("0.5")
    max_position_quantity: Decimal = Decimal(50_000)
    max_gross_exposure: Decimal = Decimal(5_000_000)
    #: Largest share of equity one instrument may take after the order.
    max_concentration: Decimal = Decimal("0.10")
    #: Limit/stop further than this from last/NBBO mid: WARN ...
    price_band_warn_percent: Decimal = Decimal(3)
    #: ... and BLOCK beyond this (fat finger). Options use the option bands.
    price_band_block_percent: Decimal = Decimal(10)
    option_price_band_warn_percent: Decimal = Decimal(20)
    option_price_band_block_percent: Decimal = Decimal(50)
    max_open_orders: int = 50
    max_orders_per_second: int = 5
    duplicate_window_seconds: float = 5.0
    #: A day loss beyond this trips the kill switch.
    daily_loss_limit: Decimal = Decimal(25_000)
    #: Risk utilisation at or above this fraction raises an alert.
    utilisation_alert_fraction: Decimal = Decimal("0.8")
    #: A combo whose loss is unbounded (more calls sold than bought): "warn" or "block".
    undefined_risk_combos: str = "warn"
    #: Largest |delta| of one underlying, in shares (stock plus options × multiplier) ...
    max_delta_shares: Decimal = Decimal(50_000)
    #: ... and largest |vega| of one underlying, in money per volatility point: an order that
    #: would take its underlying past either gets the level below ("warn" or "block").
    max_vega: Decimal = Decimal(25_000)
    delta_limit_level: str = "warn"
    vega_limit_level: str = "warn"
    regular_hours_start: dt.time = dt.time(9, 30)
    regular_hours_end: dt.time = dt.time(16, 0)
    market_timezone: str = "America/New_York"


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    kind: str = "sim"
    host: str = "127.0.0.1"
    port: int = 7497
    client_id: int = 17
    account: str = ""
    live: bool = False
    connect_timeout: float = 10.0
    #: IB's concurrent market-data lines and depth subscriptions for this account (100 and 3
    #: unless the account has more, e.g. Quote Booster packs). The adapter refuses beyond them.
    market_data_lines: int = 100
    depth_subscriptions: int = 3


@dataclass(frozen=True, slots=True)
class AlertSettings:
    #: Repeats of the same alert within this window are folded into one (count goes up).
    flood_window_seconds: float = 10.0
    #: At most this many new alerts per window; beyond it one "alerts suppressed" alert.
    max_alerts_per_window: int = 30


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Sounds and desktop notifications per kind of event (see terminal/alerts/notices.py):
    each ``"both"``, ``"sound"``, ``"desktop"`` or ``"off"``. A fill is an order completely
    filled; each partial fill before that is a partial fill."""

    fill: str = "sound"
    partial_fill: str = "off"
    reject: str = "both"
    alert_info: str = "off"
    alert_warning: str = "off"
    alert_critical: str = "both"
    disconnect: str = "both"


NOTIFY_OUTPUTS = ("both", "sound", "desktop", "off")


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """When a market-data feed that went quiet is shown as stale (see marketdata/staleness.py).

    A feed is stale after ``stale_factor`` times its usual gap between updates without one, but
    never before ``stale_min_seconds`` and always after ``stale_max_seconds``; one that has not
    updated at all since it was subscribed, after ``first_update_seconds``.
    """

    stale_factor: float = 10.0
    stale_min_seconds: float = 10.0
    stale_max_seconds: float = 300.0
    first_update_seconds: float = 15.0
    #: Weight of the newest gap in the moving average of a feed's gaps, in (0, 1].
    smoothing: float = 0.1


@dataclass(frozen=True, slots=True)
class TapeSettings:
    """The time & sales tape (see marketdata/tape.py).

    A print is large when its size is at least ``large_multiple`` times the median size of the
    prints the tape holds (once it holds ``MIN_SAMPLE`` of them), or at least ``large_size``
    shares/contracts; either rule is off at 0.
    """

    #: Prints kept per instrument, newest first; older ones fall off the end.
    length: int = 2000
    large_multiple: float = 10.0
    large_size: float = 0.0


@dataclass(frozen=True, slots=True)
class UiSettings:
    theme: str = "dark"
    default_stock_quantity: Decimal = Decimal(100)
    default_option_quantity: Decimal = Decimal(1)
    watchlist: tuple[str, ...] = ("AAPL", "MSFT", "NVDA", "AMZN", "SPY", "QQQ")
    #: Ask before cancel-all removes working orders (it names the protective ones).
    confirm_cancel_all: bool = True
    #: Ask before quitting while positions are open or orders are working.
    confirm_quit: bool = True
    #: Ticket quantities the size-preset keys set (Alt+1 … Alt+5 by default), in order.
    size_presets: tuple[Decimal, ...] = (
        Decimal(100),
        Decimal(200),
        Decimal(500),
        Decimal(1000),
        Decimal(2000),
    )


@dataclass(frozen=True, slots=True)
class SimSettings:
    """The simulated exchange (see docs/simulator.md)."""

    seed: int = 7
    #: A universe TOML file; empty means the packaged ~30 US stocks and ETFs.
    universe_file: str = ""
    #: Seconds between market steps (0.1 = ten batches a second).
    tick_interval: float = 0.1
    #: Share of instruments that requote each step (raise it for a tick storm).
    quote_fraction: float = 0.3
    #: Volatility multiplier: 1 calm, 3 or more a storm.
    storm: float = 1.0
    #: Simulate pre-market / regular / after-hours sessions (else trading around the clock).
    sessions: bool = False
    ack_latency: float = 0.0
    fill_latency: float = 0.0
    starting_cash: Decimal = Decimal(1_000_000)
    commission_per_share: Decimal = Decimal("0.005")
    commission_per_contract: Decimal = Decimal("0.65")
    #: Generate the market in a separate process streaming to the terminal, as a venue does
    #: (false: on the terminal's own event loop, as tests drive it).
    market_process: bool = True


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """This terminal on a desk (several terminals on one PostgreSQL database; docs/desk-mode.md).

    The desk-wide parts (users, roles, the four-eyes policy) live in the database, not here.
    """

    #: This terminal's name on the desk (the audit trail's workstation); empty: the host name.
    #: Two terminals on one host need two names: the terminal that staged an order sends it.
    workstation: str = ""
    #: The desk key that signs audit checkpoints; empty: audit-checkpoint.key in the user config
    #: folder (created on first use).
    checkpoint_key: str = ""
    #: Where checkpoints are written at the end of each session; empty: the user data folder's
    #: ``checkpoints``.
    checkpoint_dir: str = ""
    #: Write a checkpoint of the chain's head when a session on a shared database ends.
    checkpoint_at_stop: bool = True


@dataclass(frozen=True, slots=True)
class AnalyticsSettings:
    """What the terminal keeps for the analytics report (docs/analytics.md)."""

    #: Days of recorded 1-minute price bars (the MAE / MFE of trades) kept; older ones are
    #: forgotten at start-up. 0 keeps them for ever.
    bar_retention_days: int = 400


@dataclass(frozen=True, slots=True)
class Settings:
    risk: RiskLimits = field(default_factory=RiskLimits)
    broker: BrokerSettings = field(default_factory=BrokerSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    tape: TapeSettings = field(default_factory=TapeSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    sim: SimSettings = field(default_factory=SimSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    database_url: str = ""
    trader: str = ""
    #: The trader's own keys, as ``(action, keys)`` pairs (the ``[keymap]`` table of the file:
    #: ``buy_at_bid = "Ctrl+B"``); an action not listed keeps its default key. Only the window
    #: knows the actions and Qt's key names: it reports an unknown action or an unreadable key
    #: and keeps the default for it (see widgets/keymap.py), so a typo never stops the start.
    keymap: tuple[tuple[str, str], ...] = ()
    #: Order presets (the ``[[presets]]`` tables; see terminal/presets/model.py), in the
    #: order the trader keeps them.
    presets: tuple[OrderPreset, ...] = ()


_SECTIONS = {f.name: f for f in fields(Settings)}


def _coerce(where: str, hint: Any, value: Any) -> Any:
    try:
        if hint is Decimal:
            try:
                result = to_decimal(value, where)
            except DomainError as exc:  # names the problem (e.g. scientific notation)
                raise SettingsError(str(exc)) from None
            if result < 0:
                raise SettingsError(f"{where}: must not be negative, got {value!r}")
            return result
        if hint is bool:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError
            if value < 0:
                raise SettingsError(f"{where}: must not be negative, got {value!r}")
            return value
        if hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            if value < 0:
                raise SettingsError(f"{where}: must not be negative, got {value!r}")
            return float(value)
        if hint is str:
            if not isinstance(value, str):
                raise TypeError
            return value
        if hint is dt.time:
            if isinstance(value, dt.time):
                return value
            return dt.time.fromisoformat(str(value))
        if hint == tuple[str, ...]:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise TypeError
            return tuple(value)
        if hint == tuple[Decimal, ...]:
            if not isinstance(value, list | tuple):
                raise TypeError
            return tuple(_coerce(f"{where}[{i}]", Decimal, v) for i, v in enumerate(value))
        if hint == tuple[tuple[str, str], ...]:
            if isinstance(value, tuple):  # built in code (the settings dialog), not read
                value = dict(value)
            if not isinstance(value, dict):
                raise SettingsError(f'{where}: must be a table of action = "keys"')
            for action, keys in value.items():
                if not isinstance(keys, str):
                    raise SettingsError(
                        f'{where}.{action}: keys must be text such as "Ctrl+B", got {keys!r}'
                    )
            return tuple(sorted(value.items()))
        if hint == tuple[OrderPreset, ...]:
            return _presets(where, value)
    except SettingsError:
        raise
    except (TypeError, ValueError, ArithmeticError):
        raise SettingsError(f"{where}: invalid value {value!r}") from None
    raise SettingsError(f"{where}: unsupported setting type {hint}")  # pragma: no cover


def _presets(where: str, value: Any) -> tuple[OrderPreset, ...]:
    if not isinstance(value, list | tuple):
        raise SettingsError(f"{where}: must be [[presets]] tables")
    presets: list[OrderPreset] = []
    for i, item in enumerate(value):
        if isinstance(item, OrderPreset):  # built in code (the preset editor), not read
            presets.append(item)
            continue
        if not isinstance(item, dict):
            raise SettingsError(f"{where}[{i}]: must be a table")
        try:
            presets.append(preset_from_table(item))
        except PresetError as exc:
            name = item.get("name") or f"#{i + 1}"
            field = f".{exc.field}" if exc.field else ""
            raise SettingsError(f"{where} {name!r}{field}: {exc}") from None
    return tuple(presets)


def _build[T](cls: type[T], data: dict[str, Any], where: str) -> T:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"{where}: unknown setting(s): {', '.join(unknown)}")
    values = {k: _coerce(f"{where}.{k}" if where else k, hints[k], v) for k, v in data.items()}
    return cls(**values)


def settings_from_dict(data: dict[str, Any], source: str = "settings") -> Settings:
    """Build validated :class:`Settings` from a parsed TOML document."""
    sections: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SECTIONS:
            raise SettingsError(f"{source}: unknown section or setting {name!r}")
        section_type = get_type_hints(Settings)[name]
        if dataclasses.is_dataclass(section_type):
            if not isinstance(value, dict):
                raise SettingsError(f"{source}: [{name}] must be a table")
            sections[name] = _build(section_type, value, f"{source}: {name}")  # type: ignore[arg-type]
        else:
            sections[name] = _coerce(f"{source}: {name}", section_type, value)
    settings = Settings(**sections)
    validate(settings, source)
    return settings


def validate(settings: Settings, source: str = "settings") -> None:
    """Check cross-field rules that single values cannot express."""
    risk = settings.risk
    if not Decimal(0) < risk.notional_warn_fraction <= 1:
        raise SettingsError(f"{source}: risk.notional_warn_fraction must be in (0, 1]")
    if not Decimal(0) < risk.max_concentration <= 1:
        raise SettingsError(f"{source}: risk.max_concentration must be in (0, 1]")
    if risk.max_order_quantity > MAX_QUANTITY:
        raise SettingsError(
            f"{source}: risk.max_order_quantity must be at most {MAX_QUANTITY:,} "
            "(a larger order is refused as a typo before any limit applies)"
        )
    if risk.undefined_risk_combos not in ("warn", "block"):
        raise SettingsError(
            f'{source}: risk.undefined_risk_combos must be "warn" or "block", '
            f"not {risk.undefined_risk_combos!r}"
        )
    for name in ("delta_limit_level", "vega_limit_level"):
        if getattr(risk, name) not in ("warn", "block"):
            raise SettingsError(
                f'{source}: risk.{name} must be "warn" or "block", not {getattr(risk, name)!r}'
            )
    if risk.price_band_warn_percent > risk.price_band_block_percent:
        raise SettingsError(f"{source}: risk.price_band_warn_percent exceeds the block band")
    if risk.option_price_band_warn_percent > risk.option_price_band_block_percent:
        raise SettingsError(f"{source}: risk.option_price_band_warn_percent exceeds the block band")
    try:
        ZoneInfo(risk.market_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{source}: risk.market_timezone {risk.market_timezone!r} is not a known time zone"
        ) from None
    if risk.regular_hours_start >= risk.regular_hours_end:
        raise SettingsError(f"{source}: risk.regular_hours_start must be before the end")
    feeds = settings.feeds
    if not 0 < feeds.smoothing <= 1:
        raise SettingsError(f"{source}: feeds.smoothing must be in (0, 1]")
    if feeds.stale_min_seconds > feeds.stale_max_seconds:
        raise SettingsError(f"{source}: feeds.stale_min_seconds exceeds feeds.stale_max_seconds")
    for kind in fields(settings.notify):
        output = getattr(settings.notify, kind.name)
        if output not in NOTIFY_OUTPUTS:
            raise SettingsError(
                f"{source}: notify.{kind.name} must be one of {', '.join(NOTIFY_OUTPUTS)}, "
                f"not {output!r}"
            )
    if settings.tape.length < 1:
        raise SettingsError(f"{source}: tape.length must be at least 1")
    if settings.broker.kind not in ("sim", "ib"):
        raise SettingsError(f"{source}: broker.kind must be 'sim' or 'ib'")
    if settings.ui.theme not in ("dark", "light"):
        raise SettingsError(f"{source}: ui.theme must be 'dark' or 'light'")
    if any(size <= 0 for size in settings.ui.size_presets):
        raise SettingsError(f"{source}: ui.size_presets must all be above zero")
    for index, problems in check_presets(settings.presets).items():
        name = settings.presets[index].name
        field, message = next(iter(problems.items()))
        raise SettingsError(f"{source}: presets {name!r}.{field}: {message}")
    if not 0 < settings.broker.port < 65536:
        raise SettingsError(f"{source}: broker.port must be a TCP port")
    if settings.broker.market_data_lines < 1 or settings.broker.depth_subscriptions < 0:
        raise SettingsError(
            f"{source}: broker.market_data_lines must be at least 1 and "
            "broker.depth_subscriptions at least 0"
        )


def _plain(value: Any) -> Any:
    """Return a setting's value as the settings file writes it (for audit records)."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, OrderPreset):
        return preset_table(value)
    return value


def settings_changes(old: Settings, new: Settings) -> dict[str, dict[str, Any]]:
    """Return every setting that differs, by dotted name: ``{"risk.max_order_quantity":
    {"from": "10000", "to": "5000"}}`` (values as the settings file writes them).

    The audit log records this with each change, so a changed risk limit can be traced.
    """
    changes: dict[str, dict[str, Any]] = {}
    for f in fields(Settings):
        before, after = getattr(old, f.name), getattr(new, f.name)
        if dataclasses.is_dataclass(before) and dataclasses.is_dataclass(after):
            pairs = [
                (f"{f.name}.{sub.name}", getattr(before, sub.name), getattr(after, sub.name))
                for sub in fields(before)
            ]
        else:
            pairs = [(f.name, before, after)]
        for name, was, now in pairs:
            if was != now:
                changes[name] = {"from": _plain(was), "to": _plain(now)}
    return changes


def load_settings(path: Path | None) -> Settings:
    """Read settings from ``path``; a missing file gives the defaults.

    Raises:
        SettingsError: the file is not valid TOML or holds an invalid setting.
    """
    if path is None or not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not a valid settings file ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot be read ({exc})") from None
    return settings_from_dict(data, str(path))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Decimal):
        return f'"{value:f}"'  # plain digits: the reader refuses "1E-7"
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def dump_settings(settings: Settings) -> str:
    """Render settings as TOML that :func:`load_settings` reads back identically."""
    top: list[str] = []
    tables: list[str] = []
    for f in fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            tables.append(f"\n[{f.name}]")
            tables.extend(
                f"{sub.name} = {_toml_value(getattr(value, sub.name))}" for sub in fields(value)
            )
        elif f.name == "keymap":
            tables.append(f"\n[{f.name}]")
            tables.extend(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value)
        elif f.name == "presets":
            for preset in value:
                tables.append(f"\n[[{f.name}]]")
                tables.extend(f"{k} = {_toml_value(v)}" for k, v in preset_table(preset).items())
        else:
            top.append(f"{f.name} = {_toml_value(value)}")
    return "\n".join(top + tables) + "\n"


def save_settings(settings: Settings, path: Path) -> None:
    """Write settings atomically (write a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dump_settings(settings), encoding="utf-8")
    tmp.replace(path)
