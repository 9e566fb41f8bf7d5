"""This browser session's trainings: the Train page's job from start to finish, stored as a run and posted to a room.

A job runs on the server's shared backend and belongs to this session: the backend is told how to ask
whether the session is still connected, which only Streamlit's runtime knows (no public API says it;
tests/e2e/test_classroom.py fails the day it changes, when a closed tab no longer gives its worker back).
Once the job has ended, its result becomes the session's finished training, with the exact settings it was
trained on; it is stored as a run (with the learner's agreement for their own file) and posted to their room.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lstm_core.cluster.backends import get_pool
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import Dataset
from lstm_core.data.own_data import UserSeries
from lstm_core.data.spec import data_spec, is_learners_own
from lstm_core.training.backend import TrainingBackend, start
from lstm_core.training.estimates import Estimate
from lstm_core.training.job import Job, JobWatch
from lstm_core.training.protocol import TrainingData, TrainingResult, training_key
from lstm_core.ui import rooms, runs, settings
from lstm_core.ui.datasets import dataset_of

JOB_KEY = "training_job"
FINISHED_KEY = "finished_training"
LESSON_JOBS_KEY_PREFIX = "lesson_jobs_"  # + the lesson's name: its jobs and settings (lstm_core.ui.lesson_jobs)


class OpenedFrom(Enum):
    """Where a finished training came from when this session did not train it itself."""

    LINK = "link"  # a link named its run
    STORE = "store"  # Train was pressed on settings whose very training had been stored


@dataclass
class FinishedTraining:
    """A finished training together with the exact settings it was trained on, and the id of its run once stored."""

    series: SeriesConfig | UserSeries
    model: ModelConfig
    result: TrainingResult
    run_id: str | None = None
    training_key: str | None = None
    opened_from: OpenedFrom | None = None  # None: this session trained it


@st.cache_resource(show_spinner=False)
def training_pool() -> TrainingBackend:
    """Return the server-wide training backend shared by every session: local workers, or a Ray cluster's."""
    return get_pool()


def training_estimate(cfg: ModelConfig, n_train_samples: int) -> Estimate:
    """Return how long training cfg on n_train_samples windows should take on this server's pool."""
    return training_pool().times.estimate(cfg, n_train_samples)


def current_job() -> JobWatch | None:
    """Return this session's latest training job, if any."""
    run = st.session_state.get(JOB_KEY)
    return run["job"] if run else None


def session_alive_check() -> Callable[[], bool] | None:
    """Return a thread-safe check that this browser session is still connected, or None outside a server."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None  # AppTest and plain scripts: no connection to lose
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def session_key() -> str | None:
    """Return this browser session's id: the training queue takes the sessions' jobs in turn."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def client_address(peer: str | None, forwarded_for: Sequence[str]) -> str | None:
    """Return the learner's client address from the socket's peer and X-Forwarded-For headers; None for this machine.

    The header is trusted only from a loopback peer (HAProxy on this host, ``option forwardfor``), and only its
    rightmost entry, the one HAProxy appended: a learner may send any header, but only the proxy writes last. A
    peer anywhere else is the address itself. Streamlit reports a loopback peer as None, so None means loopback.
    An address on this machine (no proxy, or a browser on the server itself) gives None: the person at the
    server is not held to a cap against flooding, and a test or bench there keeps one address per session.
    """
    if peer is not None and not _loopback(peer):
        return peer.strip()
    entries = [entry.strip() for value in forwarded_for for entry in value.split(",") if entry.strip()]
    if not entries or _loopback(entries[-1]):
        return None
    return entries[-1]


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def session_address() -> str | None:
    """Return this browser session's client address (client_address), or None when unknown or on this machine."""
    peer, forwarded = st.context.ip_address, st.context.headers.get_all("X-Forwarded-For")
    # Streamlit's AppTest stands in a mock for the connection: what is not text is no address.
    return client_address(peer if isinstance(peer, str) else None,
                          [value for value in forwarded if isinstance(value, str)])


def job_active(job: Job | None) -> bool:
    """Return True while job is queued or running, including a stop that waits for its last batch."""
    return job is not None and not job.done


def start_training(ds: Dataset) -> JobWatch | None:
    """Start training the session's model on ds and return the job (stopping any earlier one).

    When this very training (same data, model, seed and app) is stored already, it opens at once instead
    and None is returned: training is deterministic, so it would only give the same weights again.
    """
    old = current_job()
    data, cfg, source = TrainingData.from_dataset(ds), settings.model_config(), settings.current_source()
    key = training_key(data, cfg)
    if old is not None and job_active(old):
        if getattr(old, "key", None) == key:
            return old  # this very training runs already (Quick start started it): a press keeps it going
        old.stop()
    stored_id = runs.find_finished(key)
    found, _ = runs.lookup(stored_id) if stored_id else (None, None)
    if found is not None:
        stored = next(iter(found.trainings.values()))
        st.session_state.pop(JOB_KEY, None)
        st.session_state[FINISHED_KEY] = FinishedTraining(source, stored.cfg, stored.result, found.id, key,
                                                          opened_from=OpenedFrom.STORE)
        rooms.post_training(ds, stored.cfg, source, stored.result.predictions["test"], found.id, None,  # no clock
                            training_key=key)
        return None
    agreed = not is_learners_own(source) or runs.consented()
    job = start(data, cfg, pool=training_pool(), owner_alive=session_alive_check(), session=session_key(),
                data_spec=data_spec(source) if agreed else None, address=session_address())
    st.session_state[JOB_KEY] = {"job": job, "series": source, "collected": False,
                                 "room_post": rooms.post_when_finished(job, ds, cfg, source) if agreed else None}
    return job


def latest_training_key() -> str | None:
    """Return the training key of the session's latest training: the job's, or the finished training's."""
    job = current_job()
    if job is not None:
        return getattr(job, "key", None)
    finished = finished_training()
    return finished.training_key if finished is not None else None


def train_with_new_seed(ds: Dataset) -> JobWatch | None:
    """Move the model's seed on by one and train: the same settings, another draw of starting weights."""
    model = settings.model_settings()
    model["seed"] = (int(model["seed"]) + 1) % (2**31)
    st.session_state.pop("w_model_seed", None)
    return start_training(ds)


def collect_result() -> FinishedTraining | None:
    """Return the session's finished training, first taking (and storing) the latest job's result if it has weights."""
    run = st.session_state.get(JOB_KEY)
    if run and not run["collected"] and run["job"].done:
        job = run["job"]
        result = job.result()
        run["collected"] = True
        if result is not None and result.weights is not None:
            run_id = None
            key = getattr(job, "key", None)
            agreed = not is_learners_own(run["series"]) or runs.consented()
            if agreed:
                run_id = runs.save_training(result, job.cfg, run["series"], key)
            finished = FinishedTraining(run["series"], job.cfg, result, run_id, key)
            st.session_state[FINISHED_KEY] = finished
            if agreed:  # a training on the learner's own file reaches the board only with their agreement
                progress = job.progress()
                rooms.settle_post(run.get("room_post"), training_dataset(finished), job.cfg,
                                  run["series"], result.predictions["test"], run_id,
                                  float(sum(progress.epoch_seconds)) or progress.elapsed, job.finished_at, key)
    return finished_training()


def store_finished_training() -> None:
    """Store the session's finished training as a run now (the learner agreed for their own data); return None."""
    training = finished_training()
    if training is not None and training.run_id is None:
        training.run_id = runs.save_training(training.result, training.model, training.series, training.training_key)


def finished_training() -> FinishedTraining | None:
    """Return the session's last finished training with weights, or None."""
    return st.session_state.get(FINISHED_KEY)


def training_dataset(training: FinishedTraining) -> Dataset:
    """Return the dataset a finished training was trained on (its own settings, not the current ones)."""
    return dataset_of(training.series, training.model.seq_length, training.model.horizon)
