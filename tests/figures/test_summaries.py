"""Each chart's summary says the numbers of the arrays it is drawn from, in the sentence a learner reads."""

import numpy as np
import plotly.graph_objects as go
import pytest

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import build_dataset_from_values
from lstm_core.evaluation.levers import MATTERS, TOO_FEW, LeverVerdict, Training
from lstm_core.figures.summaries import (
    architecture_summary,
    figure_summary,
    forecast_summary,
    lever_summary,
    loss_summary,
    number,
    scaled_series_summary,
    series_summary,
    step_announcements,
    stepper_summary,
    windows_summary,
)
from lstm_core.glassbox.replay import LSTMTrace, ModelTrace


@pytest.mark.parametrize(("value", "text"), [(0.11, "0.11"), (0.00812, "0.0081"), (1234.0, "1200"),
                                             (3.4e-5, "3.4e-05"), (-0.5, "-0.5"), (2.0, "2")])
def test_numbers_keep_two_significant_digits(value, text):
    assert number(value) == text


def test_the_loss_summary_says_how_each_loss_moved_and_where_validation_ends_against_the_floor():
    assert loss_summary([0.5, 0.2, 0.05], [0.11, 0.02, 0.008], 0.0067) == (
        "In 3 epochs, training loss fell from 0.5 to 0.05 and validation loss fell from 0.11 to 0.008; "
        "the last validation loss is 1.2× the noise floor (0.0067).")


def test_the_loss_summary_names_the_best_epoch_when_validation_rose_after_it():
    assert loss_summary([0.5, 0.2, 0.05, 0.04], [0.11, 0.007, 0.008, 0.02], None) == (
        "In 4 epochs, training loss fell from 0.5 to 0.04 and validation loss fell from 0.11 to 0.02. "
        "Validation was lowest at epoch 2 (0.007).")
    assert loss_summary([0.1, 0.3], [0.2, 0.2], None) == (
        "In 2 epochs, training loss rose from 0.1 to 0.3 and validation loss stayed at 0.2.")


def test_the_loss_summary_of_an_overflowing_training_gives_no_direction_or_ratio():
    assert loss_summary([0.5, float("inf")], [0.4, float("nan")], 0.01) == (
        "In 2 epochs, training loss went from 0.5 to an infinite or undefined value and validation loss went from "
        "0.4 to an infinite or undefined value.")


def test_the_loss_summary_before_the_first_epoch_says_so():
    assert loss_summary([], [], 0.01) == "No epoch has finished yet, so the chart has no loss to show."
    assert loss_summary([], [], 0.01, [(0.25, 0.4), (0.5, 0.31)]) == (
        "No epoch has finished yet; the running batch loss is 0.31 at epoch 0.5.")


def test_the_series_scaling_and_window_summaries_read_the_dataset():
    ds = build_dataset_from_values(np.arange(40, dtype=np.float64), seq_length=4)  # 0 … 39: 28 train, 6, 6
    assert series_summary(ds) == ("40 values of your data, from 0 to 39, starting at 0 and ending at 39; the first 28 "
                                  "values train the model, the next 6 validate it and the last 6 test it.")
    # Scaled on the training part 0 … 27 to (-1, 1): 28 lands at 1 + 2/27, 39 at 1 + 24/27.
    assert scaled_series_summary(ds) == ("Scaled with the training part's minimum and maximum: the training part from "
                                         "-1 to 1, the validation part from 1.1 to 1.4, the test part from 1.5 to "
                                         "1.9.")
    assert windows_summary(ds, stride=3) == ("24 training windows, each 4 inputs followed by 1 target; one in 3 has a "
                                             "frame. Window 0's inputs run from -1 to -0.78 (scaled) and its target "
                                             "is -0.7.")


def test_the_window_summary_of_a_part_without_windows_says_so():
    ds = build_dataset_from_values(np.arange(40, dtype=np.float64), seq_length=4)
    ds.X["val"] = ds.X["val"][:0]  # (0, seq_length, 1)
    assert windows_summary(ds, stride=1, split="val") == ("No validation window fits these settings, so the chart "
                                                          "has none to show.")


def test_the_architecture_summary_counts_layers_units_steps_and_the_head():
    cfg = ModelConfig(seq_length=8, units=6, layers=2, dense_units=4)
    assert architecture_summary(cfg) == ("1 feature per step enters 2 LSTM layers of 6 units, one cell reused over 8 "
                                         "steps; the last step's h feeds a Dense layer of 4 then a Dense layer of 1 "
                                         "that writes the forecast.")
    single = ModelConfig(seq_length=1, units=1, layers=1, dense_units=0, horizon=3)
    assert architecture_summary(single).endswith("the last step's h feeds a Dense layer of 3 that writes the forecast.")


def test_the_forecast_summary_gives_the_mean_miss_and_the_largest():
    assert forecast_summary(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.4, 3.0, 4.0])) == (
        "On the test part's 4 points the actual values run from 1 to 4; the forecast misses by 0.1 on average, "
        "most at point 2 (2.4 against 2).")
    assert forecast_summary(np.array([]), np.array([])) == "The test part has no points to forecast."


def _known_trace() -> ModelTrace:
    """Return a one-layer trace of 8 steps and 4 units whose unit 3 forgets 0.93 at step 7 and 0.1 at step 2."""
    shape = (1, 8, 4)  # (batch, timesteps, units)
    parts = {part: np.full(shape, 0.5) for part in "igoch"}
    forget = np.full(shape, 0.8)
    forget[0, 6, 3], forget[0, 1, 3] = 0.93, 0.1
    parts["c"][0, :, 3] = np.linspace(0.1, 0.8, 8)
    window = np.linspace(-1, 1, 8).reshape(1, 8, 1)  # (batch, timesteps, features)
    return ModelTrace(layers=[LSTMTrace(f=forget, **parts)], layer_inputs=[window], prediction=np.array([[0.25]]))


def test_each_step_is_announced_with_the_units_gates_and_states():
    words = step_announcements(_known_trace(), layer=0, unit=3)
    assert len(words) == 8
    assert words[6] == ("Step 7 of 8: input 0.71; unit 3: input gate 0.50 (lets in 50 % of the candidate), forget "
                        "gate 0.93 (keeps 93 % of its memory), candidate 0.50, output gate 0.50, cell state 0.70, "
                        "hidden state 0.50.")
    assert words[-1].endswith("The forecast is 0.250.") and "forget gate 0.80" in words[-1]


def test_the_stepper_summary_says_the_step_shown_and_the_forget_gate_over_the_window():
    assert stepper_summary(_known_trace(), np.array([0.3]), layer=0, unit=3, step=6) == (
        "Unit 3 of layer 1 over 8 steps. At step 7 its forget gate is 0.93: it keeps 93 % of its memory. Over the "
        "window the forget gate averages 0.73, lowest 0.10 at step 2; the cell state ends at 0.80. The forecast is "
        "0.250 against the target 0.300.")


def test_any_figure_is_summed_up_from_its_visible_traces():
    fig = go.Figure(layout=dict(title="<b>Errors</b> per step", xaxis_title="step", yaxis_title="MSE"))
    fig.add_scatter(x=[1, 2, 3], y=[0.5, 0.1, 0.2], name="recursive")
    fig.add_scatter(x=[1, 2, 3], y=[9, 9, 9], name="hidden one", visible=False)
    fig.add_scatter(x=[1, 3], y=[0.01, 0.01], name="noise floor")
    fig.add_scatter(x=[1, 2, 3], y=[0.3, 0.2, 0.1], name="direct")
    fig.add_bar(x=["a", "b &amp; c", "d"], y=[3, 7, 1], name="answers")
    fig.add_heatmap(z=[[1, 2], [3, 4]])
    assert figure_summary(fig) == ("Errors per step (MSE against step). recursive: 3 points from 0.5 to 0.2, "
                                   "between 0.1 and 0.5; noise floor: 0.01 throughout; direct: 3 points from 0.3 "
                                   "to 0.1; answers: 3 bars, highest 7 at b & c.")
    crowded = go.Figure([go.Scatter(y=[k, k + 1], name=f"seed {k}") for k in range(6)])
    assert figure_summary(crowded).endswith("seed 3: 2 points from 3 to 4; and 2 more lines.")
    assert figure_summary(go.Figure()) == "A chart."


def test_the_board_summary_gives_the_best_score_and_each_levers_values_and_verdict():
    runs = [Training({"units": 8}, 1.4, 1, 1, 1), Training({"units": 32}, 0.9, 1, 2, 2),
            Training({"units": 32}, float("nan"), 2, 1, 1)]
    verdicts = [LeverVerdict("units", "units per layer", (8.0, 32.0), 1, 3.2, 0.4, MATTERS, ""),
                LeverVerdict("dropout", "dropout", (), 0, 0.0, float("nan"), TOO_FEW, "")]
    assert lever_summary(runs, verdicts, "noise floor") == (
        "3 distinct trainings, the best scoring 0.9 (test MSE / noise floor, lower is better). units per layer: 8, 32 "
        "tried, matters; dropout: no value tried, too few runs.")
