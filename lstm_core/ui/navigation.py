"""Which page a run draws: a deep link's page opened through app.py, the lesson screen a link asks for, the app's root.

Streamlit finds pages/ by itself until the app's navigation has run once in the server, so a deep link
to a page of a fresh server would run that page without app.py (no sidebar, no link read, no shared state);
each page sends such a first visit through app.py, which then opens the page with the link's parameters.
"""

from __future__ import annotations

import streamlit as st

from lstm_core.ui.pages import LESSON_MODES, LESSON_PARAM, PAGE_FILES

APP_RAN_KEY = "app_ran"
PAGE_SHOWN_KEY = "page_shown"  # the URL path of the page this run draws
OPEN_PARAM = "open"  # a deep link that reached a page before app.py: the page to open once it has run


def require_app(page_path: str) -> None:
    """Run app.py first when a deep link reached this page before it (a fresh server); it then opens the page."""
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


def app_root_url() -> str:
    """Return the app's own address, without the page's path and query (e.g. http://host:8501)."""
    url = (st.context.url or "").split("?")[0].rstrip("/")
    path = st.session_state.get(PAGE_SHOWN_KEY, "")
    if path and url.endswith("/" + path):
        url = url[: -len(path) - 1]
    return url
