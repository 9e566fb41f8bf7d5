"""The Inside stepper figure's size and build time: every step sent once as Plotly frames, against a rerun per step.

Run: .venv/bin/python -m bench.bench_inside_frames
For the quick start and for the largest window the controls allow (seq_length 100, 3 layers of 64 units,
the top layer shown), prints the figure's JSON bytes (fig.to_json(), what st.plotly_chart sends), its build
time, and what the old stepper sent and built for one step and for all of them (the window chart, the six
heatmaps, the cell diagram, the unrolled strip and the two gradient charts, one set per step, as
bench/old_figures.py rebuilds them). The target: under 2 MB for the largest. Never fails.
"""

import time

import numpy as np

from bench.old_figures import step_figures
from bench.weights import random_weights
from lstm_core.config import MODEL_BOUNDS, ModelConfig
from lstm_core.figures.stepper import stepper_figure
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import trace_model
from lstm_core.presets import QUICK_START_MODEL

TARGET_BYTES = 2_000_000
REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> tuple[float, object]:
    """Return (the fastest wall time of fn over repeats calls in seconds, its last result)."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def old_step_json(trace, grads, x, y, layer: int, step: int, unit: int) -> str:
    """Return the JSON of every chart the per-step stepper sent for one step, concatenated."""
    return "".join(fig.to_json() for fig in step_figures(trace, grads, x[0], y[0], layer, step, unit))


def measure(name: str, cfg: ModelConfig) -> None:
    """Print the stepper figure's bytes and build time for cfg's top layer, and the per-step stepper's."""
    weights = random_weights(cfg, seed=0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(1, cfg.seq_length, 1))  # (batch, timesteps, features)
    y = rng.uniform(-1, 1, size=(1, cfg.horizon))  # (batch, horizon)
    trace, grads = trace_model(weights, x), gradients(weights, x, y)
    layer, unit = cfg.layers - 1, 0

    def build() -> str:
        return stepper_figure(weights, trace, grads, x[0], y[0], trace.prediction[0], layer, unit).to_json()

    seconds, sent = best_of(build)
    step_seconds, one_step = best_of(lambda: old_step_json(trace, grads, x, y, layer, cfg.seq_length // 2, unit))
    size = len(sent.encode())
    per_step = len(one_step.encode())
    verdict = "yes" if size < TARGET_BYTES else "NO"
    print(f"{name:34s} {cfg.seq_length:>4d} {cfg.layers}x{cfg.units:<3d} {size / 1e6:>8.3f} {seconds * 1e3:>9.0f} "
          f"{per_step / 1e6:>10.3f} {step_seconds * 1e3:>9.0f} {per_step * cfg.seq_length / size:>13.1f}  {verdict}")


def main() -> None:
    """Print the stepper figure's JSON size and build time for the quick start and the largest window."""
    largest = ModelConfig(seq_length=int(MODEL_BOUNDS["seq_length"].high), units=int(MODEL_BOUNDS["units"].high),
                          layers=int(MODEL_BOUNDS["layers"].high))
    print(f"best of {REPEATS}; figure = the stepper with every frame (fig.to_json()); old = the per-step charts "
          f"of one step; target under {TARGET_BYTES / 1e6:.0f} MB")
    print(f"{'model':34s} {'T':>4s} {'stack':5s} {'figure MB':>8s} {'build ms':>9s} {'old/step MB':>10s} "
          f"{'old ms':>9s} {'old T steps/fig':>13s}  under target")
    measure("quick start", QUICK_START_MODEL)
    measure("largest the controls allow", largest)


if __name__ == "__main__":
    main()
