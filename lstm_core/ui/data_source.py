"""The Data page's choice of series: the generated wave, a bundled real series, or the learner's own CSV."""

from __future__ import annotations

import streamlit as st

from lstm_core.data.own_data import (
    BUNDLED,
    MISSING_CHOICES,
    DataError,
    bundled_series,
    choose_series,
    column_gaps,
    read_csv,
)
from lstm_core.ui import runs, settings

SOURCES = ("A generated wave", "A real series", "Your own CSV file")


def source_picker() -> str:
    """Draw the choice of data source and its controls; return the chosen source's label."""
    current = settings.own_series()
    default = 0 if current is None else 1 if current.name in BUNDLED else 2
    choice = st.radio("Data", SOURCES, index=default, horizontal=True, key="w_data_source",
                      help="Every page uses the series chosen here.")
    if choice == SOURCES[0]:
        if current is not None:
            _switch(None)
    elif choice == SOURCES[1]:
        names = list(BUNDLED)
        name = st.selectbox("Real series", names, index=names.index(current.name) if current is not None
                            and current.name in BUNDLED else 0, key="w_data_bundled",
                            help="Small public-domain series bundled with the app; "
                                 "see lstm_core/data/series_data/README.md.")
        if current is None or current.name != name:
            _switch(bundled_series(name))
        st.caption("Real data has no known noise level: the pages leave the noise floor out.")
    else:
        _upload()
    return choice


def _upload() -> None:
    """Draw the uploader and the column choices; switch to the file's series only when it passes every check."""
    current = settings.own_series()
    upload = st.file_uploader("A CSV file with one value per row", type=["csv", "txt"], key="w_data_upload",
                              help="Up to 2 MB. Columns separated by commas, semicolons or tabs; a header row.")
    if upload is None:
        if current is not None and current.name not in BUNDLED:
            st.caption(f"In use: {current.name} ({len(current.values)} values).")
        else:
            st.info("Choose a file. Until one passes every check, the pages keep the series they had.")
        return
    try:
        parsed = read_csv(upload.getvalue(), upload.name)
    except DataError as problem:
        st.error(f"{upload.name} cannot be used: {problem}")
        return
    value_col, time_col = st.columns(2)
    column = value_col.selectbox("Value column", parsed.numeric, index=len(parsed.numeric) - 1, key="w_data_column")
    others = ["(none: number the rows)"] + [c for c in parsed.table.columns if c != column]
    time_column = time_col.selectbox("Time column (optional)", others, key="w_data_time_column")
    missing = None
    gaps = column_gaps(parsed, column)
    if gaps.count and not gaps.refused:  # a refused column gets its reason from choose_series below, not a choice
        st.warning(gaps.summary())
        missing = st.radio("Empty or non-numeric cells", MISSING_CHOICES, horizontal=True, key="w_data_missing",
                           format_func=lambda m: {"drop": "drop those rows", "interpolate": "interpolate"}[m])
    candidates = [c for c in parsed.numeric if c != column]
    input_columns = st.multiselect("Other columns read beside it as inputs (optional)", candidates,
                                   key="w_data_input_columns",
                                   help="Each adds one number per step: the model reads them with the series' own "
                                        "past and forecasts the value column.") if candidates else []
    try:
        series = choose_series(parsed, column, None if time_column == others[0] else time_column, missing,
                               tuple(c for c in input_columns if c in candidates))
    except DataError as problem:
        st.error(f"{upload.name} cannot be used: {problem}")
        return
    for note in series.notes:
        st.caption(note)
    if current is None or current.digest != series.digest or current.name != series.name:
        _switch(series)
    st.caption(f"In use: {series.name} ({len(series.values)} values). Its noise level is unknown: the pages "
               f"leave the noise floor out.")
    consent_box()


def consent_box() -> None:
    """Draw the learner's choice to let runs on their own file be kept, so that a link can reopen them."""
    st.checkbox("Keep my runs on this server, so that a link can reopen them (a link to a run then carries my "
                "data to whoever opens it)", value=runs.consented(), key="w_data_consent",
                on_change=lambda: st.session_state.__setitem__(runs.OWN_DATA_CONSENT_KEY,
                                                              st.session_state["w_data_consent"]),
                help="Off: your runs live only in this browser tab and are gone when it closes.")


def _switch(series) -> None:
    """Use series from now on and rerun, so the sidebar (drawn before the page) shows it too."""
    settings.use_own_series(series)
    st.rerun()

