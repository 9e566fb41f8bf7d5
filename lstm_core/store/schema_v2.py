"""Schema 2 of the run store, frozen: groups of named trainings, their binary parts, removed ids.

Never change these definitions: they are the tables migrate_1_to_2 writes, so a schema-1 store becomes exactly
what schema 2's RunStore wrote, and the later steps start from there. Schema 3 keeps these four tables as
they are and adds classroom rooms beside them.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 2

metadata = sa.MetaData()
schema_info = sa.Table("schema_info", metadata, sa.Column("version", sa.Integer, nullable=False))
run_groups = sa.Table(
    "run_groups", metadata,
    sa.Column("id", sa.String(22), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("opened_at", sa.Float, nullable=False, index=True),
    sa.Column("app_version", sa.String(40), nullable=False),
    sa.Column("lesson", sa.String(40), nullable=True),  # None: the Train page's run
    sa.Column("page_settings", sa.Text, nullable=False),  # the page's own settings, as JSON
    sa.Column("training_count", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),  # of every binary part of every training
)
trainings = sa.Table(
    "trainings", metadata,
    sa.Column("group_id", sa.String(22), sa.ForeignKey("run_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # the order the page gave its trainings in
    sa.Column("training_key", sa.String(128), nullable=True, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # ModelConfig as JSON
    sa.Column("data_spec", sa.Text, nullable=False),  # what the windows were cut from, as JSON
    sa.Column("history", sa.Text, nullable=False),  # {"loss": [...], "val_loss": [...]} as JSON
    sa.Column("epochs_run", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
)
training_parts = sa.Table(
    "training_parts", metadata,
    sa.Column("group_id", sa.String(22), primary_key=True),
    sa.Column("training", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.ForeignKeyConstraint(["group_id", "training"], ["trainings.group_id", "trainings.name"],
                            ondelete="CASCADE"),
)
removed_runs = sa.Table(
    "removed_runs", metadata,
    sa.Column("id", sa.String(22), primary_key=True),
    sa.Column("removed_at", sa.Float, nullable=False, index=True),
)
