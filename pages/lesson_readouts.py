"""Lesson: what the memory holds. Straight-line readouts of the trained cell state, and what each unit does."""

from dataclasses import replace

import streamlit as st

from lstm_core.figures.memory import compared_readouts_figure, readout_curves_figure, unit_roles_figure
from lstm_core.glassbox.memory_verdict import READ_BACK, memory_verdict, r2_text, read_back_of
from lstm_core.lessons.memory import lesson_outcome
from lstm_core.ui import lesson_jobs, navigation, training_session, what_ifs
from lstm_core.ui.charts import show_chart
from lstm_core.ui.predictions import predict_then_reveal
from lstm_core.ui.widgets import needs, page_slider, sentences_table, valid_choice

QUESTION_STEPS_BACK = 5  # the noise of the input this many steps back is the question asked before the curves

navigation.require_app("pages/lesson_readouts.py")
st.title("What does the memory hold?")
st.markdown(
    "Tutorials warn that an LSTM does not store past values: its memory is spread over all its units. Test it "
    "on your trained model. If the cell state c held a list of the last inputs, a straight line fitted on the "
    "training windows (a *readout*) could read each of them back from c on the test windows. The score is R²: "
    "1 reads it back exactly, 0 is no better than guessing the average."
)


def draw_rnn_contrast() -> None:
    """Draw the memory lesson's plain RNN and LSTM readouts side by side, or say where to train them."""
    memory_lesson = lesson_jobs.jobs_of("memory")
    results = memory_lesson.results() if memory_lesson is not None else None
    if memory_lesson is None or results is None:
        st.info("The lesson *LSTM vs plain RNN* trains both on a task that needs a long memory. Train both there; "
                "their readouts then appear here side by side.", icon=":material/memory:")
        st.page_link("pages/lesson_memory.py", label="Go to LSTM vs plain RNN", icon=":material/memory:")
    else:
        if memory_lesson.outcome is None:  # computed once per run, here or on the lesson's own page
            memory_lesson.outcome = lesson_outcome(results, memory_lesson.data["LSTM"])
        compared = memory_lesson.outcome.readouts
        show_chart(compared_readouts_figure(compared), key="compared_readouts")
        st.caption("On that task every input is independent noise, so the R² of x(t−k) is exactly how much of that "
                   "input each memory kept. " + " ".join(f"{name}: {memory_verdict(replace(found, unknown=None))}."
                                                        for name, found in compared.items()))


run = training_session.collect_result()
if run is None:
    st.subheader("A plain RNN beside the LSTM")
    draw_rnn_contrast()
    needs("There is no trained model of yours yet to read. Train one first; the quick start takes a few seconds.",
          "Go to Train", "train")
ds = training_session.training_dataset(run)
n_layers = run.model.layers
pick_layer, pick_step = st.columns(2)
with pick_layer:
    valid_choice("w_readouts_layer", range(n_layers))
    layer = st.selectbox("Layer", range(n_layers), format_func=lambda k: f"LSTM layer {k + 1}", key="w_readouts_layer")
with pick_step:
    step = 0 if ds.seq_length == 1 else int(page_slider(
        "Read the memory at step", 1, ds.seq_length, ds.seq_length, "w_readouts_step",
        "Which step of the window to read c and h at; the forecast reads the last one.")) - 1
feature = 0
if ds.n_features > 1:
    valid_choice("w_readouts_input", range(ds.n_features))
    feature = st.radio("Read back the past of", range(ds.n_features), format_func=ds.features.__getitem__,
                       horizontal=True, key="w_readouts_input",
                       help="The model reads several inputs at each step: which one's past values to read out of "
                            "its memory.")
curves = what_ifs.curves_at(run, ds, layer, step, feature)
memory = curves.states["c"]


def draw_curves() -> None:
    """Draw the memory curves and their verdict."""
    show_chart(readout_curves_figure(curves), key="readout_curves")
    st.success(memory_verdict(curves), icon=":material/memory:")
    st.caption("Grey: the past input x(t−k) itself. Red: its noise, what is left of it once the clean wave is "
               "taken away. On a clean wave every past value follows from where the wave is (its phase), so the "
               "grey line stays high even for a memory of no values at all: the noise is the honest test, because "
               "it can only be read back if the memory kept that very input. Solid: from c; dotted: from h.")


back = min(QUESTION_STEPS_BACK, step)
if memory.noise is not None:
    noise_r2 = float(memory.noise[back])
    predict_then_reveal(f"{what_ifs.training_identity(run)}/readout/{layer}/{step}",
                        f"Before you look: how well can a straight line read the noise of the input {back} steps "
                        f"back out of the cell state c at step {step + 1}?", READ_BACK, read_back_of(noise_r2),
                        f"R² {r2_text(noise_r2)} on the test windows", draw_curves,
                        stored_as=f"readout/{what_ifs.stored_name(run)}/{layer}/{step}")
else:
    st.info(curves.unknown or "", icon=":material/help:")
    draw_curves()

st.subheader("What each unit does")
report = what_ifs.report_of(run, ds, layer)
roles = report.roles
show_chart(unit_roles_figure(roles), key="unit_roles")
st.caption("Each bar is the test error with that one unit knocked out (its h held at 0) over the untouched "
           "model's; the colour is the signal the unit follows most closely, |r| ≥ 0.7, at the last step. "
           + (roles.unknown or "Level, slope and noise come from the clean wave the series was made from."))
sentences_table({"unit": [r.unit for r in roles.units], "role": [r.role for r in roles.units],
                 **{f"r with {name}": [round(r.correlations.get(name, float("nan")), 3) for r in roles.units]
                    for name in roles.sources},
                 "error without it ÷ with it": [round(r.importance, 3) for r in roles.units]},
                ("unit", "role"), key="unit_role_table")
st.page_link("pages/inside.py", label="Knock a unit out yourself on Inside, and step through the altered cell",
             icon=":material/biotech:")

st.subheader("A plain RNN beside the LSTM")
draw_rnn_contrast()
