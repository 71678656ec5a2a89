"""Paper accounts of the simulated exchange, and day P&L baselines per account and date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written by hand, frozen: later schema changes get their own revision, never an edit here.
DEC = 64


def upgrade() -> None:
    op.create_table(
        "paper_accounts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "day_baselines",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("trading_date", sa.Date(), primary_key=True),
        sa.Column("equity", sa.String(DEC), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("day_baselines")
    op.drop_table("paper_accounts")
