"""Model: the levers of the network, the stack they draw and every weight shape they set."""

import streamlit as st

from lstm_core.config import MODEL_BOUNDS
from lstm_core.data.dataset import max_seq_length
from lstm_core.figures.summaries import architecture_summary
from lstm_core.figures.tables import gate_legend, shape_table
from lstm_core.model.answers import StackSizes, seed_answers
from lstm_core.model.shapes import count_params, weight_shapes, what_sets_the_shapes
from lstm_core.ui import datasets, navigation, settings, training_session
from lstm_core.ui.charts import show_chart
from lstm_core.ui.links import LEARNING_RATES
from lstm_core.ui.pacing import levers_note, room_slider, room_steps
from lstm_core.ui.widgets import architecture_chart, fields_table

navigation.require_app("pages/model.py")
st.title("Model: choose the levers, see the shapes")
series, model = settings.series_settings(), settings.model_settings()
own = settings.own_series()
n_points = len(own.values) if own is not None else series["n_points"]

levers_note()
left, right = st.columns(2)
with left:
    room_slider(model, "model", "seq_length", "Window length (SEQ_LENGTH)",
                "How many past values the model reads before each forecast.",
                   high=max_seq_length(n_points, model["horizon"]))
    room_slider(model, "model", "units", "Units", "Size of each LSTM layer's memory: hidden and cell state width.")
    room_slider(model, "model", "layers", "Layers", "How many LSTM layers are stacked.")
    room_slider(model, "model", "dropout", "Dropout",
                "Share of values dropped after each LSTM layer while training.", step=0.05, fmt="%.2f")
with right:
    room_slider(model, "model", "dense_units", "Dense head units (0 = none)",
                "A Dense layer between the last LSTM state and the output.")
    room_steps(model, "model", "learning_rate", "Learning rate", LEARNING_RATES,
               "Size of each Adam step: too big diverges, too small crawls.")
    room_slider(model, "model", "batch_size", "Batch size", "Windows per weight update.", step=16)
    room_slider(model, "model", "epochs", "Epochs", "Passes over the training windows.")

cfg = settings.model_config()
ds, problem = datasets.current_dataset()
n_features = ds.n_features if ds is not None else 1  # the series' own past, and each input beside it
layers = weight_shapes(cfg, n_features)
if ds is None:
    st.warning(problem)
else:
    n_train = len(ds.X["train"])
    estimate = training_session.training_estimate(cfg, n_train)
    jobs = estimate.measured_jobs
    basis = (f"from the epoch times of this server's last {'training' if jobs == 1 else f'{jobs} trainings'}"
             if jobs else "a rough guess: nothing has finished training on this server yet")
    st.info(f"Estimated training time on this server: about {estimate.seconds:.{1 if estimate.seconds < 10 else 0}f} s "
            f"once a training slot is free ({n_train} training windows, {cfg.epochs} epochs; {basis}).")

show_chart(architecture_chart(cfg, n_features), key="architecture", summary=architecture_summary(cfg, n_features))
st.caption("Time runs left to right, one column per step; each row is a layer, and each blue box is that layer's "
           f"state h at that step, a vector of {cfg.units} values. The crossed lines join every unit below to every "
           "unit above, at that step only; grey arrows carry h and c on to the next step; only the top layer's last "
           "box reaches the head (thick arrow).")
with st.container(border=True):
    for question, answer in seed_answers(StackSizes.from_config(cfg, n_features)):
        st.markdown(f"**{question}** {answer}")

st.subheader("Weight shapes")
fields_table(shape_table(layers).set_index("layer"), "weights", key="weight_shapes")
total = count_params(cfg, n_features)
st.metric("Trainable parameters", f"{total:,}")
st.caption(f"Keras stores the four gates side by side ({gate_legend()}), so W has 4·units columns and one row per "
           f"input: {n_features} here. An LSTM layer has 4·units·(inputs + units + 1) parameters.")
window_free, input_bound = what_sets_the_shapes(cfg, n_features)
st.markdown(f"{'✓' if window_free else '✗'} The window length changes none of these shapes (checked at windows 1 "
            f"and {MODEL_BOUNDS['seq_length'].high:.0f}). {'✓' if input_bound else '✗'} A new input does: the first "
            f"layer's W would become {n_features + 1} × {4 * cfg.units}.")
