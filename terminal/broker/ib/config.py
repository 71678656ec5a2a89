"""Connection and pacing settings of the IB adapter (from the ``[broker]`` settings)."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.settings import BrokerSettings


@dataclass(frozen=True, slots=True)
class IBConfig:
    host: str = "127.0.0.1"
    port: int = 7497
    client_id: int = 17
    #: The account to trade; empty means the only (or first) managed account.
    account: str = ""
    #: A live (non-paper) account is refused unless this is set (``--live``).
    allow_live: bool = False
    connect_timeout: float = 10.0
    #: Reconnect backoff: first wait, doubling up to the maximum. The first wait is never below
    #: ``client_id_reuse_delay``: TWS frees a client id a moment after the socket closes.
    reconnect_initial: float = 2.0
    reconnect_max: float = 30.0
    client_id_reuse_delay: float = 2.0
    #: IB's concurrent market-data lines (100 for most accounts) and depth subscriptions (3).
    market_data_lines: int = 100
    depth_subscriptions: int = 3
    #: Ask for delayed data where the account has no real-time subscription (shown as delayed).
    delayed_fallback: bool = True
    #: Historical data pacing: at most this many requests per ten minutes, and identical
    #: requests within ``history_repeat_seconds`` are answered from the last result.
    history_requests_per_10min: int = 60
    history_repeat_seconds: float = 15.0
    #: A fill whose commission report has not come after this long is published without it.
    commission_wait: float = 5.0
    #: How long the first account snapshot waits for IB's day P&L (reqPnL) before going without
    #: it (the day P&L is then not established until it comes).
    pnl_wait: float = 3.0

    @classmethod
    def from_settings(cls, broker: BrokerSettings) -> IBConfig:
        return cls(
            host=broker.host,
            port=broker.port,
            client_id=broker.client_id,
            account=broker.account,
            allow_live=broker.live,
            connect_timeout=broker.connect_timeout,
            market_data_lines=broker.market_data_lines,
            depth_subscriptions=broker.depth_subscriptions,
        )
