"""create credential: carrier accounts that Telnyx and Vonage numbers name by credentialId

Revision ID: 7a2c4e6f8b10
Revises: 5e7a1c2d9f40
Create Date: 2026-11-26 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7a2c4e6f8b10"
down_revision: str | None = "5e7a1c2d9f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credential_org_id", "credential", ["org_id"])
    op.create_index("ix_credential_created_at", "credential", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_credential_created_at", table_name="credential")
    op.drop_index("ix_credential_org_id", table_name="credential")
    op.drop_table("credential")
