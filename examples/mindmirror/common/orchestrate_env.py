"""Shared Alembic environment for the mindmirror services.

Each service's migrations/env.py calls run(schema=...). The database comes from DATABASE_URL (set by
orchestrate for every child it starts); the version table lives in the service's own schema, so
services never share one alembic_version table.
"""
import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool


def run(schema: str) -> None:
    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set: export it (postgresql://...) or run through `orchestrate up`")
    create_schema = f'CREATE SCHEMA IF NOT EXISTS "{schema}"'
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, version_table_schema=schema,
                          dialect_opts={"paramstyle": "named"})
        with context.begin_transaction():
            context.execute(create_schema)
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, version_table_schema=schema)
        with context.begin_transaction():
            # Inside the migration transaction, before Alembic creates its version table there.
            context.execute(create_schema)
            context.run_migrations()
