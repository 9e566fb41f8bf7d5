"""Exports: settings JSON, CSVs, and a standalone Keras script that reproduces the app's run."""

import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset, build_dataset_from_values
from lstm_core.evaluation.metrics import mse
from lstm_core.exports import gate_traces_csv, history_csv, keras_script, settings_json
from lstm_core.glassbox.replay import trace_model
from lstm_core.training.protocol import TrainingData
from lstm_core.training.worker import train_job

SERIES = SeriesConfig(n_points=400, noise_std=0.1, inputs=("driver", "distractor", "calendar"), driver_lead=3)
MODEL = ModelConfig(seq_length=12, units=8, layers=2, dense_units=4, dropout=0.1, epochs=4, batch_size=32,
                    learning_rate=0.01)


OWN_VALUES = np.sin(np.arange(300) / 4.0) * 50 + 400
OWN_INPUTS = np.column_stack([np.cos(np.arange(300) / 4.0), np.arange(300) % 7])  # (300, 2) read beside the values
OWN_MODEL = ModelConfig(seq_length=10, units=4, layers=1, dense_units=0, dropout=0.0, epochs=3, cell="rnn")
PLAIN_SERIES = SeriesConfig(n_points=200, shape="trend")
PLAIN_MODEL = ModelConfig(seq_length=6, units=3, layers=1, dense_units=0, dropout=0.0, epochs=2)
SCRIPTS = {"generated series": keras_script(MODEL, SERIES),
           "own values": keras_script(OWN_MODEL, values=OWN_VALUES, inputs=OWN_INPUTS, input_names=("cos", "weekday")),
           "the series alone": keras_script(PLAIN_MODEL, PLAIN_SERIES)}
# Each script runs as its own __main__, one after the other in one interpreter without LSTM Lens on its path:
# one TensorFlow import for both. Each seeds everything it uses, so the order changes nothing (measured).
RUN_EACH = """import runpy, sys
for path in sys.argv[1:]:
    print('script', path)
    runpy.run_path(path, run_name='__main__')
"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, dict[str, float]]:
    """Return, per script of SCRIPTS, the losses and test MSE it printed when run with plain Python and Keras."""
    folder = tmp_path_factory.mktemp("scripts")
    paths = {name: folder / f"{name.replace(' ', '_')}.py" for name in SCRIPTS}
    for name, path in paths.items():
        path.write_text(SCRIPTS[name])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": ""}
    out = subprocess.run([sys.executable, "-c", RUN_EACH, *map(str, paths.values())], cwd=folder, capture_output=True,
                         text=True, env=env, timeout=300, check=True).stdout
    parts = dict(zip(SCRIPTS, out.split("script ")[1:]))
    return {name: {key: float(value) for key, value in re.findall(
        r"^(final training loss|final validation loss|test MSE) ([0-9.e-]+)$", part, flags=re.M)}
        for name, part in parts.items()}


# The script prints six decimals, so it can only agree to half a unit of the last one. Measured: both losses come
# out bit for bit equal to the app's (same seed, weights, dropout and shuffle), and the test MSE differs by about
# 1e-8 relative (the script predicts in batches of 32, the app in one batch): 6e-7 leaves room for that alone.
PRINTED_DIGITS = 6e-7


def assert_script_reproduces(printed: dict[str, float], app, ds) -> None:
    """Return None when the script's printed losses and test MSE are the app's run's; raise AssertionError if not."""
    app_values = {"final training loss": app.history["loss"][-1], "final validation loss": app.history["val_loss"][-1],
                  "test MSE": mse(ds.y["test"], app.predictions["test"])}
    assert set(printed) == set(app_values), printed
    for name, value in app_values.items():
        assert printed[name] == pytest.approx(value, rel=0, abs=PRINTED_DIGITS), name


def test_the_generated_script_reproduces_the_apps_run_without_lstm_lens(printed):
    assert all("lstm_core" not in source for source in SCRIPTS.values())
    ds = build_dataset(SERIES, MODEL.seq_length)
    assert_script_reproduces(printed["generated series"], train_job(TrainingData.from_dataset(ds), MODEL), ds)


def test_the_script_of_own_values_reproduces_the_run_on_those_values(printed):
    ds = build_dataset_from_values(OWN_VALUES, OWN_MODEL.seq_length, OWN_MODEL.horizon, "test values",
                                   inputs=OWN_INPUTS, input_names=("cos", "weekday"))
    assert_script_reproduces(printed["own values"], train_job(TrainingData.from_dataset(ds), OWN_MODEL), ds)


def test_the_script_of_a_series_without_inputs_reproduces_its_run(printed):
    ds = build_dataset(PLAIN_SERIES, PLAIN_MODEL.seq_length)
    assert_script_reproduces(printed["the series alone"], train_job(TrainingData.from_dataset(ds), PLAIN_MODEL), ds)


def test_the_script_needs_exactly_one_kind_of_series():
    with pytest.raises(ValueError, match="either"):
        keras_script(MODEL)
    with pytest.raises(ValueError, match="either"):
        keras_script(MODEL, SERIES, values=np.zeros(5))


def test_settings_json_round_trips():
    payload = json.loads(settings_json(SERIES, MODEL, "sine"))
    assert ModelConfig.from_dict(payload["model"]) == MODEL and SeriesConfig.from_dict(payload["series"]) == SERIES
    assert "series" not in json.loads(settings_json(None, MODEL, "co2.csv: ppm"))


def test_history_csv_has_one_row_per_epoch():
    table = pd.read_csv(io.StringIO(history_csv({"loss": [0.3, 0.2, 0.1], "val_loss": [0.4, 0.3, 0.2]})))
    assert list(table.columns) == ["epoch", "loss", "val_loss"] and table["epoch"].tolist() == [1, 2, 3]
    assert table["val_loss"].iloc[-1] == 0.2


def test_gate_traces_csv_holds_every_layer_step_and_unit():
    weights = random_weights(MODEL, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (2, MODEL.seq_length, 1))
    trace = trace_model(weights, x)
    table = pd.read_csv(io.StringIO(gate_traces_csv(trace, sample=1)))
    assert len(table) == MODEL.layers * MODEL.seq_length * MODEL.units
    row = table[(table.layer == 2) & (table.step == 5) & (table.unit == 3)].iloc[0]
    assert row["f"] == pytest.approx(trace.layers[1].f[1, 4, 3], rel=1e-5)
    assert row["h"] == pytest.approx(trace.layers[1].h[1, 4, 3], rel=1e-5, abs=1e-7)
