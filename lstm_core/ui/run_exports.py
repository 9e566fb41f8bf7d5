"""After a training, on Train: the link that shares the trained model, and the files that take it home."""

from __future__ import annotations

import streamlit as st

from lstm_core.data.own_data import UserSeries
from lstm_core.data.spec import is_learners_own
from lstm_core.exports import history_csv, keras_script, settings_json
from lstm_core.ui import address_bar, runs, training_session
from lstm_core.ui.widgets import describe_model


def share_trained(run) -> None:
    """Draw the link to this trained model on Inside, or what keeps it from having one."""
    st.subheader("Share this trained model")
    if run.run_id is not None:
        st.code(address_bar.inside_link(run.run_id), language=None, wrap_lines=True)
        st.caption("Anyone with this link opens this very model on Inside and steps through its gates, with no "
                   "training at all: train once at the front, and the whole class explores the same model.")
        return
    problem = runs.store_problem()
    if problem:
        st.caption(problem)
    elif is_learners_own(run.series):
        st.caption("This model was trained on your own file. A link to it would carry your data to whoever opens "
                   "it, so it is kept on the server only if you agree.")
        if st.button("Keep this run and make a link (the link carries my data)", key="keep_own_run"):
            st.session_state[runs.OWN_DATA_CONSENT_KEY] = True
            training_session.store_finished_training()
            st.rerun()  # pressed inside the live part: the whole page, address bar included, shows the stored run


def take_home(run, run_ds) -> None:
    """Draw the downloads of a finished run: model, settings, loss history and a plain-Keras script."""
    st.subheader("Take it home")
    own = run.series if isinstance(run.series, UserSeries) else None
    series_cfg = None if own is not None else run.series
    script = keras_script(run.model, series_cfg, own.values if own is not None else None,
                          title=f"{describe_model(run.model.to_dict())} on {run_ds.name}",
                          inputs=own.inputs if own is not None else None,
                          input_names=own.input_names if own is not None else ())
    downloads = [
        ("The trained model (.keras)", run.result.keras_bytes, "lstm_lens_model.keras", "application/octet-stream"),
        ("Settings (JSON)", settings_json(series_cfg, run.model, run_ds.name), "lstm_lens_settings.json",
         "application/json"),
        ("Loss history (CSV)", history_csv(run.result.history), "lstm_lens_loss_history.csv", "text/csv"),
        ("The run as a Keras script (.py)", script, "lstm_lens_run.py", "text/x-python"),
    ]
    for column, (label, data, file_name, mime) in zip(st.columns(len(downloads)), downloads):
        column.download_button(label, data, file_name=file_name, mime=mime, on_click="ignore",
                               key=f"download_{file_name}", width="stretch")
    st.caption("The script needs only numpy, scikit-learn and TensorFlow: it rebuilds the same series, windows, "
               "model and seed and trains it again. Load the model with keras.models.load_model(path, "
               "safe_mode=True).")
