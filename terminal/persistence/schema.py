"""The database schema as SQLAlchemy ORM classes.

Decimals are stored as their exact string form (``str(Decimal)``), never as floating point, so
prices and quantities read back exactly on SQLite and PostgreSQL alike. Datetimes are stored in
UTC and come back timezone-aware. ``migrations/versions`` must create exactly these tables; an
integration test compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Double,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Wide enough for any Decimal the domain accepts, exponent notation included.
DECIMAL_LENGTH = 64
#: Length of a hex SHA-256 digest.
HASH_LENGTH = 64
#: Room for a combo's key ("SPY COMBO +1 SPY 20260116 P 380 -1 ..." names every leg).
COMBO_KEY_LENGTH = 400


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A datetime stored in UTC and returned timezone-aware.

    SQLite has no timezone support and returns naive values; storing every value in UTC makes a
    naive value read back unambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        value = value.astimezone(dt.UTC)
        # SQLite would store the offset text and then compare strings; keep one format.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _decimal() -> Mapped[str]:
    return mapped_column(String(DECIMAL_LENGTH))


def _decimal_or_none() -> Mapped[str | None]:
    return mapped_column(String(DECIMAL_LENGTH), nullable=True)


class Base(DeclarativeBase):
    """Base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime}


class InstrumentRow(Base):
    __tablename__ = "instruments"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(40))
    asset_class: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(8))
    exchange: Mapped[str] = mapped_column(String(40))
    tick_size: Mapped[str] = _decimal()
    multiplier: Mapped[str] = _decimal()
    description: Mapped[str] = mapped_column(String(200))
    underlying: Mapped[str | None] = mapped_column(String(40), nullable=True)
    expiry: Mapped[dt.date | None] = mapped_column(nullable=True)
    strike: Mapped[str | None] = _decimal_or_none()
    right: Mapped[str | None] = mapped_column(String(1), nullable=True)


class OrderRow(Base):
    """The latest snapshot of one order (upserted on every change)."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status", "status"),
        Index("ix_orders_instrument_key", "instrument_key"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Wide enough for a combo's key, which names every leg (migration 0004).
    instrument_key: Mapped[str] = mapped_column(String(COMBO_KEY_LENGTH))
    instrument: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: A combo order's legs (codec.combo_to_json); NULL for every other order.
    combo: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: A combo order's fills per leg (key, quantity, average price); NULL for other orders.
    legs_filled: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[str] = _decimal()
    order_type: Mapped[str] = mapped_column(String(16))
    limit_price: Mapped[str | None] = _decimal_or_none()
    stop_price: Mapped[str | None] = _decimal_or_none()
    trail_amount: Mapped[str | None] = _decimal_or_none()
    trail_percent: Mapped[str | None] = _decimal_or_none()
    limit_offset: Mapped[str | None] = _decimal_or_none()
    tif: Mapped[str] = mapped_column(String(8))
    outside_rth: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24))
    role: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    oca_group: Mapped[str | None] = mapped_column(String(64), nullable=True)
    broker_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filled_quantity: Mapped[str] = _decimal()
    avg_fill_price: Mapped[str | None] = _decimal_or_none()
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    extra: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class OrderEventRow(Base):
    """One line of an order's history. No foreign key: history may arrive before the snapshot."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str] = mapped_column(Text)


class FillRow(Base):
    __tablename__ = "fills"

    exec_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    instrument_key: Mapped[str] = mapped_column(String(100))
    instrument: Mapped[dict[str, Any]] = mapped_column(JSON)
    side: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[str] = _decimal()
    price: Mapped[str] = _decimal()
    commission: Mapped[str] = _decimal()
    time: Mapped[dt.datetime] = mapped_column(index=True)
    broker_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    severity: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), index=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer)
    last_raised_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class WatchlistRow(Base):
    """One entry of a named watchlist; ``position`` keeps the trader's order."""

    __tablename__ = "watchlists"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))


class WatchlistNameRow(Base):
    """Every watchlist by name, so that an empty watchlist survives a restart."""

    __tablename__ = "watchlist_names"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)


class SettingRow(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class LayoutRow(Base):
    __tablename__ = "layouts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PaperAccountRow(Base):
    """A simulated venue's paper account (``persistence/paper_codec.py``), one row per account."""

    __tablename__ = "paper_accounts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime]


class DayBaselineRow(Base):
    """The equity a trading day's P&L is measured from, per account and trading date."""

    __tablename__ = "day_baselines"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trading_date: Mapped[dt.date] = mapped_column(primary_key=True)
    equity: Mapped[str] = _decimal()
    taken_at: Mapped[dt.datetime]


class PriceBarRow(Base):
    """One closed price bar of an instrument the trader traded (``marketdata/recorder.py``),
    for the MAE / MFE of trades (migration 0005). Prices are floats, as market data is
    everywhere else; the primary key is how the report reads them (one instrument, a span)."""

    __tablename__ = "price_bars"

    instrument_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: The bar's length (60: one minute).
    seconds: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    open: Mapped[float] = mapped_column(Double)
    high: Mapped[float] = mapped_column(Double)
    low: Mapped[float] = mapped_column(Double)
    close: Mapped[float] = mapped_column(Double)
    volume: Mapped[float] = mapped_column(Double)


class AuditRow(Base):
    """One audit record. ``details`` is the canonical JSON text that was hashed."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    workstation: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class AuditHeadRow(Base):
    """The chain head (one row), written with each record so that a cut-off tail shows."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class DeskUserRow(Base):
    """A desk user (docs/desk-mode.md): a role, and an Argon2id hash of the password."""

    __tablename__ = "desk_users"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime]
