"""Data: a noisy series, its scaling, and how windows of SEQ_LENGTH values become (X, Y) pairs."""

import streamlit as st

from lstm_core.config import SERIES_SHAPES
from lstm_core.figures.data import scaled_series_figure, series_figure, window_frame_stride, window_frames_figure
from lstm_core.figures.summaries import scaled_series_summary, series_summary, windows_summary
from lstm_core.figures.tables import window_table
from lstm_core.ui import datasets, navigation, settings
from lstm_core.ui.charts import show_chart
from lstm_core.ui.data_source import SOURCES, source_picker
from lstm_core.ui.extra_inputs import inputs_controls, inputs_view
from lstm_core.ui.widgets import seed_input, setting_select, setting_slider, stop_page

navigation.require_app("pages/data.py")
st.title("Data: from a wave to training windows")
series, model = settings.series_settings(), settings.model_settings()

calm = navigation.lesson_mode() == "windows"  # a projected class sees the window stepper alone
if not calm:
    source = source_picker()
    if source == SOURCES[0]:
        with st.expander("Series settings", expanded=True):
            left, right = st.columns(2)
            with left:
                setting_select(series, "series", "shape", "Series shape", SERIES_SHAPES,
                               "A plain sine, two sines added, or a sine on a rising trend.")
                setting_slider(series, "series", "n_points", "Length (points)", "How many values the series has.",
                               step=50)
                setting_slider(series, "series", "period", "Period (time units)", "Time for one full wave.", step=0.1,
                               fmt="%.1f")
            with right:
                setting_slider(series, "series", "amplitude", "Amplitude", "Height of the wave.", step=0.1, fmt="%.1f")
                setting_slider(series, "series", "noise_std", "Noise (std)",
                               "Spread of the random noise added to each value.", step=0.01, fmt="%.2f")
                setting_slider(series, "series", "time_step", "Time step", "Time between two values.", step=0.01,
                               fmt="%.2f")
                seed_input(series, "series", "Same seed, same noise: change it for another draw.")
            inputs_controls(series)

ds, problem = datasets.current_dataset()
if ds is None:
    st.error(problem)
    stop_page()

if not calm:
    show_chart(series_figure(ds), key="series", summary=series_summary(ds))
    st.caption("Train on the first 70 %, tune on the next 15 %, test on the last 15 %: the model never sees the "
               "future.")
    show_chart(scaled_series_figure(ds), key="scaled", summary=scaled_series_summary(ds))
    if ds.noise_floor is not None:
        st.caption(f"The scaler learns min and max from the training part only. Noise floor: an MSE of "
                   f"{ds.noise_floor:.4f} in these units is the best any forecaster can do on average.")
    else:
        st.caption("The scaler learns min and max from the training part only. How noisy this series is, nobody "
                   "knows: there is no noise floor to aim for, only the baselines on the Train page.")

if not calm:
    inputs_view(ds)

st.subheader(f"Windows of SEQ_LENGTH = {ds.seq_length} values")
n_windows, stride = len(ds.X["train"]), window_frame_stride(ds)
show_chart(window_frames_figure(ds), key="window", summary=windows_summary(ds, stride))
every = (f"All {n_windows} training windows are in the chart." if stride == 1 else
         f"The chart holds one in {stride} of the {n_windows} training windows, to keep the page light.")
st.caption("Drag the slider under the chart, or press play, to slide the window along the series: X (red) is "
           "SEQ_LENGTH past values, Y (green) the value right after. Slide by one: a new pair. " + every)
st.caption("The table shows the first six windows in scaled units, one row each.")
st.dataframe(window_table(ds, first=0, rows=6), width="stretch")
shapes = ds.shapes()
cols = st.columns(3)
for col, split in zip(cols, ("train", "val", "test")):
    col.metric(f"X_{split} (samples, timesteps, features)", str(shapes[f"X_{split}"]))
    col.caption(f"y_{split} (samples, horizon): {shapes[f'y_{split}']}")
