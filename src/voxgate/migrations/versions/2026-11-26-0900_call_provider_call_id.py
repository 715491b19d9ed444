"""call.provider_call_id: a carrier's call id as a column, unique within an org

Revision ID: 3b9e5d7a2c41
Revises: 3b7e9c1d5a42
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b9e5d7a2c41"
down_revision: str | None = "3b7e9c1d5a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_call_id", sa.String(length=128), nullable=True))
    # Calls stored before: the id is a plain (never sealed) field of the document.
    read = (
        "data ->> 'phoneCallProviderId'"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(data, '$.phoneCallProviderId')"
    )
    op.execute(f"UPDATE \"call\" SET provider_call_id = NULLIF({read}, '')")
    op.create_index("uq_call_provider_call_id", "call", ["provider_call_id", "org_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_call_provider_call_id", table_name="call")
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("provider_call_id")
