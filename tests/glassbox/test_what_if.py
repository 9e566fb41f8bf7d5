"""The what-if atlas: every precomputed what-if equals the glass box run with that intervention."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox import what_if as what_if_module
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.replay import trace_model
from lstm_core.glassbox.what_if import knock_out_each_unit, run_what_if, what_if_atlas, what_if_trace


def _model(cell: str = "lstm", layers: int = 2, units: int = 5, seq_length: int = 9, horizon: int = 2):
    cfg = ModelConfig(seq_length=seq_length, units=units, layers=layers, dense_units=3, horizon=horizon, cell=cell)
    weights = random_weights(cfg, seed=layers + units)
    rng = np.random.default_rng(units)
    X = rng.uniform(-1, 1, (11, seq_length, 1))  # (samples, seq_length, 1)
    y = rng.uniform(-1, 1, (11, horizon))  # (samples, horizon)
    return weights, X, y


@pytest.mark.parametrize("layer,from_step", [(0, 0), (1, 0), (0, 4), (2, 8)])
def test_the_batched_knock_outs_equal_one_replay_per_unit(layer, from_step):
    weights, X, _ = _model(layers=3)
    batched = knock_out_each_unit(weights, X, layer, from_step)
    assert batched.shape == (5, 11, 2)
    for unit in range(5):
        one = trace_model(weights, X, interventions=[Intervention("knock_out", layer, (unit,), from_step=from_step)])
        np.testing.assert_allclose(batched[unit], one.prediction, atol=1e-12)


def test_the_batched_knock_outs_are_the_same_when_memory_allows_one_unit_at_a_time(monkeypatch):
    weights, X, _ = _model(layers=2)
    whole = knock_out_each_unit(weights, X, 1)
    monkeypatch.setattr(what_if_module, "BATCH_BYTES", 1)
    np.testing.assert_allclose(knock_out_each_unit(weights, X, 1), whole, atol=1e-12)


def test_knock_outs_out_of_range_name_the_bounds():
    weights, X, _ = _model(layers=2)
    with pytest.raises(ValueError, match=r"layer 2 is out of range.*\(0 to 1\)"):
        knock_out_each_unit(weights, X, 2)
    with pytest.raises(ValueError, match=r"from_step 9 is out of range.*\(0 to 8\)"):
        knock_out_each_unit(weights, X, 0, from_step=9)


def test_the_atlas_holds_every_knock_out_the_four_clamps_of_each_layer_and_the_reset():
    weights, X, y = _model(layers=2)
    atlas = what_if_atlas(weights, X, y)
    untouched = trace_model(weights, X).prediction
    np.testing.assert_array_equal(atlas.untouched, untouched)
    assert atlas.untouched_mse == pytest.approx(mse(y, untouched))
    assert len(atlas.what_ifs) == 2 * 5 + 2 * 4 + 1
    for layer in range(2):
        for unit in range(5):
            knocked = atlas.knock_out(layer, unit)
            expected = trace_model(weights, X, interventions=[Intervention("knock_out", layer, (unit,))]).prediction
            np.testing.assert_allclose(knocked.predictions, expected, atol=1e-12)
            assert knocked.ratio == pytest.approx(mse(y, expected) / atlas.untouched_mse)
            assert atlas.knock_out_ratios[layer][unit] == knocked.ratio
    forget_open = atlas.clamp(1, "f", 1.0)
    expected = trace_model(weights, X, interventions=[Intervention("clamp", 1, gate="f", value=1.0)]).prediction
    np.testing.assert_allclose(forget_open.predictions, expected, atol=1e-12)
    assert forget_open.label == "clamp f = 1 in every unit of layer 2 from the first step (never forgets)"
    reset = atlas.reset()
    assert reset.key == "reset/0/4" and reset.interventions == (Intervention("reset", 0, from_step=4),)
    with pytest.raises(ValueError, match="holds no what-if 'clamp/0/g=1'"):
        atlas.clamp(0, "g", 1.0)


def test_a_plain_rnn_atlas_has_knock_outs_and_the_reset_but_no_clamps():
    weights, X, y = _model("rnn", layers=2)
    atlas = what_if_atlas(weights, X, y)
    assert not [key for key in atlas.what_ifs if key.startswith("clamp/")]
    assert len(atlas.what_ifs) == 2 * 5 + 1


def test_a_unit_that_reaches_nothing_has_a_ratio_of_exactly_one():
    weights, X, y = _model(layers=1)
    weights.recurrent[0].recurrent_kernel[3, :] = 0.0
    weights.dense[0].kernel[3, :] = 0.0
    atlas = what_if_atlas(weights, X, y)
    assert atlas.knock_out_ratios[0][3] == 1.0 and np.all(np.delete(atlas.knock_out_ratios[0], 3) != 1.0)


def test_a_custom_what_if_is_computed_live_and_the_stepper_gets_the_altered_window():
    weights, X, y = _model(layers=2)
    changes = [Intervention("knock_out", 0, units=(1, 2), from_step=3), Intervention("clamp", 1, gate="i", value=0.0)]
    custom = run_what_if(weights, X, y, changes)
    expected = trace_model(weights, X, interventions=changes).prediction
    np.testing.assert_array_equal(custom.predictions, expected)
    assert custom.key == "custom" and custom.test_mse == pytest.approx(mse(y, expected))
    assert custom.label == ("knock out units 1, 2 of layer 1 from step 4; "
                            "clamp i = 0 in every unit of layer 2 from the first step")
    trace = what_if_trace(weights, X, 6, custom)
    assert np.all(trace.lstm_layer(1).i == 0.0) and np.all(trace.layers[0].h[:, 3:, 1:3] == 0.0)
    np.testing.assert_allclose(trace.prediction, expected[6:7], atol=1e-12)
    with pytest.raises(ValueError, match=r"window 11 is out of range.*\(0 to 10\)"):
        what_if_trace(weights, X, 11, changes)


def test_an_atlas_of_one_layer_leaves_the_others_out():
    weights, X, y = _model(layers=3)
    atlas = what_if_atlas(weights, X, y, layers=[1])
    assert [len(r) for r in atlas.knock_out_ratios] == [0, 5, 0]
    assert sorted({key.split("/")[0] + "/" + key.split("/")[1] for key in atlas.what_ifs}) == \
        ["clamp/1", "knock_out/1", "reset/0"]
    np.testing.assert_array_equal(atlas.knock_out_ratios[1], what_if_atlas(weights, X, y).knock_out_ratios[1])
    with pytest.raises(ValueError, match=r"out of range.*\(0 to 2\)"):
        what_if_atlas(weights, X, y, layers=[3])
