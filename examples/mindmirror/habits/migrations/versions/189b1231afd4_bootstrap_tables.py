"""bootstrap habit tables

Revision ID: 189b1231afd4
Revises:
Create Date: 2025-09-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '189b1231afd4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    cadence = postgresql.ENUM("daily", "weekly", "custom", name="cadence", schema="habits")
    cadence.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "habit_templates",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("slug", sa.Text(), nullable=False, unique=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("cadence", postgresql.ENUM(name="cadence", schema="habits", create_type=False),
                  nullable=False, server_default="daily"),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        schema="habits",
    )
    op.create_table(
        "habit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("user_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("users.users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("habit_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("habits.habit_templates.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.UniqueConstraint("user_id", "habit_id", "occurred_on", name="habit_events_once_per_day"),
        schema="habits",
    )
    op.create_index("habit_events_user_day", "habit_events", ["user_id", "occurred_on"], schema="habits")


def downgrade() -> None:
    op.drop_table("habit_events", schema="habits")
    op.drop_table("habit_templates", schema="habits")
    op.execute("DROP TYPE IF EXISTS habits.cadence")
