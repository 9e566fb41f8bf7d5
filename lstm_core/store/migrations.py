"""The run store's migrations: each step rewrites one schema as the next, in plain SQLAlchemy Core.

A step runs inside the caller's transaction, so a step that fails leaves the store exactly as it was, on
SQLite (whose DDL is transactional once the store begins its own transactions) as on PostgreSQL. Rows are
copied inside the database (INSERT ... SELECT): the binary parts never pass through Python.
"""

from __future__ import annotations

import sqlalchemy as sa

from lstm_core.store import schema, schema_v1, schema_v2, schema_v3


def migrate_1_to_2(connection: sa.Connection) -> None:
    """Rewrite a schema-1 store as schema 2: each schema-1 run becomes a run of one training named "", same id."""
    # The targets are schema 2's frozen tables, so this step writes what schema 2 wrote whatever comes later.
    old_runs, old_parts = schema_v1.runs, schema_v1.run_parts
    new_tables = [schema_v2.run_groups, schema_v2.trainings, schema_v2.training_parts, schema_v2.removed_runs]
    schema_v2.metadata.create_all(connection, tables=new_tables)
    connection.execute(schema_v2.run_groups.insert().from_select(
        ["id", "created_at", "opened_at", "app_version", "lesson", "page_settings", "training_count",
         "size_bytes"],
        sa.select(old_runs.c.id, old_runs.c.created_at, old_runs.c.opened_at, old_runs.c.app_version,
                  old_runs.c.lesson, sa.literal("{}", sa.Text), sa.literal(1, sa.Integer), old_runs.c.size_bytes)))
    connection.execute(schema_v2.trainings.insert().from_select(
        ["group_id", "name", "position", "training_key", "status", "message", "settings", "data_spec", "history",
         "epochs_run", "size_bytes"],
        sa.select(old_runs.c.id, sa.literal("", sa.String), sa.literal(0, sa.Integer),
                  sa.cast(sa.null(), sa.String), old_runs.c.status, old_runs.c.message, old_runs.c.settings,
                  old_runs.c.data_spec, old_runs.c.history, old_runs.c.epochs_run, old_runs.c.size_bytes)))
    connection.execute(schema_v2.training_parts.insert().from_select(
        ["group_id", "training", "name", "data"],
        sa.select(old_parts.c.run_id, sa.literal("", sa.String), old_parts.c.name, old_parts.c.data)))
    old_parts.drop(connection)
    old_runs.drop(connection)
    connection.execute(schema_v2.schema_info.update().values(version=2))


def migrate_2_to_3(connection: sa.Connection) -> None:
    """Rewrite a schema-2 store as schema 3: the classroom rooms' two tables join it, every run untouched."""
    schema_v3.metadata.create_all(connection, tables=[schema_v3.rooms, schema_v3.room_posts])
    connection.execute(schema_v3.schema_info.update().values(version=schema_v3.VERSION))


def migrate_3_to_4(connection: sa.Connection) -> None:
    """Rewrite a schema-3 store as schema 4: answers and rooms' pacing states join it, runs and rooms untouched."""
    schema.metadata.create_all(connection, tables=[schema.answers, schema.room_states])
    connection.execute(schema.schema_info.update().values(version=4))


STEPS = {1: migrate_1_to_2, 2: migrate_2_to_3, 3: migrate_3_to_4}  # the step that starts from each old version


def migrate(connection: sa.Connection, version: int) -> int:
    """Apply every step from version up to the current schema on connection; return the version reached."""
    while version < schema.VERSION:
        STEPS[version](connection)
        version += 1
    return version
