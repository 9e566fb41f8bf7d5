"""The RNN-versus-LSTM lesson's compute: the task, the scores, the gradient profiles and the words on screen."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ConfigError
from lstm_core.glassbox.backprop import gradients
from lstm_core.lessons.memory import (
    MARKER_SPAN,
    WINDOWS,
    MemoryTask,
    ModelOutcome,
    explained_share,
    format_ratio,
    gradient_profiles,
    gradient_statement,
    memory_data,
    memory_model,
    memory_verdict,
    memory_windows,
    reach,
)


@pytest.mark.parametrize("k", [1, 7, 60])
def test_the_target_is_the_marked_value_at_least_k_steps_back(k):
    task = MemoryTask(k=k)
    X, y, marked_step = memory_windows(task, 500, seed=3)
    assert X.shape == (500, k + MARKER_SPAN - 1, 2) and y.shape == (500, 1)
    assert np.all(X[:, :, 1].sum(axis=1) == 1), "exactly one marker per window"
    assert np.array_equal(np.argmax(X[:, :, 1], axis=1), marked_step)
    np.testing.assert_array_equal(y[:, 0], X[np.arange(500), marked_step, 0])
    steps_back = task.window - marked_step
    assert steps_back.min() >= k and steps_back.max() <= k + MARKER_SPAN - 1
    assert len(set(marked_step)) == MARKER_SPAN, "the marked step varies: no fixed position to read"
    assert np.all(np.abs(X[:, :, 0]) <= 1)


def test_the_splits_are_independent_and_sized():
    data = memory_data(MemoryTask(k=5, seed=2))
    assert [len(data.X_train), len(data.X_val), len(data.X_test)] == list(WINDOWS.values())
    assert not np.array_equal(data.X_train[:400], data.X_test)
    assert data.n_features == 2


def test_task_settings_are_validated():
    with pytest.raises(ConfigError, match="k"):
        MemoryTask(k=0)
    with pytest.raises(ConfigError, match="units"):
        MemoryTask(units=65)


def test_both_models_have_the_same_size_and_one_recurrent_layer():
    task = MemoryTask(k=12, units=9)
    rnn, lstm = memory_model(task, "rnn"), memory_model(task, "lstm")
    assert (rnn.cell, lstm.cell) == ("rnn", "lstm")
    assert rnn.units == lstm.units == 9 and rnn.layers == lstm.layers == 1
    assert rnn.seq_length == lstm.seq_length == task.window


def test_explained_share_is_one_for_a_perfect_answer_and_zero_for_the_mean():
    actual = np.random.default_rng(0).uniform(-1, 1, (1000, 1))
    assert explained_share(actual, actual) == pytest.approx(1.0)
    assert explained_share(np.full_like(actual, actual.mean()), actual) == pytest.approx(0.0, abs=1e-12)


def test_gradient_profiles_are_per_window_gradients_averaged_per_step_back():
    task = MemoryTask(k=3, units=4)
    cfg = memory_model(task, "lstm")
    weights = random_weights(cfg, n_features=2, seed=1)
    X, y, _ = memory_windows(task, 5, seed=0)
    input_profile, memory_profile = gradient_profiles(weights, X, y)
    by_hand_input, by_hand_memory = [], []
    for n in range(5):  # one window at a time: each window's own loss
        one = gradients(weights, X[n:n + 1], y[n:n + 1])
        by_hand_input.append(np.linalg.norm(one.dx[0], axis=1))
        by_hand_memory.append(np.linalg.norm(one.layers[0].dc[0], axis=1))
    np.testing.assert_allclose(input_profile, np.mean(by_hand_input, axis=0)[::-1], rtol=1e-10)
    np.testing.assert_allclose(memory_profile, np.mean(by_hand_memory, axis=0)[::-1], rtol=1e-10)
    rnn_weights = random_weights(memory_model(task, "rnn"), n_features=2, seed=1)
    _, rnn_memory = gradient_profiles(rnn_weights, X, y)
    one = gradients(rnn_weights, X[:1], y[:1])
    assert rnn_memory.shape == (task.window,) and np.all(rnn_memory > 0) and one.layers[0].dc is None


def outcome(name: str, explained: float, input_profile=None) -> ModelOutcome:
    profile = np.ones(30) if input_profile is None else input_profile
    return ModelOutcome(name, 0.33 * (1 - explained), explained, profile, profile, profile, profile)


def test_verdict_says_what_the_numbers_say():
    task = MemoryTask(k=20)
    assert "No difference here" in memory_verdict(task, outcome("plain RNN", 0.97), outcome("LSTM", 0.99))
    split = memory_verdict(task, outcome("plain RNN", 0.02), outcome("LSTM", 0.99))
    assert "plain RNN fails" in split and "2%" in split and "99%" in split
    assert "only partly" in memory_verdict(task, outcome("plain RNN", 0.5), outcome("LSTM", 0.95))
    assert "Neither" in memory_verdict(task, outcome("plain RNN", 0.0), outcome("LSTM", 0.1))
    assert "the LSTM did not" in memory_verdict(task, outcome("plain RNN", 0.9), outcome("LSTM", 0.1))


def test_reach_and_the_gradient_statement_are_computed_from_the_profiles():
    task = MemoryTask(k=4)
    fading = 0.5 ** np.arange(task.window)  # halves every step back
    flat = np.ones(task.window)
    assert reach(fading, task.k) == pytest.approx(np.mean(0.5 ** np.arange(3, 3 + MARKER_SPAN)))
    assert reach(flat, task.k) == 1.0
    text = gradient_statement(task, outcome("plain RNN", 0.0, fading), outcome("LSTM", 1.0, flat))
    assert f"plain RNN's {format_ratio(reach(fading, 4))} before training" in text and "LSTM's ×1 before" in text
    assert format_ratio(3.1e-5) == "×3.1e-05" and format_ratio(0.52) == "×0.52"
    assert format_ratio(float("nan")) == "undefined"


def test_the_gradient_chart_draws_each_profile_relative_to_one_step_back_and_marks_the_zone():
    from lstm_core.lessons.memory_figures import gradient_reach_figure, memory_curves_figure, task_window_figure

    task = MemoryTask(k=5)
    fading = 0.3 * 0.5 ** np.arange(task.window)
    rnn, lstm = outcome("plain RNN", 0.0, fading), outcome("LSTM", 1.0, 2.0 * np.ones(task.window))
    fig = gradient_reach_figure([rnn, lstm], task.k)
    np.testing.assert_allclose(fig.data[1].y, fading / 0.3)  # the RNN after training
    np.testing.assert_allclose(fig.data[3].y, np.ones(task.window))
    zone = fig.layout.shapes[0]
    assert (zone.x0, zone.x1) == (task.k - 0.5, task.k + MARKER_SPAN - 0.5)
    assert all(not label.isdigit() or label == "1" for label in fig.layout.yaxis.ticktext)
    curves = memory_curves_figure({"plain RNN": {"loss": [0.3, 0.3], "val_loss": [0.31, 0.3]},
                                   "LSTM": {"loss": [0.2, 0.001], "val_loss": [0.1, 0.002]}}, 0.33, epochs=2)
    assert [trace.name for trace in curves.data][-1] == "guessing the mean"
    assert curves.layout.yaxis.range[1] > np.log10(0.33), "room above the guess-the-mean line"
    X, y, _ = memory_windows(task, 1, seed=0)
    window = task_window_figure(X[0], float(y[0, 0]))
    assert list(window.data[0].y) == list(X[0, :, 0]) and f"target {y[0, 0]:.2f}" in window.data[1].text[0]
