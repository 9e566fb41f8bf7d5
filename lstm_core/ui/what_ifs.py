"""What the memory holds, for the model a page shows: computed once per training and shared by every session.

A class that opens one shared run (a lesson link, the same preset) asks for the same training's report;
Streamlit's resource cache computes it once under a per-key lock while the others wait, then hands every
session the same read-only object. Inside's what-if section asks for a guess first, then shows the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.expectations import EXPECTATIONS, outcome_of, ratio_words
from lstm_core.figures.memory import what_if_forecast_figure
from lstm_core.figures.stepper import UnitOrder
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.memory_report import MemoryReport, memory_report
from lstm_core.glassbox.readouts import MemoryCurves, memory_curves
from lstm_core.glassbox.what_if import CLAMPS, WhatIf, run_what_if
from lstm_core.model.weights import ModelWeights
from lstm_core.ui.charts import show_chart
from lstm_core.ui.predictions import predict_then_reveal
from lstm_core.ui.training_session import FinishedTraining

REPORTS_KEPT = 32  # distinct trainings whose reports stay in memory (a few MB each)
UNIT_ORDERS = ("index", "importance", "role")
WHAT_IF_KINDS = ("Knock out the unit", "Clamp a gate", "Reset the memory at a step")
CLAMP_SCOPES = ("every unit of the layer", "this unit only")
SHOW_ALTERED_KEY = "w_inside_show_altered"


def training_identity(run: FinishedTraining) -> str:
    """Return the key a finished training's report is shared under: its training key, else its run, else itself."""
    return run.training_key or run.run_id or f"unstored-{id(run.result)}"


def _weights_of(run: FinishedTraining) -> ModelWeights:
    if run.result.weights is None:  # a finished training always has them; a failed job is never one
        raise ValueError("this training has no weights to read")
    return run.result.weights


def stored_name(run: FinishedTraining) -> str:
    """Return a short name of a training for the store's question keys (twelve characters of its identity)."""
    return "".join(c for c in training_identity(run) if c.isalnum())[:12]


@st.cache_resource(max_entries=REPORTS_KEPT, show_spinner="Reading the memory: every knock-out and clamp of this "
                   "layer, once for this model…")
def _shared_report(identity: str, layer: int, _weights: ModelWeights, _dataset: Dataset) -> MemoryReport:
    return memory_report(_weights, _dataset, layer)


def report_of(run: FinishedTraining, dataset: Dataset, layer: int) -> MemoryReport:
    """Return the MemoryReport of one layer of a finished training, computed once for everyone who opens it."""
    return _shared_report(training_identity(run), layer, _weights_of(run), dataset)


@st.cache_resource(max_entries=4 * REPORTS_KEPT, show_spinner=False)
def _shared_curves(identity: str, layer: int, step: int, feature: int, _weights: ModelWeights,
                   _dataset: Dataset) -> MemoryCurves:
    return memory_curves(_weights, _dataset, layer=layer, step=step, feature=feature)


def curves_at(run: FinishedTraining, dataset: Dataset, layer: int, step: int, feature: int = 0) -> MemoryCurves:
    """Return the memory curves of a layer read at a step (0-based) for one input; the report holds the usual ones."""
    if step == dataset.seq_length - 1 and feature == 0:
        return report_of(run, dataset, layer).curves
    return _shared_curves(training_identity(run), layer, step, feature, _weights_of(run), dataset)


def unit_order(report: MemoryReport, by: str) -> UnitOrder:
    """Return the heatmap rows' order: by index, or with the most important (or first by role) unit on top."""
    roles = report.roles
    if by == "importance":
        return UnitOrder(tuple(reversed(roles.by_importance)), "importance, most important on top")
    if by == "role":
        return UnitOrder(tuple(reversed(roles.by_role)), "role: level, slope, noise, position, mixed, top down")
    return UnitOrder.by_index(len(roles.units))


@dataclass(frozen=True)
class WhatIfChoice:
    """The what-if a learner picked on Inside, and whether the stepper should show it."""

    what_if: WhatIf
    in_stepper: bool


def choose_what_if(run: FinishedTraining, dataset: Dataset, report: MemoryReport, unit: int) -> WhatIfChoice | None:
    """Draw Inside's what-if section (choice, guess, answer) and return the what-if once its answer is shown."""
    atlas, seq_length, layer, weights = report.atlas, dataset.seq_length, report.layer, _weights_of(run)
    kind = st.radio("What if…", WHAT_IF_KINDS, horizontal=True, key="w_inside_what_if",
                    help="Change the trained cell, then see what the forecast does. The model is not retrained.")
    if kind == WHAT_IF_KINDS[0]:
        start = 1 if seq_length == 1 else st.slider(
            "From step", 1, seq_length, 1, key="w_inside_knock_from",
            help="The unit's h is held at 0 from this step on (the unit picked for the equations).")
        what_if = atlas.knock_out(layer, unit) if start == 1 else run_what_if(
            weights, dataset.X["test"], dataset.y["test"],
            [Intervention("knock_out", layer, units=(unit,), from_step=start - 1)], atlas.untouched_mse,
            f"knock_out/{layer}/{unit}/from{start}")
    elif kind == WHAT_IF_KINDS[1]:
        labels = {f"{gate} = {value:g}: {meaning}": (gate, value) for (gate, value), meaning in CLAMPS.items()}
        picked = st.selectbox("Clamp", list(labels), key="w_inside_clamp",
                              help="The gate takes this value at every step, in the units chosen beside.")
        scope = st.radio("In", CLAMP_SCOPES, horizontal=True, key="w_inside_clamp_scope",
                         help=f"The whole layer, or only unit {unit} (the unit picked for the equations).")
        gate, value = labels[picked]
        what_if = atlas.clamp(layer, gate, value) if scope == CLAMP_SCOPES[0] else run_what_if(
            weights, dataset.X["test"], dataset.y["test"],
            [Intervention("clamp", layer, units=(unit,), gate=gate, value=value)], atlas.untouched_mse,
            f"clamp/{layer}/{unit}/{gate}={value:g}")
    elif seq_length == 1:
        st.info("A window of one step has no step before which the memory could be reset.")
        return None
    else:
        step = st.slider("Reset c and h before step", 2, seq_length, max(2, seq_length // 2 + 1),
                         key="w_inside_reset_step", help="Every unit of the first layer starts afresh at this step.")
        middle = atlas.reset()
        what_if = middle if middle.interventions[0].from_step == step - 1 else run_what_if(
            weights, dataset.X["test"], dataset.y["test"], [Intervention("reset", 0, from_step=step - 1)],
            atlas.untouched_mse, f"reset/0/{step - 1}")
    outcome = outcome_of(what_if.ratio)
    happened = f"{ratio_words(what_if.ratio)} (test MSE {what_if.test_mse:.4f} against {atlas.untouched_mse:.4f})"
    question = f"If you {what_if.label}, what will the forecast's test error do?"
    guessed = predict_then_reveal(f"{training_identity(run)}/{what_if.key}", question, EXPECTATIONS, outcome,
                                  happened, lambda: _draw_answer(dataset, report, what_if),
                                  stored_as=f"what-if/{stored_name(run)}/{what_if.key}")
    if guessed is None:
        return None
    in_stepper = st.toggle("Step through the altered cell in the stepper below", key=SHOW_ALTERED_KEY,
                           help="The stepper then shows the gates and states this change leads to, in this window.")
    return WhatIfChoice(what_if, in_stepper)


def _draw_answer(dataset: Dataset, report: MemoryReport, chosen: WhatIf) -> None:
    """Draw the test forecast under the chosen what-if beside the untouched one; the menu holds every other one."""
    atlas = report.atlas
    layer_what_ifs = list(atlas.what_ifs.values())
    if chosen.key not in atlas.what_ifs:
        layer_what_ifs.insert(0, chosen)
    shown = next(index for index, w in enumerate(layer_what_ifs) if w.key == chosen.key)
    show_chart(what_if_forecast_figure(dataset.y["test"], atlas.untouched, atlas.untouched_mse,
                                       layer_what_ifs, shown), key="what_if_forecast")
    st.caption(f"Dashed: the forecast of the altered model on every test window; blue: the untouched one. The menu "
               f"above the chart holds all {len(layer_what_ifs)} what-ifs of this layer, computed once for this model: "
               "switching between them happens in your browser. Guess first, though: each is a question above.")
