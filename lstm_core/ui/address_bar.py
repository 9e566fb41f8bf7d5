"""The address bar: read once when a link opens, written on every run from the session, copied into shared links.

A link carries the settings (lstm_core.ui.links names them), the page's own controls, the run shown
(``?run=<id>``), the room (``?room=<code>``) and the guided lesson's step (``?guide=<step>``). The run comes
first when a link is read: it brings its own settings, and any setting the link gives as well (moved after the
run was opened) is applied on top, so a reload shows exactly the screen it was taken from.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lstm_core.config import ModelConfig
from lstm_core.data.spec import source_of
from lstm_core.ui import guide, rooms, runs, settings
from lstm_core.ui.links import read_link, share_params
from lstm_core.ui.navigation import OPEN_PARAM, PAGE_SHOWN_KEY, app_root_url, lesson_mode
from lstm_core.ui.pages import LESSON_OF_PATH, LESSON_PARAM, PAGE_KEYS, PAGE_PREFIXES, page_file, url_path_of
from lstm_core.ui.training_session import (
    FINISHED_KEY,
    LESSON_JOBS_KEY_PREFIX,
    FinishedTraining,
    OpenedFrom,
    finished_training,
)

LINK_READ_KEY = "link_read"
LINK_NOTICE_KEY = "link_notice"


def read_link_once() -> None:
    """Apply the opening link's run and settings once per session; keep what it ignored for a notice."""
    if st.session_state.get(LINK_READ_KEY):
        return
    st.session_state[LINK_READ_KEY] = True
    run_id = st.query_params.get(runs.RUN_PARAM)
    if run_id:
        open_linked_run(run_id)
    params = {name: st.query_params.get_all(name) for name in st.query_params.keys()
              if name not in (OPEN_PARAM, runs.RUN_PARAM, guide.GUIDE_PARAM, *rooms.LINK_PARAMS)}
    page_values: dict[str, Any] = {}
    ignored = read_link(params, settings.series_settings(), settings.model_settings(), page_values)
    ignored += guide.read_link(st.query_params.get_all(guide.GUIDE_PARAM))
    for key, value in page_values.items():
        st.session_state[key] = value
    if ignored:
        st.session_state[LINK_NOTICE_KEY] = ignored


def open_linked_run(run_id: str) -> None:
    """Open a link's stored run into this session: its settings, and its model or lesson outcome; return None."""
    found, problem = runs.lookup(run_id)
    if found is None:
        st.session_state[runs.RUN_NOTICE_KEY] = problem
        return
    page_settings = found.page_settings or {}
    if found.lesson is None:
        stored = next(iter(found.trainings.values()))
        source = source_of(stored.data_spec)
        settings.use_stored_settings(source, stored.cfg)
        st.session_state[FINISHED_KEY] = FinishedTraining(source, stored.cfg, stored.result, found.id,
                                                          stored.training_key, opened_from=OpenedFrom.LINK)
    else:
        if "series" in page_settings:
            settings.use_stored_settings(source_of(page_settings["series"]),
                                         ModelConfig.from_dict(page_settings["model"]))
        if found.lesson in settings.LESSON_SETTINGS_KEYS and "lesson" in page_settings:
            st.session_state[settings.LESSON_SETTINGS_KEYS[found.lesson]] = dict(page_settings["lesson"])
        for key, value in page_settings.get("page", {}).items():
            st.session_state[key] = value
        st.session_state[runs.LINKED_RUN_KEY_PREFIX + found.lesson] = found
    st.session_state[runs.OPENED_RUN_KEY] = found.id


def address_params(url_path: str) -> dict[str, str]:
    """Return what the address bar holds on the page at url_path: settings, its own controls, the run shown."""
    prefix = PAGE_PREFIXES.get(url_path)
    page_values = {key: st.session_state[key] for key in PAGE_KEYS
                   if prefix and key.startswith(prefix) and key in st.session_state}
    mode = lesson_mode()
    if mode:
        page_values[LESSON_PARAM] = mode
    params = share_params(settings.series_settings(), settings.model_settings(), page_values)
    run_id = shown_run_id(url_path)
    if run_id:
        params[runs.RUN_PARAM] = run_id
    params.update(rooms.address_params())
    params.update(guide.address_params())
    return params


def shown_run_id(url_path: str) -> str | None:
    """Return the id of the stored run the page at url_path shows: its lesson's, else the session's training's."""
    lesson = LESSON_OF_PATH.get(url_path)
    if lesson is not None:
        run_id = getattr(st.session_state.get(f"{LESSON_JOBS_KEY_PREFIX}{lesson}"), "run_id", None)
        if run_id:
            return run_id
    training = finished_training()
    return training.run_id if training is not None else None


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


def share_link(url: str | None, url_path: str) -> str:
    """Return the address of this page as the address bar holds it: settings, this page's controls, the run shown."""
    query = urlencode(address_params(url_path))
    base = (url or "").split("?")[0]
    return f"{base}?{query}" if query else base


def inside_link(run_id: str) -> str:
    """Return the link that opens a stored run on the Inside page, for anyone who has it."""
    return f"{app_root_url()}/{url_path_of(page_file('inside'))}?{urlencode({runs.RUN_PARAM: run_id})}"


def lesson_query(mode: str) -> str:
    """Return the query string of a lesson link: the mode, the session's settings and its stored training if any."""
    params = share_params(settings.series_settings(), settings.model_settings(), {LESSON_PARAM: mode})
    training = finished_training()
    if training is not None and training.run_id is not None:
        # A projector opens the link in a fresh browser: without the run, a page that draws the model has none.
        params[runs.RUN_PARAM] = training.run_id
    return urlencode(params)
