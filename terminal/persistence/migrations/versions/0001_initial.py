"""Initial schema: instruments, orders, fills, alerts, watchlists, settings, layouts, audit.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written by hand, frozen: later schema changes get their own revision, never an edit here.
DEC = 64
HASH = 64


def _dec(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(DEC), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("symbol", sa.String(40), nullable=False),
        sa.Column("asset_class", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("exchange", sa.String(40), nullable=False),
        _dec("tick_size"),
        _dec("multiplier"),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("underlying", sa.String(40), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        _dec("strike", nullable=True),
        sa.Column("right", sa.String(1), nullable=True),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("instrument_key", sa.String(100), nullable=False),
        sa.Column("instrument", sa.JSON(), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        _dec("quantity"),
        sa.Column("order_type", sa.String(16), nullable=False),
        _dec("limit_price", nullable=True),
        _dec("stop_price", nullable=True),
        _dec("trail_amount", nullable=True),
        _dec("trail_percent", nullable=True),
        _dec("limit_offset", nullable=True),
        sa.Column("tif", sa.String(8), nullable=False),
        sa.Column("outside_rth", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=True),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("oca_group", sa.String(64), nullable=True),
        sa.Column("broker_order_id", sa.String(64), nullable=True),
        _dec("filled_quantity"),
        _dec("avg_fill_price", nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_instrument_key", "orders", ["instrument_key"])
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_order_events_order_id", "order_events", ["order_id"])
    op.create_table(
        "fills",
        sa.Column("exec_id", sa.String(100), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("instrument_key", sa.String(100), nullable=False),
        sa.Column("instrument", sa.JSON(), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        _dec("quantity"),
        _dec("price"),
        _dec("commission"),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("broker_order_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_fills_order_id", "fills", ["order_id"])
    op.create_index("ix_fills_time", "fills", ["time"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table(
        "watchlists",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
    )
    op.create_table(
        "watchlist_names",
        sa.Column("name", sa.String(100), primary_key=True),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )
    op.create_table(
        "layouts",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("workstation", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(HASH), nullable=False),
        sa.Column("hash", sa.String(HASH), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(HASH), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )


def downgrade() -> None:
    for index, table in (
        ("ix_alerts_state", "alerts"),
        ("ix_fills_time", "fills"),
        ("ix_fills_order_id", "fills"),
        ("ix_order_events_order_id", "order_events"),
        ("ix_orders_instrument_key", "orders"),
        ("ix_orders_status", "orders"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "audit_head",
        "audit_log",
        "layouts",
        "settings",
        "watchlist_names",
        "watchlists",
        "alerts",
        "fills",
        "order_events",
        "orders",
        "instruments",
    ):
        op.drop_table(table)
