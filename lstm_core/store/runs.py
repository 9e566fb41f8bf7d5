"""Finished trainings as durable records in a real database: SQLite by default, PostgreSQL when named.

One code path through SQLAlchemy Core. A link ``?run=<id>`` opens a run: one page's record (its lesson
and settings) with one or more named trainings, each with settings, history and provenance plus its binary
parts (weights, predictions, the .keras file, the film's shots). A run is written in one transaction: a
process killed while storing leaves the whole run or none. Runs are reached by id only, an unguessable
22-character token (128 random bits). The tables are in ``schema``; an older store is migrated on opening.

A run was called a group when schema 2 was written, and its tables keep that name (``run_groups``, and the
trainings' ``group_id``): renaming a table means a migration, and a replica still running the previous
version refuses a store whose schema is newer than its own, so a rename would stop a school's replicas
mid-upgrade for no change in what is stored.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lstm_core import config
from lstm_core.config import APP_VERSION, ConfigError, ModelConfig
from lstm_core.model.weights import ModelWeights
from lstm_core.store import codec, migrations, schema
from lstm_core.store.schema import removed_runs, run_groups, training_parts
from lstm_core.store.schema import trainings as trainings_table  # save_run's argument is called trainings
from lstm_core.training.protocol import TrainingResult

SCHEMA_VERSION = schema.VERSION
RUN_ID = re.compile(r"[A-Za-z0-9_-]{22}")
DATA_DIR_ENV = "LSTM_LENS_DATA_DIR"
DATABASE_URL_ENV = "LSTM_LENS_DATABASE_URL"
RETENTION_DAYS_ENV = "LSTM_LENS_RETENTION_DAYS"
MAX_RUN_MB_ENV = "LSTM_LENS_MAX_RUN_MB"
MAX_STORE_MB_ENV = "LSTM_LENS_MAX_STORE_MB"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "var"
RETENTION_DAYS = 30.0  # a run nobody opened for this long is removed
MAX_RUN_BYTES = 50 * 2**20  # a bigger run (all its binary parts) is not stored
MAX_TOTAL_BYTES = 2 * 2**30  # past this, the runs opened least recently go first
TOMBSTONE_DAYS = 365.0  # after this, a removed id's link says "unknown" rather than "expired"
SINGLE_TRAINING = ""  # the name save() gives the one training of its run
OPENING_LOCK = 0x4C454E53  # any fixed number: the PostgreSQL advisory lock that lets one process open at a time
IDS_PER_STATEMENT = 500  # keeps each IN (...) list well under SQLite's and psycopg's limits on parameters
WRITES = "lstm_lens_writes"  # an execution option: this transaction writes, so SQLite takes the lock at BEGIN
# The history column's JSON also keeps each whole epoch's seconds under this name: one value per epoch, like the
# losses, and older rows without it read back as "not recorded" with no change of schema.
EPOCH_SECONDS = "epoch_seconds"


class RunNotFound(Enum):
    """Why an id opens no run: lookup's answer when it finds none."""

    MALFORMED = "malformed"  # not an id the store makes (cut short when copied, or made up)
    UNKNOWN = "unknown"  # never stored here, or removed longer than TOMBSTONE_DAYS ago
    EXPIRED = "expired"  # removed by retention or the size cap


class StoreError(RuntimeError):
    """The store cannot be opened or read; the message says why, in words for the page."""


class RunTooLarge(ValueError):
    """A run's binary parts exceed the store's per-run cap; the message gives both sizes."""


@dataclass(frozen=True)
class StoreLimits:
    """How long unopened runs are kept, the largest run stored, and the store's total size cap."""

    retention_days: float = RETENTION_DAYS
    max_run_bytes: int = MAX_RUN_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES


@dataclass
class NewTraining:
    """One finished training to store in a run: its result, settings, data spec and optional training key."""

    result: TrainingResult
    cfg: ModelConfig
    data_spec: dict[str, Any]
    training_key: str | None = None


@dataclass
class StoredTraining:
    """A training read back from the store: its run's id and provenance, settings, data spec and result."""

    id: str  # the id of the run it belongs to: the id in the link
    created_at: float
    app_version: str
    lesson: str | None
    cfg: ModelConfig
    data_spec: dict[str, Any]
    result: TrainingResult
    training_key: str | None = None


@dataclass
class StoredRun:
    """A run read back from the store: its id, lesson, the page's settings, provenance and named trainings."""

    id: str
    lesson: str | None
    page_settings: dict[str, Any]
    created_at: float
    app_version: str
    trainings: dict[str, StoredTraining] = field(default_factory=dict)  # in the order they were saved


def database_url(environ: Mapping[str, str] | None = None) -> str:
    """Return the database to use: LSTM_LENS_DATABASE_URL, else a SQLite file in the data directory."""
    environ = os.environ if environ is None else environ
    if environ.get(DATABASE_URL_ENV):
        url = environ[DATABASE_URL_ENV].strip()
        # psycopg 3 is the driver installed: a plain postgresql:// URL means it, not SQLAlchemy's psycopg2 default.
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url.removeprefix(plain)
        return url
    data_dir = Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    return f"sqlite:///{data_dir / 'lstm_lens.sqlite3'}"


def store_limits(environ: Mapping[str, str] | None = None) -> StoreLimits:
    """Return the limits set by LSTM_LENS_RETENTION_DAYS, _MAX_RUN_MB and _MAX_STORE_MB, defaults for unset ones."""
    environ = os.environ if environ is None else environ
    days = positive_setting(environ, RETENTION_DAYS_ENV, RETENTION_DAYS, "days")
    run_mb = positive_setting(environ, MAX_RUN_MB_ENV, MAX_RUN_BYTES / 2**20, "megabytes")
    store_mb = positive_setting(environ, MAX_STORE_MB_ENV, MAX_TOTAL_BYTES / 2**20, "megabytes")
    return StoreLimits(days, int(run_mb * 2**20), int(store_mb * 2**20))


def positive_setting(environ: Mapping[str, str], name: str, default: float, unit: str) -> float:
    """Return config.positive_setting's number for a store's setting; a bad one is a StoreError, which pages show."""
    try:
        return config.positive_setting(environ, name, default, unit)
    except ConfigError as error:
        raise StoreError(str(error)) from error


def new_run_id() -> str:
    """Return a fresh run id: 16 random bytes, URL-safe, 22 characters."""
    return secrets.token_urlsafe(16)


def _well_formed(run_id: object) -> bool:
    return isinstance(run_id, str) and RUN_ID.fullmatch(run_id) is not None


def _result_parts(result: TrainingResult) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    if result.weights is not None:
        parts["weights"] = codec.weights_to_bytes(result.weights)
    if result.initial_weights is not None:
        parts["initial_weights"] = codec.weights_to_bytes(result.initial_weights)
    if result.predictions:
        parts["predictions"] = codec.arrays_to_bytes(result.predictions)
    if result.keras_bytes:
        parts["keras"] = result.keras_bytes
    if result.epoch_weights:
        parts["epoch_weights"] = codec.weight_series_to_bytes(result.epoch_weights)
    if result.first_epoch_weights:
        batches, shots = zip(*result.first_epoch_weights)
        parts["first_epoch_weights"] = codec.weight_series_to_bytes(list(shots), list(batches))
    return parts


def _history_json(result: TrainingResult) -> str:
    return json.dumps({**result.history, EPOCH_SECONDS: list(result.epoch_seconds)})


def _result_of(row: sa.Row[Any], parts: dict[str, bytes]) -> TrainingResult:
    history = json.loads(row.history)
    epoch_seconds = [float(seconds) for seconds in history.pop(EPOCH_SECONDS, [])]
    first_epoch: list[tuple[int, ModelWeights]] = []
    if "first_epoch_weights" in parts:
        shots, batches = codec.weight_series_from_bytes(parts["first_epoch_weights"])
        first_epoch = list(zip(batches or [], shots))
    return TrainingResult(
        status=row.status, message=row.message, history=history, epoch_seconds=epoch_seconds,
        weights=codec.weights_from_bytes(parts["weights"]) if "weights" in parts else None,
        predictions=codec.arrays_from_bytes(parts["predictions"]) if "predictions" in parts else {},
        keras_bytes=parts.get("keras", b""), epochs_run=row.epochs_run,
        initial_weights=codec.weights_from_bytes(parts["initial_weights"]) if "initial_weights" in parts else None,
        epoch_weights=codec.weight_series_from_bytes(parts["epoch_weights"])[0] if "epoch_weights" in parts else [],
        first_epoch_weights=first_epoch)


def _checked_name(name: object, what: str, length: int) -> None:
    # PostgreSQL refuses a string longer than its column and SQLite keeps it: refuse it here, the same on both.
    if not isinstance(name, str) or len(name) > length:
        raise ValueError(f"a {what} must be a string of at most {length} characters, not {name!r}")


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[start:start + IDS_PER_STATEMENT]


class RunStore:
    """The runs of one database: save finished trainings, load them back by id, find one by training key."""

    def __init__(self, url: str, limits: StoreLimits | None = None) -> None:
        self.limits = store_limits() if limits is None else limits
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(url)
            reading = {}
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_connect)
                sa.event.listen(self.engine, "begin", _sqlite_begin)
            elif self.engine.dialect.name == "postgresql":
                # A run is read in several statements: one snapshot keeps an eviction between them out.
                reading = {"isolation_level": "REPEATABLE READ"}
            self._reader = self.engine.execution_options(**reading)
            self._writer = self.engine.execution_options(**{WRITES: True})
            with self._writer.begin() as connection:
                _open_schema(connection)
        except sa.exc.SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            raise StoreError(f"the run store cannot be opened: {reason}") from exc

    def schema_version(self) -> int:
        """Return the schema version the database holds."""
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(schema.schema_info.c.version)).scalar_one())

    def save_run(self, trainings: dict[str, NewTraining], lesson: str | None = None,
                   page_settings: dict[str, Any] | None = None) -> str:
        """Store a run of named trainings in one transaction and return the run's new id."""
        if not trainings:
            raise ValueError("a run needs at least one training")
        if lesson is not None:
            _checked_name(lesson, "lesson", schema.NAME_LENGTH)
        settings_json = json.dumps(page_settings or {})
        training_rows: list[dict[str, Any]] = []
        part_rows: list[dict[str, Any]] = []
        for position, (name, training) in enumerate(trainings.items()):
            _checked_name(name, "training's name", schema.NAME_LENGTH)
            if training.training_key is not None:
                _checked_name(training.training_key, "training key", schema.TRAINING_KEY_LENGTH)
            parts = _result_parts(training.result)
            result = training.result
            training_rows.append({
                "name": name, "position": position, "training_key": training.training_key,
                "status": result.status, "message": result.message, "settings": json.dumps(asdict(training.cfg)),
                "data_spec": json.dumps(training.data_spec, sort_keys=True), "history": _history_json(result),
                "epochs_run": result.epochs_run, "size_bytes": sum(len(data) for data in parts.values())})
            part_rows += [{"training": name, "name": part, "data": data} for part, data in parts.items()]
        size = sum(row["size_bytes"] for row in training_rows)
        if size > self.limits.max_run_bytes:
            raise RunTooLarge(f"this run takes {size / 2**20:.1f} MB; the store keeps runs up to "
                              f"{self.limits.max_run_bytes / 2**20:.1f} MB")
        run_id, now = new_run_id(), time.time()
        with self._writer.begin() as connection:
            connection.execute(run_groups.insert().values(
                id=run_id, created_at=now, opened_at=now, app_version=APP_VERSION, lesson=lesson,
                page_settings=settings_json, training_count=len(training_rows), size_bytes=size))
            connection.execute(trainings_table.insert(), [row | {"group_id": run_id} for row in training_rows])
            if part_rows:
                connection.execute(training_parts.insert(), [row | {"group_id": run_id} for row in part_rows])
        return run_id

    def save(self, result: TrainingResult, cfg: ModelConfig, data_spec: dict[str, Any], lesson: str | None = None,
             training_key: str | None = None, page_settings: dict[str, Any] | None = None) -> str:
        """Store one finished training as a run of one (named "") and return the run's new id."""
        return self.save_run({SINGLE_TRAINING: NewTraining(result, cfg, data_spec, training_key)},
                               lesson=lesson, page_settings=page_settings)

    def load_run(self, run_id: str) -> StoredRun | None:
        """Return the stored run of an id (and mark it opened now), or None for a malformed or absent id."""
        if not _well_formed(run_id):
            return None
        with self._reader.connect() as connection:
            run = connection.execute(sa.select(run_groups).where(run_groups.c.id == run_id)).first()
            if run is None:
                return None
            rows = connection.execute(sa.select(trainings_table).where(trainings_table.c.group_id == run_id)
                                      .order_by(trainings_table.c.position)).all()
            parts: dict[str, dict[str, bytes]] = {row.name: {} for row in rows}
            for training, name, data in connection.execute(
                    sa.select(training_parts.c.training, training_parts.c.name, training_parts.c.data)
                    .where(training_parts.c.group_id == run_id)):
                parts[training][name] = bytes(data)
        with self._writer.begin() as connection:
            connection.execute(run_groups.update().where(run_groups.c.id == run_id)
                               .values(opened_at=time.time()))
        return StoredRun(run.id, run.lesson, json.loads(run.page_settings), run.created_at,
                         run.app_version, {row.name: StoredTraining(
                             run.id, run.created_at, run.app_version, run.lesson,
                             ModelConfig.from_dict(json.loads(row.settings)), json.loads(row.data_spec),
                             _result_of(row, parts[row.name]), row.training_key) for row in rows})

    def load(self, run_id: str) -> StoredTraining | None:
        """Return a run's first training (save()'s only one), or None for a malformed or absent id."""
        run = self.load_run(run_id)
        if run is None or not run.trainings:
            return None
        return next(iter(run.trainings.values()))

    def lookup(self, run_id: str) -> StoredRun | RunNotFound:
        """Return the stored run of an id, else why there is none: a RunNotFound."""
        if not _well_formed(run_id):
            return RunNotFound.MALFORMED
        run = self.load_run(run_id)
        if run is not None:
            return run
        with self.engine.connect() as connection:
            removed = connection.execute(sa.select(removed_runs.c.id)
                                         .where(removed_runs.c.id == run_id)).first()
        return RunNotFound.EXPIRED if removed is not None else RunNotFound.UNKNOWN

    def created_at(self, run_id: str) -> float | None:
        """Return when a run was stored, in seconds since the epoch, or None for a malformed or absent id.

        Raises
        ------
        StoreError
            If the database cannot be read.
        """
        if not _well_formed(run_id):
            return None
        try:
            with self.engine.connect() as connection:
                query = sa.select(run_groups.c.created_at).where(run_groups.c.id == run_id)
                return connection.execute(query).scalar()
        except sa.exc.SQLAlchemyError as problem:
            raise StoreError(f"the run store cannot be read: {type(problem).__name__}") from problem

    def find_finished(self, training_key: str) -> str | None:
        """Return the id of the newest run of one "done" training with this key by this APP_VERSION, else None."""
        if not isinstance(training_key, str):
            return None
        query = (sa.select(run_groups.c.id).join(trainings_table, trainings_table.c.group_id == run_groups.c.id)
                 .where(trainings_table.c.training_key == training_key, trainings_table.c.status == "done",
                        run_groups.c.app_version == APP_VERSION, run_groups.c.training_count == 1)
                 .order_by(run_groups.c.created_at.desc(), run_groups.c.id).limit(1))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def evict(self, now: float | None = None, retention_days: float | None = None,
              max_total_bytes: int | None = None) -> list[str]:
        """Remove runs unopened for retention_days, then the least recently opened past the cap; return their ids.

        Unset arguments come from the store's limits. Each removed id leaves a tombstone, so its link can say
        "expired"; tombstones older than TOMBSTONE_DAYS go. Classroom rooms have their own retention
        (lstm_core.store.rooms.RoomStore.evict).
        """
        now = time.time() if now is None else now
        retention_days = self.limits.retention_days if retention_days is None else retention_days
        max_total_bytes = self.limits.max_total_bytes if max_total_bytes is None else max_total_bytes
        cutoff = now - retention_days * 86400
        with self._writer.begin() as connection:
            removed = list(connection.execute(sa.select(run_groups.c.id).where(run_groups.c.opened_at < cutoff)
                                              .order_by(run_groups.c.opened_at, run_groups.c.id)).scalars())
            kept = connection.execute(sa.select(run_groups.c.id, run_groups.c.size_bytes)
                                      .where(run_groups.c.opened_at >= cutoff)
                                      .order_by(run_groups.c.opened_at.desc(), run_groups.c.id)).all()
            total = 0
            for run_id, size in kept:
                total += size
                if total > max_total_bytes:
                    removed.append(run_id)
            for chunk in _chunks(removed):
                connection.execute(training_parts.delete().where(training_parts.c.group_id.in_(chunk)))
                connection.execute(trainings_table.delete().where(trainings_table.c.group_id.in_(chunk)))
                connection.execute(run_groups.delete().where(run_groups.c.id.in_(chunk)))
                connection.execute(removed_runs.insert(), [{"id": run_id, "removed_at": now} for run_id in chunk])
            forgotten = now - TOMBSTONE_DAYS * 86400
            connection.execute(removed_runs.delete().where(removed_runs.c.removed_at < forgotten))
        return removed

    def sizes(self) -> dict[str, int]:
        """Return each run's stored binary size, as its parts really take it, by run id."""
        # One statement, so one snapshot: PostgreSQL gives each statement of a transaction its own, and a run
        # stored between two statements would read as a run without parts.
        size = sa.func.coalesce(sa.func.sum(sa.func.length(training_parts.c.data)), 0)
        query = (sa.select(run_groups.c.id, size)
                 .select_from(run_groups.outerjoin(training_parts, training_parts.c.group_id == run_groups.c.id))
                 .group_by(run_groups.c.id))
        with self._reader.connect() as connection:
            return {run_id: int(run_size) for run_id, run_size in connection.execute(query)}

    def close(self) -> None:
        """Release the database's connections."""
        self.engine.dispose()


def _open_schema(connection: sa.Connection) -> None:
    # Opening may create or migrate the tables: one process at a time (SQLite's BEGIN IMMEDIATE holds the
    # others off; on PostgreSQL, a lock held until this transaction ends).
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(OPENING_LOCK)))
    version = None
    if sa.inspect(connection).has_table(schema.schema_info.name):
        version = connection.execute(sa.select(schema.schema_info.c.version)).scalar()
    if version is None:
        schema.metadata.create_all(connection)
        connection.execute(schema.schema_info.insert().values(version=SCHEMA_VERSION))
    elif version > SCHEMA_VERSION:
        raise StoreError(f"the run store was written by a newer LSTM Lens (schema {version}; this one reads "
                         f"schema {SCHEMA_VERSION} and older)")
    elif version < SCHEMA_VERSION:
        migrations.migrate(connection, version)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The store begins its own transactions (see _sqlite_begin), so that CREATE and DROP are part of them too:
    # a migration that fails half way then leaves nothing behind. WAL lets readers go on while one writer
    # stores a run; foreign keys make a deleted run take its trainings and parts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    # A writer takes the write lock at BEGIN: a reader that later wanted to write could find its snapshot
    # outdated by another writer and fail at once, where waiting at BEGIN honours the busy timeout.
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
