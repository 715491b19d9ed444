"""call.post_call: a call's post-call work, due until done (control/call/post_call.py)

Revision ID: 3b7e9c1d5a42
Revises: 8d2f6a4c1e73
Create Date: 2026-11-26 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3b7e9c1d5a42"
down_revision: str | None = "8d2f6a4c1e73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "post_call",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("post_call_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_call_post_call_due"), ["post_call_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_post_call_due"))
        batch_op.drop_column("post_call_due")
        batch_op.drop_column("post_call")
