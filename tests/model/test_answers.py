"""The seed's three answers carry the numbers of the model they describe, from its settings or its weights."""

import numpy as np
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig
from lstm_core.model.answers import QUESTIONS, StackSizes, gate_answer, seed_answers, stack_answer, steps_answer
from lstm_core.model.weights import LSTMWeights, ModelWeights


def sizes_of(layers: int, units: int, seq_length: int, n_features: int = 1) -> StackSizes:
    return StackSizes.from_config(ModelConfig(layers=layers, units=units, seq_length=seq_length), n_features)


@pytest.mark.parametrize("layers,units,seq_length,n_features", [(1, 32, 20, 1), (2, 7, 5, 3), (3, 50, 50, 1),
                                                                (2, 16, 1, 2)])
def test_sizes_from_settings_and_from_weights_agree(layers, units, seq_length, n_features):
    cfg = ModelConfig(layers=layers, units=units, seq_length=seq_length)
    from_config = StackSizes.from_config(cfg, n_features)
    from_weights = StackSizes.from_weights(random_weights(cfg, n_features), seq_length)
    assert from_config == from_weights
    assert from_config.layers == ((n_features, units),) + ((units, units),) * (layers - 1)
    assert from_config.n_features == n_features


def test_sizes_are_read_from_a_keras_models_own_kernels():
    from lstm_core.model.keras_model import build_model, extract_weights

    cfg = ModelConfig(layers=2, units=5, seq_length=6, dense_units=0)
    sizes = StackSizes.from_weights(extract_weights(build_model(cfg, n_features=2)), cfg.seq_length)
    assert sizes.layers == ((2, 5), (5, 5))
    assert "2 + 5 weights and a bias" in gate_answer(sizes, layer=0, unit=1)
    assert "layer 2's W is 5 × 20" in stack_answer(sizes)


def test_weights_of_the_wrong_shape_are_refused_with_both_shapes_named():
    good = random_weights(ModelConfig(layers=2, units=4, seq_length=3))
    bad = ModelWeights([good.recurrent[0], LSTMWeights(np.zeros((4, 12)), np.zeros((4, 16)), np.zeros(16))])
    with pytest.raises(ValueError, match=r"LSTM layer 2: kernel \(4, 12\) and recurrent kernel \(4, 16\)"):
        StackSizes.from_weights(bad, 3)
    with pytest.raises(ValueError, match="'rnn'"):
        StackSizes.from_config(ModelConfig(cell="rnn"))


@pytest.mark.parametrize("seq_length", [2, 3, 20, 100])
def test_the_window_enters_one_step_at_a_time_and_is_scored_after_its_last_step(seq_length):
    answer = steps_answer(sizes_of(1, 8, seq_length))
    assert answer.startswith("No, one step at a time")
    assert ("x1, x2" if seq_length == 2 else f"x1…x{seq_length}") in answer
    assert f"{seq_length} values" in answer and answer.endswith(f"only after step {seq_length}.")
    assert "feature" not in answer, "one feature: each step is one value"


def test_steps_with_several_features_are_vectors_and_a_one_step_window_says_so():
    answer = steps_answer(sizes_of(2, 8, 12, n_features=3))
    assert "12 steps enter as x1…x12" in answer and "each x_t a vector of 3 features" in answer
    single = steps_answer(sizes_of(1, 8, 1))
    assert "single step" in single and "x1" in single and "x1…" not in single


@pytest.mark.parametrize("n_features,units", [(1, 32), (2, 7), (5, 64)])
def test_a_gate_is_one_weighted_sum_of_input_and_previous_state_with_the_layers_sizes(n_features, units):
    sizes = sizes_of(2, units, 10, n_features)
    first = gate_answer(sizes, layer=0, unit=3)
    assert first.startswith("No: the forget gate of unit 3 in layer 1")
    assert "σ(x_t·W_f[:,3] + h_{t−1}·U_f[:,3] + b_f[3])" in first
    assert f"{n_features} + {units} weights and a bias" in first and "no hidden layer" in first
    second = gate_answer(sizes, layer=1, unit=0)
    assert "unit 0 in layer 2" in second and "x_t here is layer 1's h_t" in second
    assert f"{units} + {units} weights and a bias" in second


def test_the_settings_gate_answer_names_any_unit_and_every_layers_sizes():
    one = gate_answer(sizes_of(1, 32, 20, 2))
    assert "any unit j" in one and "W_f[:,j]" in one and "2 + 32 weights" in one and "Layer 2" not in one
    three = gate_answer(sizes_of(3, 8, 20))
    assert "1 + 8 weights and a bias" in three
    assert three.endswith("Layer 2's gates have 8 + 8 weights and a bias, layer 3's 8 + 8.")


@pytest.mark.parametrize("units,seq_length", [(32, 20), (50, 50), (3, 4)])
def test_two_layers_are_fully_connected_across_units_at_each_step_and_step_to_step_along_time(units, seq_length):
    answer = stack_answer(sizes_of(2, units, seq_length))
    assert answer.startswith("Across units, yes, at every step")
    assert f"layer 2's W is {units} × {4 * units}" in answer
    assert "every unit of layer 1 feeds every gate of every unit of layer 2" in answer
    assert "layer 2 at step t reads layer 1's h_t only, and its own h_{t−1}" in answer
    assert f"layer 2's final state h{seq_length} (a vector of {units} values) reaches the Dense head" in answer
    assert f"h1…h{seq_length - 1} only feed the next step" in answer


def test_three_layers_name_each_upper_kernel():
    answer = stack_answer(sizes_of(3, 8, 1))
    assert "layer 2's W is 8 × 32 and layer 3's W is 8 × 32" in answer
    assert "the h_t of the layer below" in answer
    assert answer.endswith("Only layer 3's final state h1 (a vector of 8 values) reaches the Dense head.")


@pytest.mark.parametrize("units,seq_length,n_features", [(32, 20, 1), (7, 3, 4)])
def test_one_layer_hands_the_head_its_final_state_and_its_units_connect_through_time(units, seq_length, n_features):
    answer = stack_answer(sizes_of(1, units, seq_length, n_features))
    assert answer.startswith("There is one layer")
    assert f"final state h{seq_length} (a vector of {units} values)" in answer
    assert f"U is {units} × {4 * units}" in answer
    assert "layer 2" not in answer


def test_seed_answers_pairs_each_question_with_its_answer_for_the_chosen_layer_and_unit():
    sizes = sizes_of(2, 6, 8)
    answers = seed_answers(sizes, layer=1, unit=5)
    assert [question for question, _ in answers] == list(QUESTIONS)
    assert [answer for _, answer in answers] == [steps_answer(sizes), gate_answer(sizes, 1, 5), stack_answer(sizes)]
    assert "unit 5 in layer 2" in answers.gate[1]
