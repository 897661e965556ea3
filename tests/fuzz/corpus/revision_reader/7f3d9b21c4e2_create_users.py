"""create users

Revision ID: 7f3d9b21c4e2
Revises: 5a1c0e2b7d01
Create Date: 2025-09-02 10:15:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7f3d9b21c4e2"
down_revision: str = "5a1c0e2b7d01"
branch_labels = None
depends_on = None

account_status = postgresql.ENUM("active", "suspended", "deleted", name="account_status", schema="users")


def upgrade() -> None:
    account_status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "users",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True,
                  server_default=sa.text("gen_random_uuid()")),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("status", postgresql.ENUM(name="account_status", schema="users", create_type=False),
                  nullable=False, server_default="active"),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="users",
    )
    op.create_index("users_email_key", "users", [sa.text("lower(email)")], unique=True, schema="users")
    op.execute("""
        INSERT INTO users.users (id, email, display_name)
        VALUES ('00000000-0000-4000-8000-000000000001', 'demo@mindmirror.example', 'Demo User')
    """)


def downgrade() -> None:
    op.drop_table("users", schema="users")
    account_status.drop(op.get_bind(), checkfirst=True)
