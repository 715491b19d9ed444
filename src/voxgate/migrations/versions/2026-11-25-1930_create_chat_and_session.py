"""create chat and session

Revision ID: 5c1a7e2d9f40
Revises: b3d5b3bb6079
Create Date: 2026-11-25 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5c1a7e2d9f40"
down_revision: str | None = "b3d5b3bb6079"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat",
        sa.Column("assistant_id", sa.String(length=36), nullable=True),
        sa.Column("squad_id", sa.String(length=36), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True),
        sa.Column("previous_chat_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_chat_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chat_previous_chat_id"), ["previous_chat_id"], unique=False
        )

    op.create_table(
        "session",
        sa.Column("name", sa.String(length=40), nullable=True),
        sa.Column("assistant_id", sa.String(length=36), nullable=True),
        sa.Column("squad_id", sa.String(length=36), nullable=True),
        sa.Column("phone_number_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_session_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_org_id"))
        batch_op.drop_index(batch_op.f("ix_session_created_at"))
        batch_op.drop_index(batch_op.f("ix_session_assistant_id"))
    op.drop_table("session")
    with op.batch_alter_table("chat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_previous_chat_id"))
        batch_op.drop_index(batch_op.f("ix_chat_org_id"))
        batch_op.drop_index(batch_op.f("ix_chat_created_at"))
        batch_op.drop_index(batch_op.f("ix_chat_assistant_id"))
    op.drop_table("chat")
