"""Extra inputs: generated with a known part in the target, windowed and scaled one by one, and their known shares."""

import numpy as np
import pytest

from lstm_core.config import ConfigError, ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, generate_series
from lstm_core.data.inputs import OWN_PAST, driver_values
from lstm_core.model.keras_model import build_model
from lstm_core.model.shapes import count_params, weight_shapes
from lstm_core.training.protocol import TrainingData, training_key


def test_a_series_without_extra_inputs_is_the_series_it_was():
    plain = SeriesConfig()
    assert set(plain.to_dict()) == {"n_points", "time_step", "period", "amplitude", "noise_std", "seed", "shape"}
    assert SeriesConfig.from_dict(plain.to_dict()) == plain and plain.n_features == 1
    with_inputs = SeriesConfig(inputs=("distractor",))
    assert "driver_lead" not in with_inputs.to_dict() and with_inputs.to_dict()["inputs"] == ["distractor"]
    # Adding an input leaves the series' own noise and values alone when it does not drive them.
    assert np.array_equal(generate_series(plain)[2], generate_series(with_inputs)[2])
    ds = build_dataset(with_inputs, 12)
    assert np.array_equal(ds.X["train"][:, :, 0], build_dataset(plain, 12).X["train"][:, :, 0])
    assert training_key(TrainingData.from_dataset(ds), ModelConfig()) != \
        training_key(TrainingData.from_dataset(build_dataset(plain, 12)), ModelConfig())


def test_inputs_are_named_once_in_one_order_and_unknown_ones_are_refused():
    assert SeriesConfig(inputs=("calendar", "driver", "calendar")).inputs == ("driver", "calendar")
    assert SeriesConfig(inputs=["distractor"]).n_features == 2
    with pytest.raises(ConfigError, match="weather"):
        SeriesConfig(inputs=("weather",))
    with pytest.raises(ConfigError, match="driver_lead"):
        SeriesConfig(inputs=("driver",), driver_lead=0)


def test_the_driver_moves_the_target_lead_steps_later_by_its_weight():
    cfg = SeriesConfig(inputs=("driver",), driver_lead=7, driver_weight=1.25, n_points=400)
    time, clean, values = generate_series(cfg)
    _, plain_clean, plain_values = generate_series(SeriesConfig(n_points=400))
    assert np.allclose(values - clean, plain_values - plain_clean), "the noise is the plain series' noise"
    ds = build_dataset(cfg, 10)
    driver = ds.inputs[:, 0]  # (n_points,) the driver at t
    assert np.allclose(clean[7:] - plain_clean[7:], 1.25 * driver[:-7])
    assert np.allclose(driver_values(cfg)[7:], driver)


def test_each_input_is_windowed_beside_the_series_and_scaled_on_the_training_part_alone():
    cfg = SeriesConfig(inputs=("driver", "distractor", "calendar"), n_points=300)
    ds = build_dataset(cfg, 15, horizon=2)
    assert ds.features == (OWN_PAST, "driver", "distractor", "calendar") and ds.n_features == 4
    assert ds.X["train"].shape[1:] == (15, 4) and ds.y["train"].shape[1] == 2
    for k, scaler in enumerate(ds.input_scalers):
        column = ds.inputs[:, k]  # (n_points,)
        train_part = column[: ds.train_end]  # (train_end,)
        assert scaler.data_min_[0] == train_part.min() and scaler.data_max_[0] == train_part.max()
        scaled = scaler.transform(column[:, None])[:, 0]  # (n_points,)
        first = ds.target_start["test"][3] - 15
        assert np.allclose(ds.X["test"][3, :, k + 1], scaled[first:first + 15])
    train_inputs = ds.X["train"][:, :, 1:]  # (samples, 15, 3)
    assert train_inputs.min() >= -1 - 1e-9 and train_inputs.max() <= 1 + 1e-9
    # The target stays the series' own next values, whatever the inputs.
    start = ds.target_start["val"][0]
    assert np.allclose(ds.y["val"][0], ds.scaled[start:start + 2])


def test_the_known_shares_follow_from_how_the_target_was_made():
    pure = build_dataset(SeriesConfig(inputs=("calendar", "distractor"), noise_std=0.0), 10)
    assert pure.input_shares["calendar"] == pytest.approx(1.0, abs=1e-3)
    assert pure.input_shares["distractor"] == 0.0
    cfg = SeriesConfig(inputs=("driver", "calendar"), driver_weight=1.5, noise_std=0.3)
    ds = build_dataset(cfg, 10)
    driver_part = 1.5 * driver_values(cfg)[: cfg.n_points]  # (n_points,)
    assert ds.input_shares["driver"] == pytest.approx(np.var(driver_part) / np.var(ds.values))
    assert 0.3 < ds.input_shares["driver"] < 0.9 and 0.1 < ds.input_shares["calendar"] < 0.6
    assert ds.input_shares["driver"] + ds.input_shares["calendar"] < 1, "the noise is left to nobody"


@pytest.mark.parametrize("features", [1, 2, 3])
def test_the_weight_shapes_grow_with_the_inputs_and_never_with_the_window(features):
    cfg = ModelConfig(seq_length=12, units=6, layers=2, dense_units=0, dropout=0.0)
    model = build_model(cfg, features)
    built = [tuple(weight.shape) for weight in model.weights]
    stored = ("kernel", "recurrent_kernel", "bias")
    listed = [layer.shapes[name] for layer in weight_shapes(cfg, features) for name in stored if name in layer.shapes]
    assert built == listed
    assert built[0] == (features, 4 * 6) and built[3] == (6, 4 * 6)
    assert count_params(cfg, features) == model.count_params()
    lstm_params = sum(layer.params for layer in weight_shapes(cfg, features) if layer.kind == "LSTM")
    assert lstm_params == 4 * 6 * (features + 6 + 1) + 4 * 6 * (6 + 6 + 1)
    longer = ModelConfig(seq_length=40, units=6, layers=2, dense_units=0, dropout=0.0)
    assert [layer.shapes for layer in weight_shapes(longer, features)] == \
        [layer.shapes for layer in weight_shapes(cfg, features)]
