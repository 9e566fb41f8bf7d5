"""The tables the pages show, checked against the windows, the weight shapes and sklearn's metrics."""

import math

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error

from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.figures.tables import evaluation_table, gate_legend, shape_table, window_table
from lstm_core.model.shapes import count_params, weight_shapes

SERIES = SeriesConfig(n_points=300)


def assert_cell(cell: str, value: float) -> None:
    """Assert a table cell shows value rounded to 3 decimals."""
    assert isinstance(cell, str)
    decimals = cell.split(".")[1] if "." in cell else ""
    assert len(decimals) <= 3, f"{cell!r} shows more than 3 decimals"
    assert float(cell) == pytest.approx(round(float(value), 3), abs=1e-12), f"{cell!r} is not {value:.6f}"


# window_table


@pytest.mark.parametrize("split,first,rows", [("train", 0, 6), ("train", 17, 4), ("val", 2, 6), ("test", 0, 3)])
def test_window_table_shows_the_windows_scaled_values(split, first, rows):
    ds = build_dataset(SERIES, seq_length=3)
    table = window_table(ds, first=first, rows=rows, split=split)
    assert list(table.columns) == ["x1", "x2", "x3", "Y"]
    assert list(table.index) == [f"window {k}" for k in range(first, first + rows)]
    for r, k in enumerate(range(first, first + rows)):
        for step in range(3):
            assert_cell(table.iloc[r][f"x{step + 1}"], ds.X[split][k, step, 0])
        assert_cell(table.iloc[r]["Y"], ds.y[split][k, 0])


def test_window_table_rows_follow_the_series_by_one_step():
    ds = build_dataset(SERIES, seq_length=3)
    table = window_table(ds, first=0, rows=4)
    # window k+1 starts where window k's second value is, and its last input is window k's target
    for r in range(3):
        assert table.iloc[r + 1]["x1"] == table.iloc[r]["x2"]
        assert table.iloc[r + 1]["x3"] == table.iloc[r]["Y"]


@pytest.mark.parametrize("seq_length,ellipsis", [(3, False), (8, False), (9, True), (20, True)])
def test_window_table_cuts_long_windows_with_an_ellipsis(seq_length, ellipsis):
    ds = build_dataset(SERIES, seq_length=seq_length)
    table = window_table(ds, first=0, rows=6)
    assert ("…" in table.columns) is ellipsis
    if ellipsis:
        shown = [1, 2, 3, 4, seq_length - 3, seq_length - 2, seq_length - 1, seq_length]
        assert list(table.columns) == [f"x{k}" for k in shown[:4]] + ["…"] + [f"x{k}" for k in shown[4:]] + ["Y"]
        assert set(table["…"]) == {"…"}
    else:
        assert list(table.columns) == [f"x{k + 1}" for k in range(seq_length)] + ["Y"]
        shown = range(1, seq_length + 1)
    for r in range(6):
        for k in shown:
            assert_cell(table.iloc[r][f"x{k}"], ds.X["train"][r, k - 1, 0])


def test_window_table_names_one_target_column_per_horizon_step():
    ds = build_dataset(SERIES, seq_length=5, horizon=3)
    table = window_table(ds, first=10, rows=2)
    assert list(table.columns)[-3:] == ["Y1", "Y2", "Y3"]
    for r in range(2):
        for h in range(3):
            assert_cell(table.iloc[r][f"Y{h + 1}"], ds.y["train"][10 + r, h])


def test_window_table_stops_at_the_last_window():
    ds = build_dataset(SERIES, seq_length=3)
    last = len(ds.X["test"]) - 1
    table = window_table(ds, first=last - 1, rows=6, split="test")
    assert list(table.index) == [f"window {last - 1}", f"window {last}"]


# shape_table


CONFIGS = [
    (ModelConfig(units=4, layers=1, dense_units=0), 1),
    (ModelConfig(units=50, layers=2, dense_units=25), 1),
    (ModelConfig(units=7, layers=3, dense_units=0, horizon=4), 1),
    (ModelConfig(units=16, layers=2, dense_units=8, horizon=2), 3),
]


@pytest.mark.parametrize("cfg,n_features", CONFIGS)
def test_shape_table_rows_match_weight_shapes(cfg, n_features):
    layers = weight_shapes(cfg, n_features)
    table = shape_table(layers)
    assert list(table["layer"]) == [layer.name for layer in layers]
    assert list(table["kind"]) == ["LSTM"] * cfg.layers + ["Dense"] * (len(layers) - cfg.layers)
    for row, layer in zip(table.to_dict("records"), layers):
        s = layer.shapes
        assert row["kernel W"] == str(s["kernel"])
        assert row["bias b"] == str(s["bias"])
        assert row["parameters"] == layer.params
        if layer.kind == "LSTM":
            assert row["recurrent kernel U"] == str(s["recurrent_kernel"])
            u = layer.units
            assert row["each of i, f, g, o"] == f"W {(layer.input_dim, u)}, U {(u, u)}, b {(u,)}"
            assert row["parameters"] == 4 * u * (layer.input_dim + u + 1)
        else:
            assert row["recurrent kernel U"] == "—" and row["each of i, f, g, o"] == "—"
            assert row["parameters"] == layer.units * (layer.input_dim + 1)
        # the formula the learner reads gives the count in the next column
        assert eval(row["formula"].replace("·", "*")) == row["parameters"]


@pytest.mark.parametrize("cfg,n_features", CONFIGS)
def test_shape_table_parameters_sum_to_the_model_count(cfg, n_features):
    table = shape_table(weight_shapes(cfg, n_features))
    assert table["parameters"].sum() == count_params(cfg, n_features)


def test_shape_table_lstm_kernels_chain_from_input_to_units():
    table = shape_table(weight_shapes(ModelConfig(units=7, layers=3, dense_units=25)))
    assert list(table["kernel W"]) == ["(1, 28)", "(7, 28)", "(7, 28)", "(7, 25)", "(25, 1)"]
    assert list(table["recurrent kernel U"])[:3] == ["(7, 28)"] * 3


def test_gate_legend_names_the_gates_in_keras_order():
    assert gate_legend() == "i = input gate, f = forget gate, g = candidate, o = output gate"


# evaluation_table


@pytest.fixture(scope="module")
def ds():
    return build_dataset(SERIES, seq_length=10)


def test_evaluation_table_lstm_row_is_sklearns_error(ds):
    y = ds.y["test"]
    prediction = y + np.random.default_rng(1).normal(0, 0.1, y.shape)
    table = evaluation_table(ds, prediction)
    assert list(table.columns) == ["MSE", "RMSE", "MAE"]
    row = table.loc["LSTM (yours)"]
    assert row["MSE"] == pytest.approx(mean_squared_error(y, prediction), rel=1e-12)
    assert row["RMSE"] == pytest.approx(math.sqrt(mean_squared_error(y, prediction)), rel=1e-12)
    assert row["MAE"] == pytest.approx(mean_absolute_error(y, prediction), rel=1e-12)


def test_evaluation_table_has_the_lstm_the_baselines_and_the_noise_floor(ds):
    table = evaluation_table(ds, ds.y["test"])
    assert table.index[0] == "LSTM (yours)"
    assert table.index[-1] == "noise floor"
    assert {"last value", "linear on the window"} <= set(table.index)
    assert table.loc["LSTM (yours)"].tolist() == [0.0, 0.0, 0.0], "a perfect forecast has no error"
    last = ds.X["test"][:, -1, 0]
    assert table.loc["last value", "MSE"] == pytest.approx(mean_squared_error(ds.y["test"][:, 0], last), rel=1e-12)


def test_evaluation_table_noise_floor_is_the_noise_variance_in_scaled_units(ds):
    table = evaluation_table(ds, ds.y["test"])
    floor = table.loc["noise floor"]
    assert floor["MSE"] == ds.noise_floor
    assert floor["RMSE"] == pytest.approx(math.sqrt(ds.noise_floor), rel=1e-12)
    # noise σ in series units times the scaler's slope 2 / (max - min of the training part)
    train = ds.values[:ds.train_end]
    assert ds.noise_floor == pytest.approx((SERIES.noise_std * 2 / (train.max() - train.min())) ** 2, rel=1e-12)
    # the mean absolute error of Gaussian noise is σ·sqrt(2/π)
    assert floor["MAE"] == pytest.approx(math.sqrt(ds.noise_floor) * math.sqrt(2 / math.pi), rel=1e-12)


def test_evaluation_table_uses_the_split_asked_for():
    ds = build_dataset(SERIES, seq_length=10, horizon=2)
    y = ds.y["val"]
    prediction = np.zeros_like(y)
    table = evaluation_table(ds, prediction, split="val")
    assert table.loc["LSTM (yours)", "MSE"] == pytest.approx(mean_squared_error(y, prediction), rel=1e-12)


def test_evaluation_table_shows_seasonal_naive_only_when_a_season_fits_the_window():
    # the default period 2π sampled every 0.1 is 63 points
    short_ds = build_dataset(SERIES, seq_length=10)
    short = evaluation_table(short_ds, np.zeros_like(short_ds.y["test"]))
    long_ds = build_dataset(SERIES, seq_length=70)
    long = evaluation_table(long_ds, np.zeros_like(long_ds.y["test"]))
    assert "seasonal naive" not in short.index
    assert "seasonal naive" in long.index
