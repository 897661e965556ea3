"""entry kinds and prompts

Revision ID: 6d2f0c8b1a37
Revises: 0b8e6d4a2f10
Create Date: 2025-10-02 12:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "6d2f0c8b1a37"
down_revision = "0b8e6d4a2f10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    kind = postgresql.ENUM("free", "gratitude", "reflection", name="entry_kind", schema="journal")
    kind.create(op.get_bind(), checkfirst=True)
    op.add_column("entries", sa.Column("kind", postgresql.ENUM(name="entry_kind", schema="journal", create_type=False),
                                       nullable=False, server_default="free"), schema="journal")
    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("kind", postgresql.ENUM(name="entry_kind", schema="journal", create_type=False), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        schema="journal",
    )


def downgrade() -> None:
    op.drop_table("prompts", schema="journal")
    op.drop_column("entries", "kind", schema="journal")
    op.execute("DROP TYPE IF EXISTS journal.entry_kind")
