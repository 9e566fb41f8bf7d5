"""Stored runs as the pages see them: this server's run store, saving finished trainings, opening a link's run.

A run is stored when its trainings finish (the Train page's one, or all jobs of a lesson together) and
named in the address bar as ``?run=<id>``; a fresh session with that address opens it without training.
Runs on the learner's own file are kept only once the learner has agreed, since a link to them carries their
data. When the store cannot be opened, everything else keeps working and the pages say what is missing.
The store keeps runs and classroom rooms, and this server tidies both now and then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.own_data import UserSeries
from lstm_core.data.spec import SourceKind, data_spec
from lstm_core.store.rooms import RoomStore
from lstm_core.store.runs import NewTraining, RunNotFound, RunStore, StoredRun, StoreError, database_url, store_limits
from lstm_core.training.protocol import JobStatus, Progress, TrainingResult

RUN_PARAM = "run"
OWN_DATA_CONSENT_KEY = "own_data_consent"  # the learner agreed that runs on their own file may be stored
RUN_NOTICE_KEY = "run_link_notice"  # why a linked run did not open, said once
OPENED_RUN_KEY = "opened_run"  # the id of the run a link opened in this session, for the page's banner
LINKED_RUN_KEY_PREFIX = "linked_run_"  # + lesson name: a stored lesson run waiting for its page
STORE_FAILURE_KEY = "store_failure"  # why the last save did not happen, in words


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> RunStore | StoreError:
    try:
        store = RunStore(url, limits=store_limits())
        _evict(store)
        return store
    except StoreError as problem:
        return problem


def run_store() -> RunStore | None:
    """Return this server's run store, or None when it cannot be opened (``store_problem`` says why)."""
    store = _open_store(database_url())
    return store if isinstance(store, RunStore) else None


def store_problem() -> str | None:
    """Return why runs cannot be kept on this server, in words, or None while the store works."""
    store = _open_store(database_url())
    if isinstance(store, StoreError):
        return (f"Runs cannot be kept on this server just now ({store}). Everything else works; a link "
                f"carries the settings but not the trained model.")
    return None


def consented() -> bool:
    """Return whether the learner agreed that runs on their own file may be kept on this server."""
    return bool(st.session_state.get(OWN_DATA_CONSENT_KEY, False))


EVICT_EVERY_SECONDS = 600.0  # retention and the total cap are enforced this often while runs are being stored


def _evict(store: RunStore) -> None:
    """Remove the runs past retention or the total cap, then the rooms ended longer ago than the retention."""
    store.evict()
    RoomStore(store).evict()


class _Upkeep:
    """When this server last removed expired runs and those past the total cap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = time.monotonic()  # the store was just tidied when it was opened


@st.cache_resource(show_spinner=False)
def _upkeep(url: str) -> _Upkeep:
    return _Upkeep()


def _tidy_now_and_then(store: RunStore) -> None:
    """Remove expired runs, and the least recently opened past the total cap, at most every EVICT_EVERY_SECONDS."""
    upkeep = _upkeep(database_url())
    with upkeep.lock:
        if time.monotonic() - upkeep.last < EVICT_EVERY_SECONDS:
            return
        upkeep.last = time.monotonic()
    try:
        _evict(store)
    except StoreError:
        pass  # the next store's turn; a failed tidy loses no run


class _SavedTrainings:
    """The ids of finished trainings this server stored, by training key: many watchers, one record."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, str] = {}


@st.cache_resource(show_spinner=False)
def _saved_trainings(url: str) -> _SavedTrainings:
    return _SavedTrainings()


def save_training(result: TrainingResult, cfg: ModelConfig, source: SeriesConfig | UserSeries,
                  training_key: str | None) -> str | None:
    """Store a finished Train-page run once per identical training; return its id, or None when not stored."""
    store = run_store()
    if store is None:
        return None
    saved = _saved_trainings(database_url())
    shared_key = training_key if result.status == JobStatus.DONE else None  # None: a run nobody else reuses

    def write() -> str:
        with saved.lock:  # the first of a shared training's watchers stores it; the others reuse its id
            known = saved.ids.get(shared_key) if shared_key is not None else None
            if shared_key is not None and known is not None and store.find_finished(shared_key) == known:
                return known  # not removed since: the tidy-up may have taken it
            run_id = store.save(result, cfg, data_spec(source), training_key=shared_key)
            if shared_key is not None:
                saved.ids[shared_key] = run_id
            return run_id
    return _keep(store, write, "This run was")


def _keep(store: RunStore, write: Callable[[], str], what: str) -> str | None:
    """Return the id write() stored, tidying the store now and then; None, said on the page, when it failed."""
    try:
        run_id = write()
    except (StoreError, ValueError) as problem:
        st.session_state[STORE_FAILURE_KEY] = f"{what} not kept on the server: {problem}."
        return None
    st.session_state.pop(STORE_FAILURE_KEY, None)
    _tidy_now_and_then(store)
    return run_id


def find_finished(training_key: str) -> str | None:
    """Return the id of a stored, finished run of exactly this training, or None."""
    store = run_store()
    if store is None:
        return None
    try:
        return store.find_finished(training_key)
    except StoreError:
        return None


def save_lesson(lesson: str, page_settings: dict[str, Any], trainings: dict[str, tuple]) -> str | None:
    """Store a lesson's finished jobs as one run; trainings maps job name -> (result, cfg); return its id."""
    store = run_store()
    if store is None:
        return None
    spec = {"kind": SourceKind.LESSON.value, "lesson": lesson, "series": page_settings.get("series")}
    return _keep(store, lambda: store.save_run(
        {name: NewTraining(result, cfg, spec) for name, (result, cfg) in trainings.items()},
        lesson=lesson, page_settings=page_settings), "This lesson's runs were")


def lookup(run_id: str) -> tuple[StoredRun | None, str | None]:
    """Return (the stored run of run_id, None), or (None, why it cannot be opened, in words for the page)."""
    store = run_store()
    if store is None:
        return None, store_problem() or "Runs cannot be opened on this server just now."
    try:
        found = store.lookup(run_id)
    except StoreError as problem:
        return None, f"The linked run cannot be read just now ({problem})."
    if found is RunNotFound.MALFORMED:
        return None, ("This link's run id is not one LSTM Lens makes (it may have been cut short when copied). "
                      "The page opened with the link's settings instead.")
    if found is RunNotFound.UNKNOWN:
        return None, ("No run with this link's id is kept on this server. The page opened with the link's "
                      "settings instead.")
    if found is RunNotFound.EXPIRED:
        return None, (f"The run this link names has expired: runs nobody opens for "
                      f"{store.limits.retention_days:g} days are removed. The page opened with the link's "
                      f"settings; press Train to train it again.")
    return found, None


@dataclass
class FinishedJob:
    """A stored training shown as a finished job: the interface of a pool's job, with nothing left to run."""

    cfg: ModelConfig
    stored_result: TrainingResult
    n_train: int = 0
    key: str | None = None
    id: str = field(default="stored")

    @property
    def done(self) -> bool:
        """Return True: a stored training has ended."""
        return True

    def result(self) -> TrainingResult:
        """Return the stored TrainingResult."""
        return self.stored_result

    def stop(self, message: str = "") -> None:
        """Do nothing: a stored training has ended already."""

    def progress(self) -> Progress:
        """Return the final snapshot of the stored training."""
        result = self.stored_result
        return Progress(result.status, result.epochs_run, self.cfg.epochs, 0, 1, list(result.history["loss"]),
                        list(result.history["val_loss"]), [], 0.0, 0.0, 0, result.message or "Opened from a link.")
