"""Unit roles on constructed units whose signals are known, and on models whose knock-outs are known."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.glassbox.unit_roles import (
    UNKNOWN_ROLES,
    dataset_unit_roles,
    importance_phrase,
    pearson,
    position_correlation,
    roles_from_states,
    unit_roles,
)
from lstm_core.glassbox.what_if import what_if_atlas

WINDOWS, STEPS = 400, 20


def _constructed():
    """Return states (windows, steps, 6) of units that are, in turn: the slope, the level, the noise, the step
    index, random, minus the slope blurred a little; and the signals at the last step."""
    rng = np.random.default_rng(0)
    phase = rng.uniform(0, 2 * np.pi, (WINDOWS, 1)) + 0.3 * np.arange(STEPS + 1)  # (windows, steps + 1)
    clean = np.sin(phase)
    slope = np.diff(clean, axis=1)  # (windows, steps)
    clean = clean[:, 1:]
    noise = rng.normal(0, 0.1, (WINDOWS, STEPS))
    position = np.arange(STEPS) / STEPS + rng.normal(0, 1, (WINDOWS, 1))  # its last value varies across windows
    states = np.stack([slope, clean, noise, position, rng.normal(size=(WINDOWS, STEPS)),
                       -slope + rng.normal(0, 0.05, slope.shape)], axis=-1)
    signals = {"level": clean[:, -1], "slope": slope[:, -1], "noise": noise[:, -1]}
    return states, signals


def test_constructed_units_get_the_role_of_the_signal_they_carry_and_their_importance_in_words():
    states, signals = _constructed()
    roles = roles_from_states(states, signals, np.array([2.8, 1.0, 1.02, 0.5, 1.31, 1.2]))
    lines = [unit.role for unit in roles.units]
    assert lines[0] == "follows the slope, r = 1.00; without it the error is 2.8× larger"
    assert lines[1] == "follows the level, r = 1.00; without it the error changes by less than 5 %"
    assert lines[2] == "follows the last input's noise, r = 1.00; without it the error changes by less than 5 %"
    assert lines[3] == "tracks the position in the window, r = 1.00; without it the error is 50 % smaller"
    assert lines[4].startswith("mixed: no single signal explains it (the closest: ")
    assert lines[4].endswith("; without it the error is 1.3× larger")
    assert lines[5] == "follows the slope, r = -0.97; without it the error is 1.2× larger"
    assert [unit.dominant for unit in roles.units] == ["slope", "level", "noise", "position", None, "slope"]
    assert roles.by_importance == [0, 4, 5, 2, 1, 3]
    assert roles.by_role == [1, 0, 5, 2, 3, 4]
    assert abs(roles.units[1].correlations["slope"]) < 0.2  # the level and the slope of a sine are unrelated


def test_without_a_clean_signal_the_level_is_the_last_input_and_the_noise_is_left_out():
    states, signals = _constructed()
    roles = roles_from_states(states, {"level": signals["level"]}, np.ones(6),
                              sources={"level": "the last input"}, unknown=UNKNOWN_ROLES)
    assert roles.units[1].role == "follows the last input, r = 1.00; without it the error changes by less than 5 %"
    assert "noise" not in roles.units[0].correlations and roles.unknown == UNKNOWN_ROLES


def test_correlations_of_a_flat_unit_are_nan_and_two_steps_have_no_position():
    assert np.isnan(pearson(np.ones((10, 1)), np.arange(10.0)))[0]
    assert np.isnan(position_correlation(np.random.default_rng(0).normal(size=(5, 2, 3)))).all()


@pytest.mark.parametrize("ratio,expected", [
    (1.04, "without it the error changes by less than 5 %"),
    (0.96, "without it the error changes by less than 5 %"),
    (1.4, "without it the error is 1.4× larger"),
    (23.4, "without it the error is 23× larger"),
    (0.8, "without it the error is 20 % smaller"),
    (float("nan"), "what the forecast loses without it cannot be measured (the untouched error is 0)"),
])
def test_importance_in_words(ratio, expected):
    assert importance_phrase(ratio) == expected


def test_a_silent_unit_barely_matters_and_the_atlas_importance_gives_the_same_roles():
    cfg = ModelConfig(seq_length=10, units=6, layers=1, dense_units=4)
    weights = random_weights(cfg, seed=2)
    weights.recurrent[0].recurrent_kernel[4, :] = 0.0
    weights.dense[0].kernel[4, :] = 0.0
    ds = build_dataset(SeriesConfig(n_points=400), cfg.seq_length)
    roles = dataset_unit_roles(weights, ds)
    assert roles.units[4].importance == 1.0 and roles.units[4].role.endswith("changes by less than 5 %")
    ordered = [roles.units[u].importance for u in roles.by_importance]
    assert ordered == sorted(ordered, reverse=True) and ordered[0] > 1.05
    atlas = what_if_atlas(weights, ds.X["test"], ds.y["test"])
    again = dataset_unit_roles(weights, ds, importance=atlas.knock_out_ratios[0])
    assert [u.role for u in again.units] == [u.role for u in roles.units]
    assert roles.sources["level"] == "the clean signal at the last step" and roles.unknown is None
    assert set(roles.units[0].correlations) == {"level", "slope", "noise", "position"}


def test_roles_on_measured_data_say_which_level_they_use():
    cfg = ModelConfig(seq_length=10, units=4, layers=2, dense_units=0)
    ds = build_dataset_from_values(np.sin(np.arange(400) / 5.0), cfg.seq_length)
    roles = dataset_unit_roles(random_weights(cfg), ds, layer=1, state="c")
    assert roles.sources == {"level": "the last input", "slope": "the last input minus the one before",
                             "position": "the step index, across the steps of each window"}
    assert roles.unknown == UNKNOWN_ROLES and roles.layer == 1 and roles.state == "c"


def test_bad_layers_and_states_are_refused():
    cfg = ModelConfig(seq_length=6, units=3, layers=1, dense_units=0, cell="rnn")
    X = np.zeros((4, 6, 1))
    with pytest.raises(ValueError, match=r"layer 1 is out of range.*\(0 to 0\)"):
        unit_roles(random_weights(cfg), X, np.zeros((4, 1)), layer=1)
    with pytest.raises(ValueError, match="plain RNN layer has h only"):
        unit_roles(random_weights(cfg), X, np.zeros((4, 1)), state="c")
