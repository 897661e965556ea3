"""soft delete templates, lookup codes

Revision ID: 2a3f4c9d1cde
Revises: 189b1231afd4
Create Date: 2025-09-17 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '2a3f4c9d1cde'
down_revision = '189b1231afd4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("habit_templates", sa.Column("is_deleted", sa.Boolean(), nullable=False,
                                               server_default=sa.false()), schema="habits")
    op.create_table(
        "lookup_codes",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("label", sa.Text(), nullable=False),
        schema="habits",
    )
    op.bulk_insert(
        sa.table("lookup_codes", sa.column("code", sa.Text()), sa.column("label", sa.Text()), schema="habits"),
        [{"code": "streak", "label": "Streak"}, {"code": "skip", "label": "Skipped day"}],
    )


def downgrade() -> None:
    op.drop_table("lookup_codes", schema="habits")
    op.drop_column("habit_templates", "is_deleted", schema="habits")
