"""The Data page's inputs beside the series: which to add, the driver's lead and weight, their windows and shares."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lstm_core.config import EXTRA_INPUTS, SeriesConfig
from lstm_core.data.dataset import Dataset
from lstm_core.figures.inputs import input_shares_figure, input_shares_summary, input_windows_figure
from lstm_core.ui.charts import show_chart
from lstm_core.ui.widgets import setting_slider

INPUTS_KEY = "w_series_inputs"
INPUT_NAMES = {"driver": "a driver (leads the target)", "distractor": "a distractor (pure noise)",
               "calendar": "a calendar (the wave's phase)"}


def inputs_controls(series: dict[str, Any]) -> None:
    """Draw the choice of inputs beside the series' own past, and the driver's lead and weight; return None."""
    chosen_now = list(series.get("inputs", []))
    if INPUTS_KEY not in st.session_state or list(st.session_state[INPUTS_KEY]) != chosen_now:
        st.session_state[INPUTS_KEY] = chosen_now  # a link or a preset changed them since the box was drawn

    def copy() -> None:
        _store(series, list(st.session_state[INPUTS_KEY]))

    chosen = st.multiselect("Inputs beside the series' own past", EXTRA_INPUTS, key=INPUTS_KEY, on_change=copy,
                            format_func=INPUT_NAMES.__getitem__,
                            help="Each input adds one number per step: x_t becomes a vector, and the first "
                                 "layer's W one row longer. The window length changes no weight.")
    _store(series, list(chosen))
    if "driver" in chosen:
        defaults = SeriesConfig()
        series.setdefault("driver_lead", defaults.driver_lead)
        series.setdefault("driver_weight", defaults.driver_weight)
        left, right = st.columns(2)
        with left:
            setting_slider(series, "series", "driver_lead", "Driver's lead (steps)",
                           "The driver moves the target this many steps later.")
        with right:
            setting_slider(series, "series", "driver_weight", "Driver's weight",
                           "How strongly the driver's earlier value moves the target.", step=0.1, fmt="%.1f")


def _store(series: dict[str, Any], chosen: list[str]) -> None:
    """Keep the chosen inputs in the settings; none leaves the settings as a series without inputs has them."""
    if chosen:
        series["inputs"] = chosen
    else:
        series.pop("inputs", None)


def inputs_view(ds: Dataset) -> None:
    """Draw one window of every input and, for generated inputs, the share of the target each accounts for."""
    if ds.n_features == 1:
        return
    st.subheader(f"{ds.n_features} inputs per step")
    show_chart(input_windows_figure(ds), key="input_windows",
               summary=f"One training window: {ds.seq_length} steps of {', '.join(ds.features)}, "
                       f"and the series' next value as Y.")
    st.caption(f"X now holds {ds.n_features} numbers per step: (samples, {ds.seq_length} steps, {ds.n_features} "
               f"inputs). Y is still the series' own next value. Each input is scaled on the training part alone.")
    if not ds.input_shares:
        st.caption("How much of the series each input accounts for is known only for generated inputs, which were "
                   "made with a known part in the target. For these columns nobody knows it: the Train page measures "
                   "what the trained model relies on instead.")
    else:
        show_chart(input_shares_figure(ds), key="input_shares", summary=input_shares_summary(ds))
        if ds.cfg is not None and "driver" in ds.input_shares and ds.cfg.driver_lead > ds.seq_length:
            st.warning(f"The driver moves the target {ds.cfg.driver_lead} steps later, but a window holds only "
                       f"{ds.seq_length} steps: the value that matters never reaches the model. Lengthen the "
                       "window on the Model page or shorten the lead.")
