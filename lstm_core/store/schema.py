"""Schema 4 of the run store, the current one: runs of named trainings, their binary parts, removed ids,
classroom rooms with their posts, learners' answers and each room's pacing state.

A run is what a link ``?run=<id>`` opens: one page's record (its lesson and settings) with one or more
named trainings. Its table is ``run_groups`` (a run was called a group when schema 2 was written; why the
name stays is in lstm_core.store.runs). ``removed_runs`` remembers the ids that retention or the size caps
removed, so a link to one of them can say "expired" rather than "unknown". A room is what a class joins by a
short code: the teacher's prompt and the scores its students post, each post naming the run it opens.
Schema 3 added the rooms to schema 2's tables. Schema 4 adds ``answers`` (one per learner and question, in a
room or alone: predictions, sketches, guided progress, exit tickets) and ``room_states`` (one small row per
room that every learner's page polls: what the teacher pushed, locked, hid or revealed), keeping the rest.
"""

from __future__ import annotations

import sqlalchemy as sa

VERSION = 4
ID_LENGTH = 22
NAME_LENGTH = 40
TRAINING_KEY_LENGTH = 128
ROOM_CODE_LENGTH = 6
NICKNAME_LENGTH = 32
TEACHER_HASH_LENGTH = 64  # a SHA-256 digest in hex
LEARNER_ID_LENGTH = 22  # 128 bits, URL-safe base64
QUESTION_KEY_LENGTH = 80

metadata = sa.MetaData()
schema_info = sa.Table("schema_info", metadata, sa.Column("version", sa.Integer, nullable=False))
run_groups = sa.Table(
    "run_groups", metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("opened_at", sa.Float, nullable=False, index=True),
    sa.Column("app_version", sa.String(40), nullable=False),
    sa.Column("lesson", sa.String(NAME_LENGTH), nullable=True),  # None: the Train page's run
    sa.Column("page_settings", sa.Text, nullable=False),  # the page's own settings, as JSON
    sa.Column("training_count", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),  # of every binary part of every training
)
trainings = sa.Table(
    "trainings", metadata,
    sa.Column("group_id", sa.String(ID_LENGTH), sa.ForeignKey("run_groups.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # the order the page gave its trainings in
    sa.Column("training_key", sa.String(TRAINING_KEY_LENGTH), nullable=True, index=True),
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
    sa.Column("group_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("training", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("name", sa.String(NAME_LENGTH), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.ForeignKeyConstraint(["group_id", "training"], ["trainings.group_id", "trainings.name"],
                            ondelete="CASCADE"),
)
removed_runs = sa.Table(
    "removed_runs", metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("removed_at", sa.Float, nullable=False, index=True),
)
rooms = sa.Table(
    "rooms", metadata,
    sa.Column("code", sa.String(ROOM_CODE_LENGTH), primary_key=True),  # upper case, from the join alphabet
    sa.Column("teacher_hash", sa.String(TEACHER_HASH_LENGTH), nullable=False),  # never the secret itself
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),  # None: the teacher has not closed it
    sa.Column("prompt", sa.Text, nullable=False, server_default=""),
    sa.Column("hidden_nicknames", sa.Text, nullable=False, server_default="[]"),  # a JSON list of strings
)
room_posts = sa.Table(
    "room_posts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_code", sa.String(ROOM_CODE_LENGTH), sa.ForeignKey("rooms.code", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("posted_at", sa.Float, nullable=False),
    sa.Column("nickname", sa.String(NICKNAME_LENGTH), nullable=False),  # plain text, never markup
    sa.Column("run_id", sa.String(ID_LENGTH), nullable=True),  # the run the post opens, if it was kept
    sa.Column("training", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("lesson", sa.String(NAME_LENGTH), nullable=True),
    sa.Column("settings", sa.Text, nullable=False),  # the model's settings, as JSON
    sa.Column("scores", sa.Text, nullable=False),  # test_mse, score, skills, seconds..., as JSON
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
)
answers = sa.Table(
    "answers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # None: a learner alone. A room's answers go with the room when it is removed.
    sa.Column("room_code", sa.String(ROOM_CODE_LENGTH), sa.ForeignKey("rooms.code", ondelete="CASCADE"),
              nullable=True),
    sa.Column("learner_id", sa.String(LEARNER_ID_LENGTH), nullable=False),  # never a nickname
    sa.Column("question", sa.String(QUESTION_KEY_LENGTH), nullable=False),
    sa.Column("answer", sa.Text, nullable=False),  # plain text, never markup
    sa.Column("payload", sa.Text, nullable=True),  # JSON: a sketch's points and scores, say
    sa.Column("nickname", sa.String(NICKNAME_LENGTH), nullable=True),  # as shown when answering; not an identity
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch, of the latest answer
    # One answer per learner and question in a room or alone: NULL is no room, so the key reads it as "".
    sa.Index("answers_one_per_learner", sa.func.coalesce(sa.column("room_code"), ""), "learner_id", "question",
             unique=True),
    sa.Index("answers_by_question", "room_code", "question"),
)
room_states = sa.Table(
    "room_states", metadata,
    sa.Column("room_code", sa.String(ROOM_CODE_LENGTH), sa.ForeignKey("rooms.code", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),  # one more at every change: a poller compares only this
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # the pacing state as JSON (lstm_core.store.room_states)
)
