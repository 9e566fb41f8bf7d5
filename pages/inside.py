"""Inside the LSTM: step through a trained model, one time step at a time, gate by gate, in the browser."""

import streamlit as st

from lstm_core.exports import gate_traces_csv
from lstm_core.figures.stepper import stepper_figure
from lstm_core.figures.summaries import stepper_summary
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import max_abs_difference, trace_model
from lstm_core.glassbox.what_if import what_if_trace
from lstm_core.model.answers import StackSizes, seed_answers
from lstm_core.ui import address_bar, navigation, training_session, what_ifs
from lstm_core.ui.charts import show_chart
from lstm_core.ui.stepper import STEP_PARAM, opening_step
from lstm_core.ui.training_session import OpenedFrom
from lstm_core.ui.widgets import clamped_slider, describe_model, needs, valid_choice

navigation.require_app("pages/inside.py")
st.title("Inside the LSTM: one step at a time")
run = training_session.collect_result()
lesson = navigation.lesson_mode()
if run is None:
    needs("This lesson link carries no trained model, so there is nothing to step through. On Home, train a model "
          "first and then build the lesson link: it carries the model." if lesson else
          "There is no trained model yet. Train one first; it takes a few seconds with the quick start.",
          "Go to Train", "train")

if run.opened_from is OpenedFrom.LINK and lesson:
    st.caption(f"The stored model this link carries, trained once with its own settings: "
               f"{describe_model(run.model.to_dict())}, {run.result.epochs_run} epochs.")
elif run.opened_from is OpenedFrom.LINK:
    st.info("This model was opened from a link: it is the stored run, trained with its own settings (the sidebar "
            "shows them). Train anew on the Train page.", icon=":material/link:")
ds = training_session.training_dataset(run)
weights = run.result.weights
seq_length, n_layers = run.model.seq_length, len(weights.recurrent)
pick_window, pick_layer, pick_unit, pick_order = st.columns(4)
with pick_window:
    window = clamped_slider("Test window", 0, len(ds.X["test"]) - 1, "w_inside_window",
                            "Which window of the test part to feed the model.")
with pick_layer:
    valid_choice("w_inside_layer", range(n_layers))
    layer = st.selectbox("Layer", range(n_layers), format_func=lambda k: f"LSTM layer {k + 1}", key="w_inside_layer")
with pick_unit:
    unit = clamped_slider("Unit for the equations", 0, run.model.units - 1, "w_inside_unit",
                          "Which unit's numbers to write into the equations.")
with pick_order:
    valid_choice("w_inside_order", what_ifs.UNIT_ORDERS)
    order_by = st.selectbox("Order the unit rows by", what_ifs.UNIT_ORDERS, key="w_inside_order",
                            help="Index: unit 0 at the bottom. Importance: the unit the forecast misses most when "
                                 "it is knocked out on top. Role: grouped by the signal each unit follows.")
report = what_ifs.report_of(run, ds, layer)
st.caption(f"**Unit {unit} of layer {layer + 1}** {report.roles.units[unit].role}.")

x = ds.X["test"][window:window + 1]  # (1, seq_length, 1)
trace = trace_model(weights, x)
forward_only = navigation.lesson_mode() == "gates"  # a projected class sees the forward pass alone
grads = None if forward_only else gradients(weights, x, ds.y["test"][window:window + 1])
keras_prediction = run.result.predictions["test"][window]  # (horizon,)
difference = max_abs_difference(trace.prediction[0], keras_prediction)
st.badge(f"Replay matches Keras: max |Δ| = {difference:.1e}", icon=":material/check_circle:",
         color="green" if difference <= 1e-5 else "red")
st.caption(f"This page recomputes the model in plain NumPy. Its forecast {trace.prediction[0, 0]:.5f} vs "
           f"the Keras model's own {keras_prediction[0]:.5f}.")
with st.container(border=True):
    for question, answer in seed_answers(StackSizes.from_weights(weights, seq_length), layer, unit):
        st.markdown(f"**{question}** {answer}")
st.subheader("What if…? Change the cell, then watch the forecast")
choice = what_ifs.choose_what_if(run, ds, report, unit)
altered = choice is not None and choice.in_stepper
if altered:
    trace = what_if_trace(weights, ds.X["test"], window, choice.what_if)
    grads = None  # the backward pass is the trained model's; the altered cell is shown forwards
    st.info(f"The stepper shows the altered model: {choice.what_if.label}. Its forecast for this window is "
            f"{trace.prediction[0, 0]:.5f}; the untouched model's is {keras_prediction[0]:.5f}.",
            icon=":material/science:")
step = opening_step(seq_length)
st.caption("Press ▶ Play, step with the buttons or drag the figure's slider: every step of this window is already "
           "in your browser. x1 enters, the gates act, then x2… Only after the last step is the forecast compared "
           "with Y. From outside, the window looks like one vector; inside it is a sequence.")
if grads is not None:
    st.caption(f"Loss of this window: {grads.loss:.2e} (squared error of the forecast, scaled units). The bottom "
               "row is the backward pass: training moves every weight against its gradient, and these charts show "
               "how far back in the window that signal reaches.")
figure = stepper_figure(weights, trace, grads, x[0], ds.y["test"][window],
                        trace.prediction[0], layer, unit, step, address_param=STEP_PARAM,
                        unit_order=what_ifs.unit_order(report, order_by), input_names=ds.features)
if ds.n_features > 1:
    st.caption(f"Each step feeds {ds.n_features} numbers at once, x_t = ({', '.join(ds.features)}): the window "
               "panel draws the series red and each input beside it in grey, and the equations write W·x_t term by "
               "term, one weight × value for each input.")
show_chart(figure, key="stepper", summary=stepper_summary(trace, ds.y["test"][window], layer, unit, step))
st.caption("Heatmaps: columns are time steps, rows are units. Gates (i, f, o) run from 0 (closed) to 1 (open); "
           "c, g and h are signed. The solid line is the step, the dotted one the unit in the equations. The cell "
           "state c is the memory: the forget gate scales what it carries, the input gate adds the candidate, and "
           "the output gate reads it out through tanh as h.")
if grads is not None:
    st.caption("The backward equation splits ∂L/∂c into the gradient carried back along the cell state, multiplied "
               "only by the forget gate, and the part arriving through this step's output. While f stays near 1, "
               "the carried part neither fades nor explodes.")
if run.run_id is not None:
    st.subheader("Share this trained model")
    st.code(address_bar.inside_link(run.run_id), language=None, wrap_lines=True)
    st.caption("Whoever opens this link steps through this very model, with no training.")
st.download_button("Gates and states of this window (CSV)", gate_traces_csv(trace), on_click="ignore",
                   file_name=f"lstm_lens_gates_window_{window}.csv", mime="text/csv", key="download_gates",
                   help="Every layer, step and unit: i, f, g, o, c and h of the window shown above.")
