"""Readouts of the memory and their verdicts, on constructed cells and curves whose answers are known."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.glassbox.memory_verdict import leading_count, memory_verdict
from lstm_core.glassbox.readouts import (
    MemoryCurves,
    StateCurves,
    compare_memories,
    memory_curves,
    memory_curves_from_windows,
    r2_scores,
    readout_r2,
    window_signals,
)
from lstm_core.model.weights import DenseWeights, LSTMWeights, ModelWeights, RNNWeights

WINDOW = 10


def _iid_windows(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, WINDOW, 1))  # (n, WINDOW, 1)


def _copy_cell() -> ModelWeights:
    """One LSTM unit with the input gate open, the forget gate shut and a small candidate: c_t ≈ 0.1·x_t."""
    kernel = np.array([[0.0, 0.0, 0.1, 0.0]])  # i, f, g, o
    bias = np.array([20.0, -20.0, 0.0, 0.0])
    return ModelWeights([LSTMWeights(kernel, np.zeros((1, 4)), bias)], [DenseWeights(np.ones((1, 1)), np.zeros(1))])


def _shift_register(depth: int = 4) -> ModelWeights:
    """A plain RNN whose unit j holds about 0.1·x_{t-j}: each unit passes its value to the next one."""
    kernel = np.zeros((1, depth))
    kernel[0, 0] = 0.1
    recurrent = np.eye(depth, k=1)  # h_{t-1}[j] feeds unit j + 1
    return ModelWeights([RNNWeights(kernel, recurrent, np.zeros(depth))],
                        [DenseWeights(np.ones((depth, 1)), np.zeros(1))])


def test_a_unit_that_copies_the_input_into_c_reads_back_the_last_input_and_nothing_older():
    curves = memory_curves_from_windows(_copy_cell(), _iid_windows(1500, 0), _iid_windows(500, 1))
    c = curves.states["c"].inputs
    assert c.shape == (WINDOW,) and c[0] > 0.999
    assert np.all(np.abs(c[1:]) < 0.03)
    assert curves.states["c"].noise is None and curves.unknown is not None and curves.layer == 0


def test_constructed_states_that_hold_the_last_four_inputs_read_them_back_and_nothing_beyond():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (3000, 12))  # i.i.d. inputs, column j = x_{T-j}
    states = np.concatenate([x[:, :4], rng.normal(size=(3000, 3))], axis=1)  # holds x_{T-k} exactly for k <= 3
    r2 = readout_r2(states[:2000], x[:2000], states[2000:], x[2000:])
    np.testing.assert_allclose(r2[:4], 1.0, atol=1e-3)
    assert np.all(np.abs(r2[4:]) < 0.02)


def test_a_shift_register_reads_back_k_up_to_3_through_the_whole_pipeline_and_nan_before_the_window():
    weights = _shift_register()
    curves = memory_curves_from_windows(weights, _iid_windows(1500, 2), _iid_windows(500, 3))
    h = curves.states["h"].inputs
    assert list(curves.states) == ["h"]  # a plain RNN has no cell state
    assert np.all(h[:4] > 0.999) and np.all(np.abs(h[4:]) < 0.03)
    early = memory_curves_from_windows(weights, _iid_windows(1500, 2), _iid_windows(500, 3), step=2)
    assert np.all(early.states["h"].inputs[:3] > 0.999) and np.all(np.isnan(early.states["h"].inputs[3:]))


def test_known_targets_get_their_r2_and_models_compare_on_the_same_windows():
    train, test = _iid_windows(1500, 4), _iid_windows(500, 5)
    targets = {"x two steps back": (train[:, -3, 0], test[:, -3, 0])}
    curves = compare_memories({"shift register": _shift_register(), "copy cell": _copy_cell()}, train, test,
                              targets=targets, unknown="The inputs are independent values.")
    assert curves["shift register"].states["h"].targets["x two steps back"] > 0.999
    assert abs(curves["copy cell"].states["c"].targets["x two steps back"]) < 0.03
    assert curves["copy cell"].unknown == "The inputs are independent values."


def test_r2_is_raw_below_zero_and_nan_for_a_constant_target():
    actual = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
    predicted = np.array([[3.0, 2.0], [2.0, 2.0], [1.0, 2.0]])
    r2 = r2_scores(actual, predicted)
    assert r2[0] == pytest.approx(-3.0) and np.isnan(r2[1])


def test_window_signals_add_up_to_the_inputs_the_model_reads():
    ds = build_dataset(SeriesConfig(n_points=300, noise_std=0.2), seq_length=8)
    signals = window_signals(ds, "test")
    assert signals is not None and signals.clean.shape == ds.X["test"].shape[:2]
    np.testing.assert_allclose(signals.clean + signals.noise, ds.X["test"][:, :, 0], atol=1e-12)
    np.testing.assert_allclose(signals.slope[:, 1:], np.diff(signals.clean, axis=1), atol=1e-12)
    assert window_signals(build_dataset_from_values(np.sin(np.arange(300.0)), 8), "test") is None


def test_memory_curves_of_a_generated_series_have_every_curve_and_of_measured_data_say_what_is_missing():
    cfg = ModelConfig(seq_length=8, units=5, layers=2, dense_units=0)
    weights = random_weights(cfg)
    generated = memory_curves(weights, build_dataset(SeriesConfig(n_points=300), cfg.seq_length))
    c = generated.states["c"]
    assert generated.layer == 1 and generated.step == 7 and generated.unknown is None
    assert c.noise is not None and c.noise.shape == (8,) and isinstance(c.clean, float) and isinstance(c.slope, float)
    measured = memory_curves(weights, build_dataset_from_values(np.sin(np.arange(300.0)), 8), layer=0, step=3)
    assert measured.states["h"].noise is None and measured.states["c"].clean is None
    assert "cannot be computed" in (measured.unknown or "") and "your data" in (measured.unknown or "")
    with pytest.raises(ValueError, match=r"layer 2 is out of range.*\(0 to 1\)"):
        memory_curves(weights, build_dataset(SeriesConfig(n_points=300), 8), layer=2)
    with pytest.raises(ValueError, match=r"step 8 is out of range.*8 steps \(0 to 7\)"):
        memory_curves(weights, build_dataset(SeriesConfig(n_points=300), 8), step=8)


def _curves(noise, clean=0.99, slope=0.99, inputs=None, unknown=None) -> MemoryCurves:
    noise_array = None if noise is None else np.array(noise, dtype=float)
    inputs_array = np.array(inputs if inputs is not None else [0.98] * 20, dtype=float)
    state = StateCurves(inputs_array, noise_array, None if noise is None else clean, None if noise is None else slope)
    return MemoryCurves(0, len(inputs_array) - 1, len(inputs_array), {"c": state, "h": state}, unknown)


QUICK_START_NOISE = [0.82, 0.59, 0.31, 0.27, 0.22, 0.20, 0.15, 0.16, 0.15, 0.07] + [0.05] * 10


@pytest.mark.parametrize("curves,expected", [
    (_curves(QUICK_START_NOISE),
     "The memory (cell state c) keeps the wave's phase (clean signal R² 0.99, slope 0.99) and a fading trace of "
     "about the last 3 inputs' noise (R² above 0.3 for k ≤ 2); it keeps no list of past values."),
    (_curves(QUICK_START_NOISE, clean=0.41, slope=0.12),
     "The memory (cell state c) keeps no clear phase of the wave (clean signal R² 0.41, slope 0.12) and a fading "
     "trace of about the last 3 inputs' noise (R² above 0.3 for k ≤ 2); it keeps no list of past values."),
    (_curves([0.1] * 20, clean=0.95, slope=0.5),
     "The memory (cell state c) keeps the wave's level but not clearly where it is heading (clean signal R² 0.95, "
     "slope 0.50) and no trace of the inputs' noise (R² 0.10 for the last input, below 0.3); it keeps no list of "
     "past values."),
    (_curves([0.95] * 3 + [0.5] * 9 + [0.1] * 8),
     "The memory (cell state c) keeps the wave's phase (clean signal R² 0.99, slope 0.99) and a long trace of the "
     "inputs' noise, about the last 12 (R² above 0.3 for k ≤ 11); it holds the last 3 values almost exactly "
     "(noise R² above 0.9 for k ≤ 2), not a list of the whole window."),
    (_curves([0.97] * 20),
     "The memory (cell state c) keeps the wave's phase (clean signal R² 0.99, slope 0.99) and a trace of the noise "
     "of every input of the window (R² above 0.3 up to k = 19); it holds every past value of the window, a list."),
    (_curves([0.6, 0.2] + [0.0] * 18),
     "The memory (cell state c) keeps the wave's phase (clean signal R² 0.99, slope 0.99) and a trace of the last "
     "input's noise only (R² 0.60; 0.20 for k = 1); it keeps no list of past values."),
    (_curves(None, inputs=[0.9, 0.8, 0.55, 0.2] + [0.0] * 16, unknown="The clean signal is unknown here."),
     "The memory (cell state c) holds about the last 3 inputs (R² above 0.5 for k ≤ 2); older ones fade. "
     "The clean signal is unknown here."),
    (_curves(None, inputs=[0.3] + [0.0] * 19, unknown="No clean signal."),
     "The memory (cell state c) holds none of the past inputs well (R² 0.30 for the last input, below 0.5). "
     "No clean signal."),
])
def test_the_verdict_says_what_the_curves_show(curves, expected):
    assert memory_verdict(curves) == expected


def test_the_verdict_reads_h_where_there_is_no_cell_state_and_refuses_a_missing_state():
    curves = _curves(QUICK_START_NOISE)
    del curves.states["c"]
    assert memory_verdict(curves).startswith("The hidden state h keeps the wave's phase")
    with pytest.raises(ValueError, match="no state 'c'"):
        memory_verdict(curves, "c")


def test_an_early_step_counts_only_the_inputs_it_has_seen():
    noise = [0.95, 0.95, 0.95] + [np.nan] * 17  # read at step 2: three inputs seen, all kept
    assert leading_count(np.array(noise), 0.9) == 3
    assert "every past value of the window" in memory_verdict(_curves(noise))


def test_the_penalty_is_chosen_on_held_out_training_windows_to_keep_small_directions_and_tame_few_windows():
    rng = np.random.default_rng(7)
    phase, small = rng.normal(size=(1200, 1)), rng.normal(size=(1200, 1))
    # A quantity held along a direction of small spread beside a large one, as the noise sits beside the phase.
    states = np.concatenate([phase + 1e-2 * small, phase - 1e-2 * small], axis=1)  # (1200, 2)
    assert readout_r2(states[:900], small[:900], states[900:], small[900:])[0] > 0.97
    assert readout_r2(states[:900], small[:900], states[900:], small[900:], alphas=(1e-2,))[0] < 0.1
    units = rng.normal(size=(240, 30))  # 30 units that hold nothing, 40 training windows: least squares overfits
    target = rng.normal(size=(240, 1))
    chosen = readout_r2(units[:40], target[:40], units[40:], target[40:])[0]
    least_squares = readout_r2(units[:40], target[:40], units[40:], target[40:], alphas=(1e-6,))[0]
    assert least_squares < -1.0 and chosen > -0.3


def test_a_readout_short_of_one_never_reads_as_one():
    verdict = memory_verdict(_curves(QUICK_START_NOISE, clean=0.9964, slope=0.9951))
    assert "(clean signal R² 0.996, slope 0.995)" in verdict
