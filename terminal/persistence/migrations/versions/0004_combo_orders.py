"""Combo orders (issue 16): an order's legs and its fills per leg; keys long enough for combos.

Follows 0003 (desk users): the revisions form one line. ``orders.combo`` holds a combo order's
legs and ``orders.legs_filled`` what each leg has filled (both NULL for every other order);
``orders.instrument_key`` widens from 100 to 400 characters, because a combo's key names every
leg. Existing rows are untouched.

Revision ID: 0004_combo_orders
Revises: 0003_desk_users
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_combo_orders"
down_revision: str | None = "0003_desk_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot widen a column in place (the table is copied); PostgreSQL
    # alters it directly.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("combo", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("legs_filled", sa.JSON(), nullable=True))
        batch.alter_column(
            "instrument_key",
            existing_type=sa.String(100),
            type_=sa.String(400),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.alter_column(
            "instrument_key",
            existing_type=sa.String(400),
            type_=sa.String(100),
            existing_nullable=False,
        )
        batch.drop_column("legs_filled")
        batch.drop_column("combo")
