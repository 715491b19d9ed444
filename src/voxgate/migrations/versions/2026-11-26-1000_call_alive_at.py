"""call.alive_at: the running process's heartbeat, so a process cut off from Redis keeps its calls

Revision ID: 6c1f4e8b9a27
Revises: 3b9e5d7a2c41
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c1f4e8b9a27"
down_revision: str | None = "3b9e5d7a2c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no backfill: a call never touched counts from its last write (heartbeat.py).
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alive_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("alive_at")
