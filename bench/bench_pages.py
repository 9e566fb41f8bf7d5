"""Page redraw time: the rerun one slider move causes on Data, Model, Inside and a lesson, against a trivial script.

Run: .venv/bin/python -m bench.bench_pages
Each rerun is timed server-side with Streamlit's AppTest (script run + building the element tree, no
browser, no network). The reference is a one-slider script timed the same way in the same run, so the
ratio shows what the page itself costs. Arms alternate round by round so drifts hit them all alike.
Inside gets a finished training from random weights (no TensorFlow). Prints a table; never fails.
"""

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit.logger
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]

streamlit.logger.set_log_level("error")  # importing lstm_core.ui warns "No runtime found" in bare mode

from bench.weights import random_weights  # noqa: E402
from lstm_core.config import ModelConfig, SeriesConfig  # noqa: E402
from lstm_core.data.dataset import build_dataset  # noqa: E402
from lstm_core.glassbox.replay import trace_model  # noqa: E402
from lstm_core.training.protocol import TrainingResult  # noqa: E402
from lstm_core.ui.training_session import FinishedTraining  # noqa: E402

APP = ROOT / "app.py"
ROUNDS, WARMUP = 10, 2
BUDGET_MS = 500
TIMEOUT = 120
REFERENCE_SCRIPT = """import streamlit as st
value = st.slider("A value", 0, 100, 0, key="value")
st.write(f"The value is {value}")
"""


def fake_trained(series: SeriesConfig, model: ModelConfig) -> FinishedTraining:
    """Return a FinishedTraining whose weights are random and whose predictions are the replay's own."""
    ds = build_dataset(series, model.seq_length, model.horizon)
    weights = random_weights(model)
    predictions = {split: trace_model(weights, ds.X[split]).prediction for split in ("train", "val", "test")}
    result = TrainingResult(status="done", history={"loss": [0.1] * model.epochs, "val_loss": [0.1] * model.epochs},
                            weights=weights, predictions=predictions, epochs_run=model.epochs)
    return FinishedTraining(series, model, result)


class Arm:
    """One page and one slider on it: open once, then time the rerun of each slider move."""

    def __init__(self, name: str, script: Path, page: str | None, slider: str, values, trained=None) -> None:
        self.name, self.slider, self.values = name, slider, iter(values)
        # AppTest's own setup warns "missing ScriptRunContext" (harmless); each run resets the level.
        streamlit.logger.set_log_level("error")
        self.at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
        if trained is not None:
            self.at.session_state["finished_training"] = trained
        self.at.run()
        if page is not None:
            self.at.switch_page(page).run()
        self._check("opening")
        self.times: list[float] = []

    def _check(self, where: str) -> None:
        if self.at.exception:
            raise RuntimeError(f"{self.name}, {where}: {[e.value for e in self.at.exception]}")

    def move(self, keep: bool) -> None:
        """Move the slider to its next value and time the rerun that follows."""
        value = next(self.values)
        slider = self.at.slider(key=self.slider).set_value(value)
        start = time.perf_counter()
        slider.run()
        elapsed = time.perf_counter() - start
        self._check(f"moving {self.slider}")
        if self.at.slider(key=self.slider).value != value:
            raise RuntimeError(f"{self.name}: the slider did not take the value {value}")
        if keep:
            self.times.append(elapsed)


def main() -> None:
    """Print the median rerun time per page, its ratio to the trivial script and the 500 ms verdict."""
    series, model = SeriesConfig(), ModelConfig()
    moves = WARMUP + ROUNDS
    with tempfile.TemporaryDirectory() as tmp:
        reference_script = Path(tmp) / "one_slider.py"
        reference_script.write_text(REFERENCE_SCRIPT)
        # Every move goes to a value not seen before, so no cached dataset or figure is reused.
        arms = [
            Arm("reference: one-slider script", reference_script, None, "value", range(1, moves + 1)),
            Arm("Data: noise (std)", APP, "pages/data.py", "w_series_noise_std",
                [round(series.noise_std + 0.01 * (k + 1), 2) for k in range(moves)]),
            Arm("Model: units", APP, "pages/model.py", "w_model_units", [model.units - 1 - k for k in range(moves)]),
            Arm("Inside: time step t", APP, "pages/inside.py", "w_inside_step", range(2, moves + 2),
                trained=fake_trained(series, model)),
            Arm("Lesson LSTM vs RNN: k", APP, "pages/lesson_memory.py", "w_memory_k", range(21, moves + 21)),
        ]
        for round_ in range(moves):
            for arm in arms:
                arm.move(keep=round_ >= WARMUP)

    reference = statistics.median(arms[0].times)
    print(f"defaults: {series.n_points} points, seq_length {model.seq_length}, {model.layers} x LSTM({model.units}), "
          f"Dense({model.dense_units}); {ROUNDS} timed reruns per arm after {WARMUP} warm-up, arms alternating")
    print(f"{'rerun after moving':34s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s} {'x reference':>12s}  "
          f"under {BUDGET_MS} ms")
    for arm in arms:
        median = statistics.median(arm.times)
        verdict = "-" if arm is arms[0] else ("yes" if median * 1e3 < BUDGET_MS else "NO")
        print(f"{arm.name:34s} {median * 1e3:10.1f} {min(arm.times) * 1e3:8.1f} {max(arm.times) * 1e3:8.1f} "
              f"{median / reference:12.1f}  {verdict}")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a benchmark reports, it never fails the build
        print(f"benchmark could not finish: {type(error).__name__}: {error}")
