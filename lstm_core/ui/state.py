"""Session state that survives page switches: settings, the dataset, the training job and its result."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import RerunData, get_script_run_ctx

from lstm_core.cluster.backends import get_pool
from lstm_core.config import ConfigError, ModelConfig, SeriesConfig
from lstm_core.data.dataset import Dataset, build_dataset, build_dataset_from_values
from lstm_core.data.own_data import UserSeries
from lstm_core.training.backend import TrainingBackend
from lstm_core.training.estimates import Estimate
from lstm_core.training.job import TrainingJob
from lstm_core.training.pool import start
from lstm_core.training.protocol import TrainingData, TrainingResult, training_key
from lstm_core.ui import rooms, runs
from lstm_core.ui.links import MODEL_KEYS, SERIES_KEYS, read_link, share_params
from lstm_core.ui.pages import (
    LESSON_MODES,
    LESSON_OF_PATH,
    LESSON_PARAM,
    PAGE_FILES,
    PAGE_KEYS,
    PAGE_PREFIXES,
    page_file,
    url_path_of,
)

SERIES_KEY = "series_settings"
MODEL_KEY = "model_settings"
JOB_KEY = "training_job"
TRAINED_KEY = "trained"
SOURCE_KEY = "own_series"  # the learner's own (or a bundled) series; absent: the generated one
LINK_READ_KEY = "link_read"
LINK_NOTICE_KEY = "link_notice"
APP_RAN_KEY = "app_ran"
LESSON_SETTINGS_KEYS = {"memory": "memory_settings", "splits": "splits_settings"}  # by page name
HORIZON_STEPS_KEY = "horizon_steps"  # the horizon lesson's m, kept while its slider is off screen
LESSON_RUNS_KEY_PREFIX = "lesson_runs_"  # + the lesson's name: its jobs and settings
STATUS_SLOT_KEY = "sidebar_status_slot"  # this run's place for the training status in the sidebar
PAGE_SHOWN_KEY = "page_shown"  # the URL path of the page this run draws
OPEN_PARAM = "open"  # a deep link that reached a page before app.py: the page to open once it has run


@dataclass
class Trained:
    """A finished training run together with the exact settings it was trained on, and its id once stored."""

    series: SeriesConfig | UserSeries
    model: ModelConfig
    result: TrainingResult
    run_id: str | None = None
    training_key: str | None = None
    opened_from: str | None = None  # "link": a link opened it; "store": an identical training had been run


def _settings(key: str, default: dict[str, Any]) -> dict[str, Any]:
    if key not in st.session_state:
        st.session_state[key] = dict(default)
    return st.session_state[key]


def series_settings() -> dict[str, Any]:
    """Return the mutable dict of series settings kept in this session."""
    return _settings(SERIES_KEY, SeriesConfig().to_dict())


def model_settings() -> dict[str, Any]:
    """Return the mutable dict of model settings kept in this session."""
    return _settings(MODEL_KEY, ModelConfig().to_dict())


def model_config() -> ModelConfig:
    """Return the session's ModelConfig."""
    return ModelConfig.from_dict(model_settings())


def lesson_settings(page_name: str, default: dict[str, Any]) -> dict[str, Any]:
    """Return the mutable dict of a lesson's own settings ("memory", "splits") kept in this session."""
    return _settings(LESSON_SETTINGS_KEYS[page_name], default)


def apply_preset(series: SeriesConfig, model: ModelConfig, lessons: dict[str, dict[str, Any]] | None = None) -> None:
    """Replace the session's settings (and any lesson's, keyed by page name) by a preset's, on the generated series."""
    st.session_state[SERIES_KEY] = series.to_dict()
    st.session_state[MODEL_KEY] = model.to_dict()
    for page_name, settings in (lessons or {}).items():
        st.session_state[LESSON_SETTINGS_KEYS[page_name]] = dict(settings)
    st.session_state.pop(SOURCE_KEY, None)
    for key in [k for k in st.session_state if str(k).startswith("w_")]:
        del st.session_state[key]
    # A control bound to the URL takes its value from there when it is drawn again: give it the preset's.
    for key in st.query_params.keys():
        if key in SERIES_KEYS:
            st.session_state[key] = series.to_dict()[SERIES_KEYS[key]]
        elif key in MODEL_KEYS:
            st.session_state[key] = model.to_dict()[MODEL_KEYS[key]]


@st.cache_data(max_entries=16, show_spinner=False)
def cached_dataset(series: dict[str, Any], seq_length: int, horizon: int) -> Dataset:
    """Return the dataset for these settings, computed once per distinct settings."""
    return build_dataset(SeriesConfig.from_dict(series), seq_length, horizon)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_own_dataset(digest: str, seq_length: int, horizon: int, _series: UserSeries) -> Dataset:
    """Return the dataset of a learner's own series, computed once per content digest and window."""
    return build_dataset_from_values(_series.values, seq_length, horizon, _series.name, _series.time_labels)


def own_series() -> UserSeries | None:
    """Return the learner's own (or a bundled) series in use, or None while the generated one is."""
    return st.session_state.get(SOURCE_KEY)


def use_own_series(series: UserSeries | None) -> None:
    """Make series the data of every page (None: back to the generated series)."""
    if series is None:
        st.session_state.pop(SOURCE_KEY, None)
    else:
        st.session_state[SOURCE_KEY] = series


def current_source() -> SeriesConfig | UserSeries:
    """Return what the pages' data comes from: the learner's own series, or the generated one's settings."""
    own = own_series()
    return own if own is not None else SeriesConfig.from_dict(series_settings())


def source_key() -> str:
    """Return a text naming the session's data exactly (the series settings or the file's digest) and its window."""
    model, own = model_settings(), own_series()
    data = f"own:{own.name}:{own.digest}" if own is not None else repr(sorted(series_settings().items()))
    return f"{data}|window {model['seq_length']}|horizon {model['horizon']}"


def dataset_of(source: SeriesConfig | UserSeries, seq_length: int, horizon: int) -> Dataset:
    """Return the cached dataset of a source for one window and horizon; raises ValueError when none fits."""
    if isinstance(source, UserSeries):
        return cached_own_dataset(source.digest, seq_length, horizon, source)
    return cached_dataset(source.to_dict(), seq_length, horizon)


def model_dataset(source: SeriesConfig | UserSeries, cfg: ModelConfig) -> Dataset:
    """Return the cached dataset of a source cut for a model: its window and its horizon."""
    return dataset_of(source, cfg.seq_length, cfg.horizon)


def current_dataset() -> tuple[Dataset | None, str | None]:
    """Return (dataset, None) for the session's settings, or (None, a learner-facing reason)."""
    model = model_settings()
    try:
        return dataset_of(current_source(), model["seq_length"], model["horizon"]), None
    except (ValueError, ConfigError) as error:
        return None, f"These settings give no usable data: {error}. Lengthen the series or shorten the window."


@st.cache_resource(show_spinner=False)
def training_pool() -> TrainingBackend:
    """Return the server-wide training backend shared by every session: local workers, or a Ray cluster's."""
    return get_pool()


def training_estimate(cfg: ModelConfig, n_train_samples: int) -> Estimate:
    """Return how long training cfg on n_train_samples windows should take on this server's pool."""
    return training_pool().times.estimate(cfg, n_train_samples)


def read_link_once() -> None:
    """Apply the opening link's run and settings once per session; keep what it ignored for a notice.

    The run comes first: it brings its own settings, and any setting the link gives as well (moved after the
    run was opened) is applied on top, so a reload shows exactly the screen it was taken from.
    """
    if st.session_state.get(LINK_READ_KEY):
        return
    st.session_state[LINK_READ_KEY] = True
    run_id = st.query_params.get(runs.RUN_PARAM)
    if run_id:
        open_linked_run(run_id)
    params = {name: st.query_params.get_all(name) for name in st.query_params.keys()
              if name not in (OPEN_PARAM, runs.RUN_PARAM, *rooms.LINK_PARAMS)}
    page_values: dict[str, Any] = {}
    ignored = read_link(params, series_settings(), model_settings(), page_values)
    for key, value in page_values.items():
        st.session_state[key] = value
    if ignored:
        st.session_state[LINK_NOTICE_KEY] = ignored


def open_linked_run(run_id: str) -> None:
    """Open a link's stored run into this session: its settings, and its model or lesson outcome; return None."""
    found = runs.lookup(run_id)
    if isinstance(found, str):
        st.session_state[runs.RUN_NOTICE_KEY] = found
        return
    page_settings = found.page_settings or {}
    if found.lesson is None:
        stored = next(iter(found.trainings.values()))
        source = runs.source_of(stored.data_spec)
        _use_settings(source, stored.cfg)
        st.session_state[TRAINED_KEY] = Trained(source, stored.cfg, stored.result, found.id, stored.training_key,
                                                opened_from="link")
    else:
        if "series" in page_settings:
            _use_settings(runs.source_of(page_settings["series"]), ModelConfig.from_dict(page_settings["model"]))
        if found.lesson in LESSON_SETTINGS_KEYS and "lesson" in page_settings:
            st.session_state[LESSON_SETTINGS_KEYS[found.lesson]] = dict(page_settings["lesson"])
        for key, value in page_settings.get("page", {}).items():
            st.session_state[key] = value
        st.session_state[runs.LINKED_GROUP_KEY_PREFIX + found.lesson] = found
    st.session_state[runs.OPENED_RUN_KEY] = found.id


def _use_settings(source: SeriesConfig | UserSeries, cfg: ModelConfig) -> None:
    """Make a stored run's source and model the session's settings; return None."""
    if isinstance(source, UserSeries):
        use_own_series(source)
    else:
        use_own_series(None)
        st.session_state[SERIES_KEY] = source.to_dict()
    st.session_state[MODEL_KEY] = cfg.to_dict()
    for key in [k for k in st.session_state if str(k).startswith(("w_series_", "w_model_"))]:
        del st.session_state[key]


def address_params(url_path: str) -> dict[str, str]:
    """Return what the address bar holds on the page at url_path: settings, its own controls, the run shown."""
    prefix = PAGE_PREFIXES.get(url_path)
    page_values = {key: st.session_state[key] for key in PAGE_KEYS
                   if prefix and key.startswith(prefix) and key in st.session_state}
    mode = lesson_mode()
    if mode:
        page_values[LESSON_PARAM] = mode
    params = share_params(series_settings(), model_settings(), page_values)
    run_id = shown_run_id(url_path)
    if run_id:
        params[runs.RUN_PARAM] = run_id
    params.update(rooms.address_params())
    return params


def shown_run_id(url_path: str) -> str | None:
    """Return the id of the stored run the page at url_path shows: its lesson's, else the session's trained one."""
    lesson = LESSON_OF_PATH.get(url_path)
    if lesson is not None:
        group_id = stored_lesson_id(lesson)
        if group_id:
            return group_id
    run = trained()
    return run.run_id if run is not None else None


def stored_lesson_id(lesson: str) -> str | None:
    """Return the stored id of the lesson runs this session shows for lesson, or None."""
    found = st.session_state.get(f"{LESSON_RUNS_KEY_PREFIX}{lesson}")
    return getattr(found, "run_id", None)


def write_address_bar(url_path: str | None = None) -> None:
    """Make the address bar hold this page's state (settings, controls, run); return None.

    Streamlit drops a control's parameter when the learner leaves the page the control lives on; writing
    the whole query on every run keeps a reload, or the address in a fresh browser, on the same screen.
    """
    if url_path is None:
        url_path = st.session_state.get(PAGE_SHOWN_KEY, "")
    wanted = address_params(url_path)
    current = {name: st.query_params.get_all(name) for name in st.query_params.keys()}
    if current != {name: [value] for name, value in wanted.items()}:
        st.query_params.from_dict(wanted)


def switch_page(page_path: str) -> None:
    """Open another page; when the URL holds parameters bound to controls, keep them instead of dropping them.

    st.switch_page clears the query parameters, which Streamlit 1.67 refuses to do while some are bound
    to widgets; the sidebar's own links keep them. The fallback asks for the same rerun st.switch_page
    asks for, without touching the parameters.
    """
    try:
        st.switch_page(page_path)
    except StreamlitAPIException:
        ctx = get_script_run_ctx()
        requested = os.path.realpath(os.path.join(os.path.dirname(ctx.main_script_path), page_path))
        page = next(p for p in ctx.pages_manager.get_pages().values() if p["script_path"] == requested)
        ctx.script_requests.request_rerun(RerunData(
            query_string=ctx.query_string, page_script_hash=page["page_script_hash"],
            cached_message_hashes=ctx.cached_message_hashes, context_info=ctx.context_info))
        st.empty()  # a yield point: the runner acts on the rerun just asked for, as st.switch_page does
        st.stop()


def require_app(page_path: str) -> None:
    """Run app.py first when a deep link reached this page before it (a fresh server); it then opens the page.

    Streamlit finds pages/ by itself until the app's navigation has run once in the server: such a
    first visit would run the page without the sidebar, the link's settings or the shared state.
    """
    if st.session_state.get(APP_RAN_KEY):
        return
    params = {name: st.query_params.get_all(name) for name in st.query_params.keys()}
    st.switch_page("app.py", query_params={**params, OPEN_PARAM: page_path})


def open_linked_page() -> None:
    """Open the page a deep link asked for before app.py had run, keeping the link's other parameters."""
    target = st.query_params.get(OPEN_PARAM)
    if target is None:
        return
    rest = {name: st.query_params.get_all(name) for name in st.query_params.keys() if name != OPEN_PARAM}
    if target in PAGE_FILES:
        st.switch_page(target, query_params=rest)
    st.query_params.pop(OPEN_PARAM, None)


def lesson_mode() -> str | None:
    """Return the lesson mode the link asks for ("windows", "gates", ...), or None for the full app."""
    mode = st.query_params.get(LESSON_PARAM)
    return mode if mode in LESSON_MODES else None


def share_link(url: str | None, url_path: str) -> str:
    """Return the address of this page as the address bar holds it: settings, this page's controls, the run shown."""
    query = urlencode(address_params(url_path))
    base = (url or "").split("?")[0]
    return f"{base}?{query}" if query else base


def app_root_url() -> str:
    """Return the app's own address, without the page's path and query (e.g. http://host:8501)."""
    url = (st.context.url or "").split("?")[0].rstrip("/")
    path = st.session_state.get(PAGE_SHOWN_KEY, "")
    if path and url.endswith("/" + path):
        url = url[: -len(path) - 1]
    return url


def inside_link(run_id: str) -> str:
    """Return the link that opens a stored run on the Inside page, for anyone who has it."""
    return f"{app_root_url()}/{url_path_of(page_file('inside'))}?{urlencode({runs.RUN_PARAM: run_id})}"


def lesson_query(mode: str) -> str:
    """Return the query string of a lesson link: the mode, the session's settings and its stored trained run if any."""
    params = share_params(series_settings(), model_settings(), {LESSON_PARAM: mode})
    run = trained()
    if run is not None and run.run_id is not None:
        # A projector opens the link in a fresh browser: without the run, a page that draws the model has none.
        params[runs.RUN_PARAM] = run.run_id
    return urlencode(params)


def current_job() -> TrainingJob | None:
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


def job_active(job: TrainingJob | None) -> bool:
    """Return True while job is queued or running, including a stop that waits for its last batch."""
    return job is not None and not job.done


def start_training(ds: Dataset) -> TrainingJob | None:
    """Start training the session's model on ds and return the job (stopping any earlier one).

    When this very training (same data, model, seed and app) is stored already, it opens at once instead
    and None is returned: training is deterministic, so it would only give the same weights again.
    """
    old = current_job()
    data, cfg, source = TrainingData.from_dataset(ds), model_config(), current_source()
    key = training_key(data, cfg)
    if job_active(old):
        if getattr(old, "key", None) == key:
            return old  # this very training runs already (Quick start started it): a press keeps it going
        old.stop()
    stored_id = runs.find_finished(key)
    found = runs.lookup(stored_id) if stored_id else None
    if found is not None and not isinstance(found, str):
        stored = next(iter(found.trainings.values()))
        st.session_state.pop(JOB_KEY, None)
        st.session_state[TRAINED_KEY] = Trained(source, stored.cfg, stored.result, found.id, key, opened_from="store")
        rooms.post_run(ds, stored.cfg, source, stored.result.predictions["test"], found.id, None,  # no training time
                       training_key=key)
        return None
    agreed = not runs.needs_consent(source) or runs.consented()
    job = start(data, cfg, pool=training_pool(), owner_alive=session_alive_check(), session=session_key(),
                data_spec=runs.data_spec(source) if agreed else None)
    st.session_state[JOB_KEY] = {"job": job, "series": source, "collected": False,
                                 "room_post": rooms.post_when_finished(job, ds, cfg, source) if agreed else None}
    return job


def train_with_new_seed(ds: Dataset) -> TrainingJob | None:
    """Move the model's seed on by one and train: the same settings, another draw of starting weights."""
    model = model_settings()
    model["seed"] = (int(model["seed"]) + 1) % (2**31)
    st.session_state.pop("w_model_seed", None)
    return start_training(ds)


def collect_result() -> Trained | None:
    """Return the session's trained model, first taking (and storing) the latest job's result if it has weights."""
    run = st.session_state.get(JOB_KEY)
    if run and not run["collected"] and run["job"].done:
        job = run["job"]
        result = job.result()
        run["collected"] = True
        if result is not None and result.weights is not None:
            run_id = None
            key = getattr(job, "key", None)
            agreed = not runs.needs_consent(run["series"]) or runs.consented()
            if agreed:
                run_id = runs.save_training(result, job.cfg, run["series"], key)
            st.session_state[TRAINED_KEY] = Trained(run["series"], job.cfg, result, run_id, key)
            if agreed:  # a run on the learner's own file reaches the board only with their agreement
                progress = job.progress()
                rooms.settle_post(run.get("room_post"), trained_dataset(trained()), job.cfg, run["series"],
                                  result.predictions["test"], run_id,
                                  float(sum(progress.epoch_seconds)) or progress.elapsed,
                                  job.finished_at, key)
    return trained()


def keep_trained_run() -> None:
    """Store the session's trained run now (the learner agreed for their own data); return None."""
    run = trained()
    if run is not None and run.run_id is None:
        run.run_id = runs.save_training(run.result, run.model, run.series, run.training_key)


def trained() -> Trained | None:
    """Return the last finished training with weights, or None."""
    return st.session_state.get(TRAINED_KEY)


def trained_dataset(run: Trained) -> Dataset:
    """Return the dataset a finished run was trained on (its own settings, not the current ones)."""
    return dataset_of(run.series, run.model.seq_length, run.model.horizon)
