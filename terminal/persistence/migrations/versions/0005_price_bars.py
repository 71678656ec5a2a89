"""Price bars (issue 18): the closed 1-minute bars of the instruments the trader traded, so the
analytics report can measure each trade's MAE / MFE.

Follows 0004 (combo orders): the revisions form one line. A new table; nothing else changes.
The primary key (instrument, bar length, start) is the report's read: one instrument's bars
over a span.

Revision ID: 0005_price_bars
Revises: 0004_combo_orders
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_price_bars"
down_revision: str | None = "0004_combo_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "price_bars",
        sa.Column("instrument_key", sa.String(100), primary_key=True),
        sa.Column("seconds", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("start", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("open", sa.Double(), nullable=False),
        sa.Column("high", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=False),
        sa.Column("close", sa.Double(), nullable=False),
        sa.Column("volume", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("price_bars")
