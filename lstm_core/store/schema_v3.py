"""Schema 3 of the run store, frozen: schema 2's tables of runs, and classroom rooms with their posts.

Never change these definitions: they are the tables migrate_2_to_3 writes, so a schema-2 store becomes exactly
what schema 3's RunStore wrote, and the later steps start from there. Schema 4 keeps every table here as it is
and adds learners' answers and each room's pacing state beside them.
"""

from __future__ import annotations

import sqlalchemy as sa

from lstm_core.store import schema_v2

VERSION = 3

metadata = sa.MetaData()
for _table in schema_v2.metadata.sorted_tables:  # schema 3 kept schema 2's tables unchanged
    _table.to_metadata(metadata)
schema_info = metadata.tables["schema_info"]
rooms = sa.Table(
    "rooms", metadata,
    sa.Column("code", sa.String(6), primary_key=True),  # upper case, from the join alphabet
    sa.Column("teacher_hash", sa.String(64), nullable=False),  # never the secret itself
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),  # None: the teacher has not closed it
    sa.Column("prompt", sa.Text, nullable=False, server_default=""),
    sa.Column("hidden_nicknames", sa.Text, nullable=False, server_default="[]"),  # a JSON list of strings
)
room_posts = sa.Table(
    "room_posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_code", sa.String(6), sa.ForeignKey("rooms.code", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("posted_at", sa.Float, nullable=False),
    sa.Column("nickname", sa.String(32), nullable=False),  # plain text, never markup
    sa.Column("run_id", sa.String(22), nullable=True),  # the run the post opens, if it was kept
    sa.Column("training", sa.String(40), nullable=True),
    sa.Column("lesson", sa.String(40), nullable=True),
    sa.Column("settings", sa.Text, nullable=False),  # the model's settings, as JSON
    sa.Column("scores", sa.Text, nullable=False),  # test_mse, score, skills, seconds..., as JSON
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
)
