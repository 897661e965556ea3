"""create practice sessions

A practice session is a user's guided routine built from movements.exercises.

Revision ID: 9c4b7e1d5f28
Revises:
Create Date: 2025-09-10 17:20:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9c4b7e1d5f28"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routines",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("users.users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        schema="practices",
    )
    op.create_table(
        "routine_steps",
        sa.Column("routine_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("practices.routines.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.SmallInteger(), primary_key=True),
        sa.Column("exercise_id", sa.Integer(), sa.ForeignKey("movements.exercises.id"), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        schema="practices",
    )


def downgrade() -> None:
    op.drop_table("routine_steps", schema="practices")
    op.drop_table("routines", schema="practices")
