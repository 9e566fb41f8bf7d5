"""The split sweep: on which series and models does a random split of overlapping windows flatter the test score?

Run: .venv/bin/python -m bench.sweep_splits [--quick]
For every series kind of the split lesson, length and model size, the lesson's model is trained on a
random and on a chronological split over three seeds, two jobs at a time (one TensorFlow thread each, as
the pool's workers). Scores are test MSE / noise floor. Writes every row to bench/split_sweep.csv and
prints, per setting, both means, their seed ranges, the ratio and the lesson's verdict; never fails.
"""

import csv
import itertools
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from lstm_core.evaluation.metrics import mse
from lstm_core.lessons.splits import SERIES_KINDS, SPLIT_KINDS, SplitLesson, SplitScores, lesson_model, split_data
from lstm_core.training.worker import load_keras, train_job

OUT = Path(__file__).with_name("split_sweep.csv")
SEEDS = (0, 1, 2)
GRID = {"n_points": (300, 1000), "size": ((16, 10), (64, 40))}  # size: (units, epochs)


def run(series: str, n_points: int, units: int, epochs: int, how: str, seed: int) -> dict:
    """Return one row: the test MSE over the noise floor and seconds of one trained model."""
    load_keras(1, 1)
    lesson = SplitLesson(series=series, n_points=n_points, units=units, epochs=epochs)
    split = split_data(lesson, how, seed)
    started = time.perf_counter()
    result = train_job(split.data, lesson_model(lesson, seed))
    seconds = time.perf_counter() - started
    test_mse = mse(split.data.y_test, result.predictions["test"])
    return {"series": series, "n_points": n_points, "units": units, "epochs": epochs, "split": how, "seed": seed,
            "mse_over_floor": round(test_mse / split.noise_floor, 3), "seconds": round(seconds, 2)}


def main() -> None:
    quick = "--quick" in sys.argv
    kinds = SERIES_KINDS[:2] if quick else SERIES_KINDS
    jobs = [(series, n, units, epochs, how, seed)
            for series, n, (units, epochs) in itertools.product(kinds, GRID["n_points"], GRID["size"])
            for how in SPLIT_KINDS for seed in SEEDS]
    with ProcessPoolExecutor(max_workers=2) as executor:
        rows = list(executor.map(run, *zip(*jobs)))
    with OUT.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{'series':20s} {'points':>6s} {'model':>10s} {'chronological':>22s} {'random':>22s} {'ratio':>6s} "
          f"{'s/job':>6s}  verdict")
    for series, n, (units, epochs) in itertools.product(kinds, GRID["n_points"], GRID["size"]):
        mine = [r for r in rows if (r["series"], r["n_points"], r["units"]) == (series, n, units)]
        by = {how: tuple(r["mse_over_floor"] for r in mine if r["split"] == how) for how in SPLIT_KINDS}
        scores = SplitScores(by["chronological"], by["random"])
        cells = [f"{np.mean(v):6.2f} ({min(v):.2f}-{max(v):.2f})" for v in by.values()]
        word = "CLEAR" if scores.clear else "opposite" if scores.opposite else "within noise"
        print(f"{series:20s} {n:6d} {f'{units}u/{epochs}ep':>10s} {cells[0]:>22s} {cells[1]:>22s} "
              f"{scores.ratio:6.2f} {max(r['seconds'] for r in mine):6.1f}  {word}")
    print(f"rows written to {OUT}")


if __name__ == "__main__":
    main()
