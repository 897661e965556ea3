"""roles and auth helpers

Creates the database roles the RLS policies name (authenticated, service_role) and auth.uid(), which
reads the caller's user id from the request settings the API sets per transaction.

Revision ID: 5a1c0e2b7d01
Revises:
Create Date: 2025-09-01 09:00:00
"""
from alembic import op

revision = "5a1c0e2b7d01"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Roles are cluster-wide: create them only when missing, and tolerate a concurrent creator.
    for role in ("authenticated", "service_role"):
        op.execute(f"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} NOLOGIN;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END
            $$;
        """)
    op.execute("CREATE SCHEMA IF NOT EXISTS auth")
    op.execute("""
        CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
        LANGUAGE sql STABLE
        AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$
    """)
    op.execute("GRANT USAGE ON SCHEMA auth TO authenticated, service_role")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS auth.uid()")
    op.execute("DROP SCHEMA IF EXISTS auth")
