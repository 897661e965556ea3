"""create journal entries

Revision ID: 0b8e6d4a2f10
Revises:
Create Date: 2025-09-04 08:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0b8e6d4a2f10"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("users.users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mood", sa.SmallInteger(), sa.CheckConstraint("mood BETWEEN 1 AND 5", name="entries_mood_range")),
        sa.Column("payload", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="journal",
    )
    op.create_index("entries_user_created", "entries", ["user_id", sa.text("created_at DESC")], schema="journal")
    op.create_index("entries_payload", "entries", ["payload"], postgresql_using="gin", schema="journal")


def downgrade() -> None:
    op.drop_table("entries", schema="journal")
