"""The Train page's answer to which input a model trained on several relies on."""

from __future__ import annotations

import streamlit as st

from lstm_core.data.dataset import Dataset
from lstm_core.figures.inputs import reliance_figure
from lstm_core.glassbox.input_reliance import RelianceReport, input_reliance, reliance_verdict
from lstm_core.ui.charts import show_chart
from lstm_core.ui.training_session import FinishedTraining


@st.cache_resource(max_entries=64, show_spinner=False)
def _report(training_name: str, _training: FinishedTraining, _ds: Dataset) -> RelianceReport:
    weights = _training.result.weights
    assert weights is not None, "input_reliance_view reads only trainings that have weights"
    return input_reliance(weights, _ds)


def input_reliance_view(training: FinishedTraining, ds: Dataset) -> None:
    """Draw what taking each input away does to the test error, where the loss looks in each, and the verdict."""
    if training.result.weights is None or ds.n_features == 1:
        return
    # Computed once per training for everyone who looks at it; a stored training is named by its run's id.
    report = _report(training.run_id or f"result-{id(training.result)}", training, ds)
    lead = ds.cfg.driver_lead if ds.cfg is not None and "driver" in ds.cfg.inputs else None
    verdict = reliance_verdict(report, lead, training.model.seq_length)
    st.subheader("Which input does the model rely on?")
    show_chart(reliance_figure(report), key="input_reliance", summary=verdict)
    st.info(verdict)
    st.caption("Left: each input in turn held at its training mean (its usual level, with nothing to say), the "
               "rest untouched; a bar near 1× means the model did not need it. A change smaller than two standard "
               "errors of the per-window difference counts as none. Right: how strongly the loss answers a nudge "
               "of that input, 1 step before the target, 2 steps, and so on.")
