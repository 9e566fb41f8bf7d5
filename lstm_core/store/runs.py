"""Finished trainings as durable records in a real database: SQLite by default, PostgreSQL when named.

One code path through SQLAlchemy Core. A run is one row of settings, history and provenance plus its
binary parts (weights, predictions, the .keras file, the film's shots), all written in one transaction:
a process killed while storing leaves the whole run or none. Runs are reached by id only, an unguessable
22-character token (128 random bits).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from lstm_core.config import APP_VERSION, ModelConfig
from lstm_core.store import codec
from lstm_core.training.protocol import TrainingResult

SCHEMA_VERSION = 1
RUN_ID = re.compile(r"[A-Za-z0-9_-]{22}")
DATA_DIR_ENV = "LSTM_LENS_DATA_DIR"
DATABASE_URL_ENV = "LSTM_LENS_DATABASE_URL"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "var"
RETENTION_DAYS = 30.0  # a run nobody opened for this long is removed
MAX_RUN_BYTES = 50 * 2**20  # a bigger run (its binary parts) is not stored
MAX_TOTAL_BYTES = 2 * 2**30  # past this, the runs opened least recently go first

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


class StoreError(RuntimeError):
    """The store cannot be opened or read; the message says why, in words for the page."""


class RunTooLarge(ValueError):
    """A run's binary parts exceed the store's per-run cap; the message gives both sizes."""


@dataclass
class StoredRun:
    """A run read back from the store: its id, provenance, settings, data spec and the TrainingResult."""

    id: str
    created_at: float
    app_version: str
    lesson: str | None
    cfg: ModelConfig
    data_spec: dict[str, Any]
    result: TrainingResult


def database_url(environ: dict[str, str] | None = None) -> str:
    """Return the database to use: LSTM_LENS_DATABASE_URL, else a SQLite file in the data directory."""
    environ = os.environ if environ is None else environ
    if environ.get(DATABASE_URL_ENV):
        return environ[DATABASE_URL_ENV]
    data_dir = Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    return f"sqlite:///{data_dir / 'lstm_lens.sqlite3'}"


def new_run_id() -> str:
    """Return a fresh run id: 16 random bytes, URL-safe, 22 characters."""
    return secrets.token_urlsafe(16)


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


def _result_of(row, parts: dict[str, bytes]) -> TrainingResult:
    first_epoch: list = []
    if "first_epoch_weights" in parts:
        shots, batches = codec.weight_series_from_bytes(parts["first_epoch_weights"])
        first_epoch = list(zip(batches or [], shots))
    return TrainingResult(
        status=row.status, message=row.message, history=json.loads(row.history),
        weights=codec.weights_from_bytes(parts["weights"]) if "weights" in parts else None,
        predictions=codec.arrays_from_bytes(parts["predictions"]) if "predictions" in parts else {},
        keras_bytes=parts.get("keras", b""), epochs_run=row.epochs_run,
        initial_weights=codec.weights_from_bytes(parts["initial_weights"]) if "initial_weights" in parts else None,
        epoch_weights=codec.weight_series_from_bytes(parts["epoch_weights"])[0] if "epoch_weights" in parts else [],
        first_epoch_weights=first_epoch)


class RunStore:
    """The runs of one database: save a finished training, load it back by id."""

    def __init__(self, url: str, max_run_bytes: int = MAX_RUN_BYTES) -> None:
        self.max_run_bytes = max_run_bytes
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = sa.create_engine(url)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as connection:
                metadata.create_all(connection)
                version = connection.execute(sa.select(schema_info.c.version)).scalar()
                if version is None:
                    connection.execute(schema_info.insert().values(version=SCHEMA_VERSION))
                elif version > SCHEMA_VERSION:
                    raise StoreError(f"the run store was written by a newer LSTM Lens (schema {version})")
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"the run store cannot be opened: {type(exc.orig or exc).__name__}") from exc

    def schema_version(self) -> int:
        """Return the schema version the database holds."""
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(schema_info.c.version)).scalar_one())

    def save(self, result: TrainingResult, cfg: ModelConfig, data_spec: dict[str, Any],
             lesson: str | None = None) -> str:
        """Store a finished training in one transaction and return its new id."""
        parts = _result_parts(result)
        size = sum(len(data) for data in parts.values())
        if size > self.max_run_bytes:
            raise RunTooLarge(f"this run takes {size / 2**20:.1f} MB; the store keeps runs up to "
                              f"{self.max_run_bytes / 2**20:.1f} MB")
        run_id, now = new_run_id(), time.time()
        with self.engine.begin() as connection:
            connection.execute(runs.insert().values(
                id=run_id, created_at=now, opened_at=now, app_version=APP_VERSION, lesson=lesson,
                status=result.status, message=result.message, settings=json.dumps(asdict(cfg)),
                data_spec=json.dumps(data_spec, sort_keys=True), history=json.dumps(result.history),
                epochs_run=result.epochs_run, size_bytes=size))
            if parts:
                connection.execute(run_parts.insert(), [{"run_id": run_id, "name": name, "data": data}
                                                        for name, data in parts.items()])
        return run_id

    def load(self, run_id: str) -> StoredRun | None:
        """Return the stored run of an id, or None for an id that is malformed or names no run."""
        if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
            return None
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
            if row is None:
                return None
            parts = {name: bytes(data) for name, data in connection.execute(
                sa.select(run_parts.c.name, run_parts.c.data).where(run_parts.c.run_id == run_id))}
            connection.execute(runs.update().where(runs.c.id == run_id).values(opened_at=time.time()))
        return StoredRun(row.id, row.created_at, row.app_version, row.lesson,
                         ModelConfig.from_dict(json.loads(row.settings)), json.loads(row.data_spec),
                         _result_of(row, parts))

    def evict(self, now: float | None = None, retention_days: float = RETENTION_DAYS,
              max_total_bytes: int = MAX_TOTAL_BYTES) -> list[str]:
        """Remove runs unopened for retention_days, then the least recently opened past the cap; return their ids."""
        now = time.time() if now is None else now
        removed: list[str] = []
        with self.engine.begin() as connection:
            stale = connection.execute(sa.select(runs.c.id).where(
                runs.c.opened_at < now - retention_days * 86400)).scalars().all()
            removed += stale
            kept = connection.execute(sa.select(runs.c.id, runs.c.size_bytes).where(runs.c.id.not_in(stale))
                                      .order_by(runs.c.opened_at.desc(), runs.c.id)).all()
            total = 0
            for run_id, size in kept:
                total += size
                if total > max_total_bytes:
                    removed.append(run_id)
            if removed:
                connection.execute(run_parts.delete().where(run_parts.c.run_id.in_(removed)))
                connection.execute(runs.delete().where(runs.c.id.in_(removed)))
        return removed

    def sizes(self) -> dict[str, int]:
        """Return each run's stored binary size, as its parts really take it, by id."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(run_parts.c.run_id, sa.func.sum(sa.func.length(run_parts.c.data)))
                                      .group_by(run_parts.c.run_id)).all()
            ids = connection.execute(sa.select(runs.c.id)).scalars().all()
        measured = {run_id: int(size) for run_id, size in rows}
        return {run_id: measured.get(run_id, 0) for run_id in ids}

    def close(self) -> None:
        """Release the database's connections."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers go on while one writer stores a run; foreign keys make a deleted run take its parts.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
