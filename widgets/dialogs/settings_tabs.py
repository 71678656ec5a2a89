"""The settings dialog's tabs: every setting with its label, unit, editor and help text; and
which field an error message from :func:`terminal.settings.validate` is about. Qt-free, so the
mapping is easy to test and to extend when a setting is added."""

from __future__ import annotations

import re

from widgets.dialogs.settings_fields import FieldSpec, Group, Tab

F = FieldSpec
MONEY = "USD"
NOTIFY_CHOICES = (
    ("both", "Sound + desktop"),
    ("sound", "Sound"),
    ("desktop", "Desktop"),
    ("off", "Off"),
)

RISK = Tab(
    "risk",
    "Risk limits",
    (
        Group(
            "Per order",
            (
                F(
                    "risk.max_order_quantity",
                    "Max order quantity",
                    "decimal",
                    "shares / contracts",
                    "An order for more than this is blocked.",
                ),
                F(
                    "risk.max_order_notional",
                    "Max order notional",
                    "decimal",
                    MONEY,
                    "An order worth more than this is blocked.",
                ),
                F(
                    "risk.notional_warn_fraction",
                    "Warn above",
                    "decimal",
                    "× max notional",
                    "An order above this fraction of the max notional gets a WARN (0.5 = half).",
                    maximum=1,
                    positive=True,
                ),
                F(
                    "risk.max_open_orders",
                    "Max open orders",
                    "int",
                    "orders",
                    "Staging is blocked while this many orders are open.",
                    maximum=100_000,
                ),
                F(
                    "risk.max_orders_per_second",
                    "Max orders per second",
                    "int",
                    "per second",
                    "Staging faster than this is blocked (runaway clicks, scripts).",
                    maximum=1_000,
                ),
                F(
                    "risk.duplicate_window_seconds",
                    "Duplicate window",
                    "float",
                    "s",
                    "The same order staged again within this time gets a WARN.",
                    maximum=3_600,
                ),
            ),
        ),
        Group(
            "Positions and loss",
            (
                F(
                    "risk.max_position_quantity",
                    "Max position",
                    "decimal",
                    "shares / contracts",
                    "An order that would take a position beyond this is blocked.",
                ),
                F(
                    "risk.max_gross_exposure",
                    "Max gross exposure",
                    "decimal",
                    MONEY,
                    "Sum of absolute position values the account may hold.",
                ),
                F(
                    "risk.max_concentration",
                    "Max concentration",
                    "decimal",
                    "× equity",
                    "Largest share of equity one instrument may take (0.10 = 10 %); with options "
                    "on it, one underlying in delta dollars.",
                    maximum=1,
                    positive=True,
                ),
                F(
                    "risk.daily_loss_limit",
                    "Daily loss limit",
                    "decimal",
                    MONEY,
                    "A day loss beyond this trips the kill switch.",
                ),
                F(
                    "risk.utilisation_alert_fraction",
                    "Alert at utilisation",
                    "decimal",
                    "× limit",
                    "Using this fraction of any limit raises an alert (0.8 = 80 %).",
                    maximum=1,
                    positive=True,
                ),
            ),
        ),
        Group(
            "Greeks per underlying",
            (
                F(
                    "risk.max_delta_shares",
                    "Max delta",
                    "decimal",
                    "shares",
                    "Largest |delta| of one underlying: its stock plus options × multiplier.",
                ),
                F(
                    "risk.delta_limit_level",
                    "Past the delta limit",
                    "choice",
                    "",
                    "What an order that takes an underlying's |delta| past the limit gets.",
                    choices=(("warn", "WARN (override to approve)"), ("block", "BLOCK")),
                ),
                F(
                    "risk.max_vega",
                    "Max vega",
                    "decimal",
                    f"{MONEY} per vol point",
                    "Largest |vega| of one underlying, in money per volatility point.",
                ),
                F(
                    "risk.vega_limit_level",
                    "Past the vega limit",
                    "choice",
                    "",
                    "What an order that takes an underlying's |vega| past the limit gets.",
                    choices=(("warn", "WARN (override to approve)"), ("block", "BLOCK")),
                ),
            ),
        ),
        Group(
            "Price bands (fat finger)",
            (
                F(
                    "risk.price_band_warn_percent",
                    "Stocks: warn beyond",
                    "decimal",
                    "%",
                    "A limit or stop this far from the market gets a WARN.",
                ),
                F(
                    "risk.price_band_block_percent",
                    "Stocks: block beyond",
                    "decimal",
                    "%",
                    "A limit or stop this far from the market is blocked.",
                ),
                F(
                    "risk.option_price_band_warn_percent",
                    "Options: warn beyond",
                    "decimal",
                    "%",
                    "Options use wider bands: WARN beyond this.",
                ),
                F(
                    "risk.option_price_band_block_percent",
                    "Options: block beyond",
                    "decimal",
                    "%",
                    "Options: blocked beyond this.",
                ),
            ),
        ),
        Group(
            "Regular trading hours",
            (
                F(
                    "risk.regular_hours_start",
                    "Opens at",
                    "time",
                    "",
                    "Start of the regular session, in the market time zone.",
                ),
                F(
                    "risk.regular_hours_end",
                    "Closes at",
                    "time",
                    "",
                    "End of the regular session, in the market time zone.",
                ),
                F(
                    "risk.market_timezone",
                    "Market time zone",
                    "timezone",
                    "",
                    "IANA time zone of the market (the trading day and session hours).",
                ),
            ),
        ),
    ),
    columns=2,
)

ORDERS = Tab(
    "orders",
    "Orders",
    (
        Group(
            "Order ticket defaults",
            (
                F(
                    "ui.default_stock_quantity",
                    "Default stock quantity",
                    "decimal",
                    "shares",
                    "Quantity a new stock or ETF ticket starts with.",
                    positive=True,
                ),
                F(
                    "ui.default_option_quantity",
                    "Default option quantity",
                    "decimal",
                    "contracts",
                    "Quantity a new option ticket starts with.",
                    positive=True,
                ),
                F(
                    "ui.size_presets",
                    "Size presets",
                    "sizes",
                    "",
                    "Ticket quantities of the size-preset keys (Alt+1 … Alt+5 by default; "
                    "Settings › Keys), in order, separated by commas.",
                    positive=True,
                    wide=True,
                ),
            ),
        ),
        Group(
            "Confirmations",
            (
                F(
                    "ui.confirm_cancel_all",
                    "Confirm cancel all",
                    "bool",
                    "",
                    "Ask before Cancel all (Ctrl+Shift+X) removes working orders; the question "
                    "names the protective orders (bracket stop-loss / take-profit, OCO) it "
                    "removes. The kill switch never asks.",
                ),
                F(
                    "ui.confirm_quit",
                    "Confirm quit",
                    "bool",
                    "",
                    "Ask before quitting while positions are open or orders are working.",
                ),
            ),
        ),
        Group(
            "Trader",
            (
                F(
                    "trader",
                    "Trader name",
                    "text",
                    "",
                    "Recorded as the actor in the audit trail (empty: the computer user name).",
                ),
            ),
            note="The trader name applies at the next start.",
        ),
    ),
)

ALERTS = Tab(
    "alerts",
    "Alerts",
    (
        Group(
            "Alert flood control",
            (
                F(
                    "alerts.flood_window_seconds",
                    "Flood window",
                    "float",
                    "s",
                    "Repeats of the same alert within this window fold into one (count goes up).",
                    minimum=0.1,
                    maximum=86_400,
                ),
                F(
                    "alerts.max_alerts_per_window",
                    "Max new alerts per window",
                    "int",
                    "alerts",
                    "Beyond this, one 'alerts suppressed' alert stands for the rest.",
                    minimum=1,
                    maximum=10_000,
                ),
            ),
        ),
        Group(
            "Sounds and desktop notifications",
            tuple(
                F(f"notify.{name}", label, "choice", "", help, choices=NOTIFY_CHOICES)
                for name, label, help in (
                    ("fill", "Fill", "An order completely filled."),
                    (
                        "partial_fill",
                        "Partial fill",
                        "Each part of an order filled before the rest.",
                    ),
                    ("reject", "Reject", "The broker rejected an order."),
                    ("alert_info", "Info alert", "A new alert of severity INFO."),
                    ("alert_warning", "Warning alert", "A new or risen alert of severity WARNING."),
                    (
                        "alert_critical",
                        "Critical alert",
                        "A new or risen alert of severity CRITICAL (the kill switch, a breach).",
                    ),
                    ("disconnect", "Disconnect", "The connection to the broker was lost."),
                )
            ),
            note="The sound is the system bell. Desktop notifications need a system tray; "
            "without one the status bar says so. The mute key (Ctrl+Shift+M by default, "
            "Settings › Keys) silences the sounds for this session; notifications still show.",
        ),
    ),
)

BROKER = Tab(
    "broker",
    "Broker connection",
    (
        Group(
            "",
            (
                F(
                    "broker.kind",
                    "Broker",
                    "choice",
                    "",
                    "The simulated exchange or Interactive Brokers (TWS / IB Gateway).",
                    choices=(("sim", "Simulated exchange"), ("ib", "Interactive Brokers")),
                ),
            ),
        ),
        Group(
            "Interactive Brokers (TWS / IB Gateway)",
            (
                F("broker.host", "Host", "text", "", "Where TWS or IB Gateway runs."),
                F(
                    "broker.port",
                    "Port",
                    "port",
                    "",
                    "TWS: 7497 paper, 7496 live. IB Gateway: 4002 paper, 4001 live.",
                ),
                F(
                    "broker.client_id",
                    "Client id",
                    "int",
                    "",
                    "API client id; unique per program connected to the same TWS.",
                    maximum=2_147_483_647,
                ),
                F(
                    "broker.account",
                    "Account",
                    "text",
                    "",
                    "Account id to trade (empty: the first account of the login).",
                ),
                F(
                    "broker.connect_timeout",
                    "Connect timeout",
                    "float",
                    "s",
                    "Give up connecting after this long.",
                    minimum=1,
                    maximum=600,
                    decimals=1,
                ),
                F(
                    "broker.market_data_lines",
                    "Market-data lines",
                    "int",
                    "",
                    "IB's concurrent quote lines for this account (100 unless it has more).",
                    minimum=1,
                    maximum=10_000,
                ),
                F(
                    "broker.depth_subscriptions",
                    "Depth subscriptions",
                    "int",
                    "",
                    "IB's concurrent depth (level 2) streams for this account (3 by default).",
                    minimum=0,
                    maximum=100,
                ),
                F(
                    "broker.live",
                    "Live account",
                    "bool",
                    "",
                    "Allow a live (real money) account. Off: only paper accounts connect.",
                ),
            ),
        ),
    ),
    note="Broker changes take effect at the next start.",
)

DATABASE = Tab(
    "database",
    "Database",
    (
        Group(
            "",
            (
                F(
                    "database_url",
                    "Database URL",
                    "text",
                    "",
                    "sqlite:///path/terminal.db, or postgresql+psycopg://user@host/db for a "
                    "database shared by a desk. Empty: the per-user SQLite file.",
                    wide=True,
                ),
                F(
                    "analytics.bar_retention_days",
                    "Keep price bars",
                    "int",
                    "days",
                    "The 1-minute bars recorded while an instrument has an open order or a "
                    "position (each trade's MAE / MFE) are kept this long. 0: for ever.",
                    maximum=100_000,
                ),
            ),
        ),
    ),
    note="A database change takes effect at the next start; old price bars go at each start.",
)

APPEARANCE = Tab(
    "appearance",
    "Appearance",
    (
        Group(
            "",
            (
                F(
                    "ui.theme",
                    "Theme",
                    "choice",
                    "",
                    "Colours of the whole window.",
                    choices=(("dark", "Dark"), ("light", "Light")),
                ),
                F(
                    "ui.watchlist",
                    "Default watchlist",
                    "symbols",
                    "",
                    "Symbols the watchlist starts with when none was saved yet, separated by "
                    "commas or spaces.",
                    wide=True,
                ),
            ),
            note="The watchlist pane saves your watchlist as you edit it; this list is used "
            "only when none was saved yet.",
        ),
    ),
)

SIMULATOR = Tab(
    "sim",
    "Simulator",
    (
        Group(
            "Market",
            (
                F(
                    "sim.seed",
                    "Random seed",
                    "int",
                    "",
                    "Same seed, same market.",
                    maximum=2_147_483_647,
                ),
                F(
                    "sim.universe_file",
                    "Universe file",
                    "text",
                    "",
                    "A universe TOML file; empty: the packaged US stocks and ETFs.",
                    wide=True,
                ),
                F(
                    "sim.tick_interval",
                    "Tick interval",
                    "float",
                    "s",
                    "Seconds between market steps.",
                    minimum=0.01,
                    maximum=60,
                ),
                F(
                    "sim.quote_fraction",
                    "Quote fraction",
                    "float",
                    "",
                    "Share of instruments that requote each step.",
                    maximum=1,
                ),
                F(
                    "sim.storm",
                    "Volatility",
                    "float",
                    "×",
                    "1 calm, 3 or more a storm.",
                    maximum=100,
                ),
                F(
                    "sim.sessions",
                    "Market sessions",
                    "bool",
                    "",
                    "Simulate pre-market, regular and after-hours sessions.",
                ),
                F(
                    "sim.market_process",
                    "Market in its own process",
                    "bool",
                    "",
                    "Generate the market in a separate process that streams to the terminal, "
                    "as a real venue does, so it never competes with the window.",
                ),
            ),
        ),
        Group(
            "Account and execution",
            (
                F("sim.starting_cash", "Starting cash", "decimal", MONEY, "Cash of a new account."),
                F("sim.commission_per_share", "Commission per share", "decimal", MONEY),
                F("sim.commission_per_contract", "Commission per contract", "decimal", MONEY),
                F(
                    "sim.ack_latency",
                    "Acknowledge latency",
                    "float",
                    "s",
                    "Delay before the exchange acknowledges an order.",
                    maximum=60,
                    decimals=3,
                ),
                F(
                    "sim.fill_latency",
                    "Fill latency",
                    "float",
                    "s",
                    "Delay before an order fills.",
                    maximum=60,
                    decimals=3,
                ),
            ),
        ),
    ),
    columns=2,
    note="Simulator changes take effect at the next start.",
)

TABS: tuple[Tab, ...] = (RISK, ORDERS, ALERTS, BROKER, DATABASE, APPEARANCE, SIMULATOR)

FIELDS: dict[str, FieldSpec] = {f.name: f for t in TABS for g in t.groups for f in g.fields}
TAB_OF: dict[str, Tab] = {f.name: t for t in TABS for g in t.groups for f in g.fields}

_FIELD_IN_MESSAGE = re.compile(r"(?<![\w.])([a-z_]+(?:\.[a-z_]+)?)(?![\w.])")


def field_of_error(message: str) -> str | None:
    """The field a ``SettingsError`` message is about (``"settings: broker.port must be a TCP
    port"`` -> ``"broker.port"``), or None if it names none the dialog shows."""
    for match in _FIELD_IN_MESSAGE.finditer(message):
        if match.group(1) in FIELDS:
            return match.group(1)
    return None


def describe_error(name: str, message: str) -> str:
    """``Risk limits › Max order quantity: must not be negative`` for the message at the top."""
    spec, tab = FIELDS[name], TAB_OF[name]
    text = message
    if ": " in text and text.split(": ", 1)[0] in ("settings", name):
        text = text.split(": ", 1)[1]
    text = text.removeprefix(name).lstrip(" :")
    return f"{tab.title} › {spec.label}: {text}"
