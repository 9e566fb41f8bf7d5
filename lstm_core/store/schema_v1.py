"""Schema 1 of the run store, frozen: the tables the first stores were written with, where migrations start.

Never change these definitions: a store written by schema 1 holds exactly these tables, one training per
row of ``runs`` and its binary parts in ``run_parts``. The tests build a genuine schema-1 store from them.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 1

metadata = sa.MetaData()
schema_info = sa.Table("schema_info", metadata, sa.Column("version", sa.Integer, nullable=False))
runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.String(22), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("app_version", sa.String(40), nullable=False),
    sa.Column("lesson", sa.String(40), nullable=True),  # None: the Train page's run
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # ModelConfig as JSON
    sa.Column("data_spec", sa.Text, nullable=False),  # what the windows were cut from, as JSON
    sa.Column("history", sa.Text, nullable=False),  # {"loss": [...], "val_loss": [...]} as JSON
    sa.Column("epochs_run", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),  # of every binary part together
)
run_parts = sa.Table(
    "run_parts", metadata,
    sa.Column("run_id", sa.String(22), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
