"""The computed captions beside the metrics and the loss curves: said when they hold, absent when they do not."""

import numpy as np
import pytest

from lstm_core.config import SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.evaluation.loss_gap import loss_gap_note, split_difficulty, stays_above
from lstm_core.evaluation.metrics import mse
from lstm_core.evaluation.noise_floor import below_floor, drawn_noise, floor_note
from lstm_core.figures.tables import evaluation_table


def clean_forecast(ds):
    """Return the clean signal at the test targets, scaled like y: the forecast that knows everything but the noise."""
    scaled_clean = ds.scaler.transform(ds.clean[:, None])[:, 0]  # (n_points,)
    return scaled_clean[ds.target_start["test"][:, None] + np.arange(ds.horizon)]  # (samples, horizon)


def test_the_noise_a_test_part_drew_is_what_a_forecaster_knowing_the_clean_signal_scores():
    ds = build_dataset(SeriesConfig(seed=0), seq_length=20, horizon=3)
    assert drawn_noise(ds, "test") == pytest.approx(mse(ds.y["test"], clean_forecast(ds)), rel=1e-9)
    assert drawn_noise(build_dataset_from_values(ds.values, 20), "test") is None, "own data: the noise is unknown"


def test_a_forecaster_under_the_floor_on_this_test_part_is_named_with_its_numbers_and_the_parts_own_noise():
    ds = build_dataset(SeriesConfig(seed=0), seq_length=20)  # this test part drew less noise than the average
    noise_here, floor = drawn_noise(ds, "test"), ds.noise_floor
    assert noise_here < floor
    table = evaluation_table(ds, clean_forecast(ds))
    test_mses = table["MSE"].drop("noise floor").to_dict()
    assert list(below_floor(test_mses, floor)) == ["LSTM (yours)"], "only the clean-signal forecast gets under"
    note = floor_note(test_mses, floor, len(ds.y["test"]), noise_here)
    assert note.startswith(f"On this test part your LSTM ({noise_here:.5f}, {1 - noise_here / floor:.1%} under it) "
                           f"scores below the noise floor {floor:.5f}.")
    assert f"these {len(ds.y['test'])} test windows" in note and "happened to be small" in note
    assert f"its mean square here is {noise_here:.5f}" in note
    assert "linear" not in note and "last value" not in note, "forecasters above the floor are not named"


def test_several_forecasters_under_the_floor_are_listed_lowest_first_and_a_noisier_part_is_called_chance():
    note = floor_note({"LSTM (yours)": 0.0064, "last value": 0.02, "linear on the window": 0.0060}, 0.0065, 45,
                      noise_here=0.0066)
    assert note.startswith("On this test part the linear model on the window (0.00600, 7.7% under it) and your LSTM "
                           "(0.00640, 1.5% under it) score below the noise floor 0.00650.")
    assert "mean square 0.00660 here" in note and "by chance" in note and "happened to be small" not in note


def test_no_floor_note_when_every_forecaster_is_above_the_floor_or_there_is_no_floor():
    ds = build_dataset(SeriesConfig(seed=0), seq_length=20)
    test_mses = evaluation_table(ds, ds.X["test"][:, -1:, 0])["MSE"].drop("noise floor").to_dict()
    assert min(test_mses.values()) > ds.noise_floor
    assert floor_note(test_mses, ds.noise_floor, len(ds.y["test"]), drawn_noise(ds, "test")) is None
    assert floor_note({"linear on the window": 0.001}, None, 45, None) is None, "own data has no floor to beat"


def test_stays_above_needs_the_last_epoch_and_most_recent_epochs_above():
    assert stays_above([0.5, 0.4, 0.3, 0.2, 0.15, 0.12], [0.6, 0.3, 0.2, 0.18, 0.16, 0.10])
    assert not stays_above([0.5, 0.4, 0.3, 0.2, 0.15, 0.09], [0.6, 0.3, 0.2, 0.18, 0.16, 0.10]), "last epoch below"
    assert not stays_above([0.5, 0.1, 0.1, 0.1, 0.1, 0.2], [0.4, 0.2, 0.2, 0.2, 0.2, 0.1]), "above only at the end"
    assert not stays_above([], [])


def noisy_sine(train_noise: float, later_noise: float, n_points: int = 600) -> np.ndarray:
    """Return a sine (n_points,) whose first 70 % (the training part) has one noise level and the rest another."""
    rng = np.random.default_rng(3)
    noise_std = np.where(np.arange(n_points) < n_points * 7 // 10, train_noise, later_noise)  # (n_points,)
    return np.sin(np.arange(n_points) * 0.1) + rng.normal(0.0, 1.0, n_points) * noise_std


ABOVE = ([0.30, 0.20, 0.10, 0.08, 0.07], [0.25, 0.12, 0.07, 0.06, 0.05])  # training loss above in the last epochs


def test_with_dropout_the_gap_is_put_down_to_dropout_on_in_training_and_off_in_evaluation():
    difficulty = split_difficulty(build_dataset(SeriesConfig(seed=0), seq_length=20))
    note = loss_gap_note(*ABOVE, dropout=0.2, difficulty=difficulty)
    assert note.startswith("The training loss stays above the validation loss (last epoch: 0.07000 against 0.05000).")
    assert "random 20% of each recurrent layer's outputs" in note and "dropout is off" in note
    assert ("training part is harder" in note) == difficulty.training_harder


def test_without_dropout_a_harder_training_part_is_shown_by_a_forecast_that_needs_no_model():
    ds = build_dataset_from_values(noisy_sine(train_noise=0.3, later_noise=0.05), seq_length=10)
    difficulty = split_difficulty(ds)
    by_hand = {split: float(np.mean((ds.y[split][:, 0] - ds.X[split][:, -1, 0]) ** 2)) for split in ("train", "val")}
    assert difficulty.last_value_train == pytest.approx(by_hand["train"])
    assert difficulty.last_value_val == pytest.approx(by_hand["val"]) and by_hand["train"] > 3 * by_hand["val"]
    note = loss_gap_note(*ABOVE, dropout=0.0, difficulty=difficulty)
    assert "Dropout is off" in note and "the training part is harder" in note and "not harder" not in note
    assert f"{by_hand['train']:.5f} on the training windows against {by_hand['val']:.5f}" in note
    assert "mean square" not in note, "the noise of the learner's own data is unknown, so it is not quoted"


def test_without_dropout_and_with_no_harder_training_part_only_the_way_the_losses_are_measured_is_left():
    difficulty = split_difficulty(build_dataset_from_values(noisy_sine(train_noise=0.05, later_noise=0.3), 10))
    assert not difficulty.training_harder
    note = loss_gap_note(*ABOVE, dropout=0.0, difficulty=difficulty)
    assert "not harder" in note and "mean over each epoch's batches" in note and "Dropout:" not in note


def test_no_loss_gap_note_when_the_training_loss_is_not_above():
    difficulty = split_difficulty(build_dataset_from_values(noisy_sine(train_noise=0.3, later_noise=0.05), 10))
    below = ([0.30, 0.20, 0.10, 0.08, 0.07], [0.35, 0.25, 0.12, 0.09, 0.08])
    assert loss_gap_note(*below, dropout=0.5, difficulty=difficulty) is None
    assert loss_gap_note(*below, dropout=0.0, difficulty=difficulty) is None
