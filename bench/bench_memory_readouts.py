"""What the memory holds, and what it costs: the quick start's memory curves, unit roles and what-ifs, timed.

Run: .venv/bin/python -m bench.bench_memory_readouts [--random] [--presets]
Trains the quick start in this process (as a worker trains it) or, with --random, takes its shapes with
random weights. Measures the process CPU time (time.process_time, least of REPEATS interleaved rounds) of
every single-unit knock-out plus the memory curves, the target being at most 1 s, against one plain replay
of the test set measured in the same run, and prints the ratio; then the whole atlas, the unit roles and
one window's altered trace. Prints the quick start's curves, verdict and roles as the pages would show
them. With --presets it also times, once each, the atlas and the curves of every preset's shapes with
random weights, against one plain replay of that preset's test windows. Never fails.
"""

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from bench.weights import random_weights
from lstm_core.config import ModelConfig, SeriesConfig
from lstm_core.data.dataset import build_dataset
from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.interventions import Intervention
from lstm_core.glassbox.memory_verdict import memory_verdict
from lstm_core.glassbox.readouts import memory_curves
from lstm_core.glassbox.replay import trace_model
from lstm_core.glassbox.unit_roles import dataset_unit_roles
from lstm_core.glassbox.what_if import knock_out_each_unit, what_if_atlas, what_if_trace
from lstm_core.model.weights import ModelWeights
from lstm_core.presets import PRESETS, QUICK_START_MODEL, QUICK_START_SERIES

REPEATS = 7
TARGET_CPU_S = 1.0


def cpu_seconds(tasks: dict[str, Callable[[], object]], repeats: int = REPEATS) -> dict[str, float]:
    """Return the least process CPU time of each task over repeats rounds, in seconds.

    The rounds interleave the tasks, so a busy moment of a shared machine falls on all of them alike.
    """
    best = {name: float("inf") for name in tasks}
    for _ in range(repeats):
        for name, task in tasks.items():
            start = time.process_time()
            task()
            best[name] = min(best[name], time.process_time() - start)
    return best


def quick_start_weights(random: bool) -> tuple[ModelWeights, str]:
    """Return the quick start's weights, trained here (or drawn at random), and a line saying which."""
    if random:
        return random_weights(QUICK_START_MODEL), "random weights of the quick start's shapes"
    from lstm_core.training.protocol import TrainingData
    from lstm_core.training.worker import load_keras, train_job

    load_keras(1, 1)  # as a worker: one intra-op and one inter-op thread
    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length)
    began = time.perf_counter()
    result = train_job(TrainingData.from_dataset(ds), QUICK_START_MODEL)
    assert result.weights is not None, result.message
    return result.weights, f"the quick start trained here in {time.perf_counter() - began:.1f} s"


def every_knock_out(weights: ModelWeights, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Return the test MSE ratio of every single-unit knock-out of every layer, as the atlas computes them."""
    untouched = mse(y, trace_model(weights, X).prediction)
    return [np.array([mse(y, p) / untouched for p in knock_out_each_unit(weights, X, layer)])
            for layer in range(len(weights.recurrent))]


def curve_line(name: str, r2: np.ndarray | None) -> str:
    """Return one curve as a line of R² from k = 0 on."""
    return f"  {name:<8}" + ("unknown" if r2 is None else " ".join(f"{value:5.2f}" for value in r2))


def main() -> None:
    """Time the memory readouts and what-ifs of the quick start and print what they find."""
    weights, origin = quick_start_weights("--random" in sys.argv)
    ds = build_dataset(QUICK_START_SERIES, QUICK_START_MODEL.seq_length)
    X, y = ds.X["test"], ds.y["test"]
    print(f"model: {origin}; {QUICK_START_MODEL.layers} layer x {QUICK_START_MODEL.units} units, window "
          f"{QUICK_START_MODEL.seq_length}; {len(ds.X['train'])} training and {len(X)} test windows")

    atlas = what_if_atlas(weights, X, y)
    seconds = cpu_seconds({
        "reference": lambda: trace_model(weights, X),
        "every single-unit knock-out": lambda: every_knock_out(weights, X, y),
        "memory curves (c and h)": lambda: memory_curves(weights, ds),
        "whole what-if atlas": lambda: what_if_atlas(weights, X, y),
        "unit roles (atlas importance)": lambda: dataset_unit_roles(weights, ds, importance=atlas.knock_out_ratios[0]),
        "one window's altered trace": lambda: what_if_trace(weights, X, 0, [Intervention("knock_out", 0, (0,))]),
    })
    reference = seconds.pop("reference")
    total = seconds["every single-unit knock-out"] + seconds["memory curves (c and h)"]
    rows = list(seconds.items())
    seconds = {**dict(rows[:2]), "knock-outs + memory curves": total, **dict(rows[2:])}
    print(f"\nprocess CPU, least of {REPEATS} interleaved rounds (reference: one plain replay of the {len(X)} test "
          f"windows = {reference * 1e3:.1f} ms)")
    for name, cpu in seconds.items():
        print(f"  {name:<32} {cpu * 1e3:8.1f} ms   {cpu / reference:7.1f}x the reference")
    verdict = "meets" if total <= TARGET_CPU_S else "misses"
    print(f"  knock-outs + memory curves {verdict} the target of {TARGET_CPU_S:.0f} s CPU ({total:.2f} s)")

    curves = memory_curves(weights, ds)
    print(f"\nmemory curves: layer {curves.layer + 1}, step {curves.step + 1} of {curves.window}; "
          f"R² on test windows, k = 0 (the last input) to {curves.window - 1}")
    for state, found in curves.states.items():
        print(f" state {state}: clean signal {found.clean:.3f}, slope {found.slope:.3f}")
        print(curve_line("inputs", found.inputs))
        print(curve_line("noise", found.noise))
    print(f" verdict (c): {memory_verdict(curves)}")
    print(f" verdict (h): {memory_verdict(curves, 'h')}")

    roles = dataset_unit_roles(weights, ds, importance=atlas.knock_out_ratios[0])
    barely = sum(abs(unit.importance - 1.0) < 0.05 for unit in roles.units)
    print(f"\nunit roles, layer 1 (h at the last step), by importance; untouched test MSE {atlas.untouched_mse:.5f}, "
          f"{barely} of {len(roles.units)} units change it by less than 5 %")
    for unit in roles.by_importance:
        role = roles.units[unit]
        print(f"  unit {unit:2d}  x{role.importance:5.2f}  {role.role}")
    print("\nclamps and the reset:")
    for key, what_if in atlas.what_ifs.items():
        if not key.startswith("knock_out/"):
            print(f"  x{what_if.ratio:8.2f}  {what_if.label}")


def preset_seconds(series: SeriesConfig, cfg: ModelConfig) -> dict[str, float]:
    """Return the CPU seconds of one replay, the atlas and the curves of cfg's shapes with random weights."""
    ds = build_dataset(series, cfg.seq_length)
    weights = random_weights(cfg)
    X, y = ds.X["test"], ds.y["test"]
    seconds = cpu_seconds({"replay": lambda: trace_model(weights, X), "atlas": lambda: what_if_atlas(weights, X, y),
                           "curves": lambda: memory_curves(weights, ds)}, repeats=1)
    return {**seconds, "windows": len(X)}


def preset_costs() -> None:
    """Print, for every distinct preset model, the CPU time of its atlas and curves against one replay."""
    print("\nevery preset's shapes, random weights, one call each (process CPU; ratio to one plain replay):")
    seen = set()
    for preset in PRESETS.values():
        if (preset.series, preset.model) in seen:
            continue
        seen.add((preset.series, preset.model))
        seconds = preset_seconds(preset.series, preset.model)
        cfg = preset.model
        print(f"  {preset.name:<22} {cfg.layers} x {cfg.units:2d} units, window {cfg.seq_length:2d}, "
              f"{seconds['windows']:.0f} test windows: replay {seconds['replay'] * 1e3:6.1f} ms, "
              f"atlas {seconds['atlas']:6.2f} s "
              f"({seconds['atlas'] / seconds['replay']:5.0f}x), curves {seconds['curves']:5.2f} s "
              f"({seconds['curves'] / seconds['replay']:4.0f}x)")


if __name__ == "__main__":
    main()
    if "--presets" in sys.argv:
        preset_costs()
