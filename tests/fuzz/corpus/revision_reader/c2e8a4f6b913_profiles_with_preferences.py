"""profiles with preferences

Adds one profile per user, and fills it for the users that already exist (a data migration).

Revision ID: c2e8a4f6b913
Revises: 7f3d9b21c4e2
Create Date: 2025-09-20 16:40:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c2e8a4f6b913"
down_revision = "7f3d9b21c4e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("user_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("users.users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("timezone", sa.Text(), nullable=False, server_default="UTC"),
        sa.Column("preferences", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="users",
    )
    # Data migration: every existing user gets a profile with the default reminder settings.
    op.execute("""
        INSERT INTO users.profiles (user_id, preferences)
        SELECT id, jsonb_build_object('reminders', true, 'weekly_digest', 'monday')
        FROM users.users
        ON CONFLICT (user_id) DO NOTHING
    """)


def downgrade() -> None:
    op.drop_table("profiles", schema="users")
