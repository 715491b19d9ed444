"""create resources

Revision ID: b3d5b3bb6079
Revises:
Create Date: 2026-11-25 15:20:28.146910
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b3d5b3bb6079"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "server", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_org_id"), ["org_id"], unique=False)

    op.create_table(
        "assistant",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistant_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistant_org_id"), ["org_id"], unique=False)

    op.create_table(
        "call",
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("assistant_id", sa.String(length=36), nullable=True),
        sa.Column("phone_number_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_phone_number_id"), ["phone_number_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_call_status"), ["status"], unique=False)

    op.create_table(
        "file",
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_org_id"), ["org_id"], unique=False)

    op.create_table(
        "phone_number",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("sip_uri", sa.String(length=256), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phone_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_number_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_phone_number_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_number_org_id"), ["org_id"], unique=False)

    op.create_table(
        "squad",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("squad", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_squad_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_squad_org_id"), ["org_id"], unique=False)

    op.create_table(
        "tool",
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["org.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_org_id"))
        batch_op.drop_index(batch_op.f("ix_tool_created_at"))

    op.drop_table("tool")
    with op.batch_alter_table("squad", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_squad_org_id"))
        batch_op.drop_index(batch_op.f("ix_squad_created_at"))

    op.drop_table("squad")
    with op.batch_alter_table("phone_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_number_org_id"))
        batch_op.drop_index(batch_op.f("ix_phone_number_number"))
        batch_op.drop_index(batch_op.f("ix_phone_number_created_at"))

    op.drop_table("phone_number")
    with op.batch_alter_table("file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_org_id"))
        batch_op.drop_index(batch_op.f("ix_file_created_at"))

    op.drop_table("file")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_status"))
        batch_op.drop_index(batch_op.f("ix_call_phone_number_id"))
        batch_op.drop_index(batch_op.f("ix_call_org_id"))
        batch_op.drop_index(batch_op.f("ix_call_created_at"))
        batch_op.drop_index(batch_op.f("ix_call_assistant_id"))

    op.drop_table("call")
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistant_org_id"))
        batch_op.drop_index(batch_op.f("ix_assistant_created_at"))

    op.drop_table("assistant")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_org_id"))

    op.drop_table("api_key")
    op.drop_table("org")
