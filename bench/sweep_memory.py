"""The long-memory sweep: from which k on does the plain RNN stop learning the lesson's task, and the LSTM?

Run: .venv/bin/python -m bench.sweep_memory [k ...]
For every k, both models of the RNN-versus-LSTM lesson are trained at the lesson's other defaults over
two task seeds, two at a time (one TensorFlow thread each, as the pool's workers train), and scored by
the share of the marked value they explain on the test windows (1 = perfect, 0 = guessing the mean).
Writes every row to bench/memory_sweep.csv and prints, per model, the smallest k from which no seed
learned (explained share below 0.8); never fails.
"""

import csv
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lstm_core.lessons.memory import LEARNED, MemoryTask, memory_data, memory_model, model_outcome, reach
from lstm_core.training.worker import load_keras, train_job

OUT = Path(__file__).with_name("memory_sweep.csv")
K_VALUES = (2, 4, 6, 8, 10, 12, 15, 20, 30, 45, 60)
SEEDS = (0, 1)
CELLS = {"rnn": "plain RNN", "lstm": "LSTM"}


def run(k: int, seed: int, cell: str) -> dict:
    """Return one row: the explained share, test MSE, seconds and gradient reach of one trained model."""
    load_keras(1, 1)
    task = MemoryTask(k=k, seed=seed)
    data = memory_data(task)
    started = time.perf_counter()
    result = train_job(data, memory_model(task, cell))
    seconds = time.perf_counter() - started
    outcome = model_outcome(CELLS[cell], result.weights, result.initial_weights, data)
    return {"k": k, "seed": seed, "cell": cell, "explained": round(outcome.explained, 4),
            "test_mse": round(outcome.test_mse, 5), "seconds": round(seconds, 2),
            "input_reach_initial": f"{reach(outcome.gradient_initial, k):.3g}",
            "input_reach_trained": f"{reach(outcome.gradient_trained, k):.3g}"}


def first_k_never_learned(rows: list[dict], cell: str) -> int | None:
    """Return the smallest k from which no seed of cell reached the LEARNED share, or None."""
    for k in sorted({row["k"] for row in rows}):
        if all(row["explained"] < LEARNED for row in rows if row["cell"] == cell and row["k"] >= k):
            return k
    return None


def main() -> None:
    k_values = [int(a) for a in sys.argv[1:]] or list(K_VALUES)
    jobs = [(k, seed, cell) for k in k_values for seed in SEEDS for cell in CELLS]
    with ProcessPoolExecutor(max_workers=2) as executor:
        rows = list(executor.map(run, *zip(*jobs)))
    with OUT.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{'k':>3} " + " ".join(f"{name + ' explained':>22} {'s':>5}" for name in CELLS.values()))
    for k in k_values:
        cells = []
        for cell in CELLS:
            mine = [row for row in rows if row["k"] == k and row["cell"] == cell]
            shares = "/".join(f"{row['explained']:.2f}" for row in mine)
            cells.append(f"{shares:>22} {max(row['seconds'] for row in mine):5.1f}")
        print(f"{k:>3} " + " ".join(cells))
    for cell, name in CELLS.items():
        where = first_k_never_learned(rows, cell)
        print(f"{name}: " + (f"no seed learned the task from k = {where} on" if where else
                             f"learned at some seed for every k up to {max(k_values)}"))
    print(f"rows written to {OUT}")


if __name__ == "__main__":
    main()
