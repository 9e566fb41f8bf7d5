"""Why an LSTM and not a plain RNN: a task that needs a long memory, and the gradients that explain the outcome.

The task. Every window is noise: one random value in (-1, 1) per step. One step among the first
``MARKER_SPAN`` carries a marker on a second input channel, and the target is the value at that marked
step. The window is ``k + MARKER_SPAN - 1`` steps long, so the marked value lies between k and
``k + MARKER_SPAN - 1`` steps before the forecast: no model can answer without carrying it at least k
steps through later noise. Guessing the mean scores the value's variance (1/3); an answer with memory
scores near 0. Because the marked step varies, a model cannot cheat by reading a fixed position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from lstm_core.config import Bound, ModelConfig, check_fields
from lstm_core.evaluation.metrics import mse
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.readouts import MemoryCurves, compare_memories
from lstm_core.model.weights import ModelWeights
from lstm_core.training.protocol import TrainingData, TrainingResult

MARKER_SPAN = 10  # the marker falls on one of the first ten steps of a window
WINDOWS = {"train": 2000, "val": 400, "test": 400}
MEMORY_BOUNDS: dict[str, Bound] = {
    "k": Bound(1, 60, int),
    "units": Bound(1, 64, int),
    "epochs": Bound(1, 50, int),
    "seed": Bound(0, 10_000, int),
}
LEARNED = 0.8  # a model that explains this share of the marked value's variance has learned the task
FAILED = 0.2  # below this share it has not: it guesses little better than the mean


@dataclass(frozen=True)
class MemoryTask:
    """The lesson's settings: how far back the marked value lies (at least), model size, epochs, seed."""

    k: int = 20
    units: int = 16
    epochs: int = 30
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields("MemoryTask", asdict(self), MEMORY_BOUNDS)

    @property
    def window(self) -> int:
        """Return the window length in steps: k plus the span the marker may fall in, minus one."""
        return self.k + MARKER_SPAN - 1


def memory_windows(task: MemoryTask, n_windows: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return X (n, window, 2) of (value, marker), y (n, 1) the marked values, and each marker's step (n,)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.0, 1.0, (n_windows, task.window))  # (n, window)
    marked_step = rng.integers(0, MARKER_SPAN, n_windows)  # (n,)
    marker = np.zeros((n_windows, task.window))  # (n, window)
    rows = np.arange(n_windows)  # (n,)
    marker[rows, marked_step] = 1.0
    X = np.stack([values, marker], axis=-1)  # (n, window, 2)
    y = values[rows, marked_step][:, None]  # (n, 1)
    return X, y, marked_step


def memory_data(task: MemoryTask) -> TrainingData:
    """Return the task's train, validation and test windows, each split drawn from its own seed."""
    X: dict[str, np.ndarray] = {}  # split -> (windows, window, 2)
    y: dict[str, np.ndarray] = {}  # split -> (windows, 1)
    for offset, (split, n_windows) in enumerate(WINDOWS.items()):
        X[split], y[split], _ = memory_windows(task, n_windows, seed=task.seed * 10 + offset)
    return TrainingData(X["train"], y["train"], X["val"], y["val"], X["test"], y["test"])


def memory_model(task: MemoryTask, cell: str) -> ModelConfig:
    """Return the ModelConfig of one model of the lesson: one layer of `cell` ("lstm" or "rnn"), no head."""
    return ModelConfig(seq_length=task.window, units=task.units, layers=1, dropout=0.0, dense_units=0,
                       learning_rate=0.01, batch_size=64, epochs=task.epochs, seed=42, cell=cell)


def explained_share(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Return 1 - MSE / variance of actual: 1 for a perfect answer, 0 for guessing the mean."""
    actual = np.asarray(actual, dtype=np.float64)  # (samples, 1)
    return 1.0 - mse(actual, predicted) / float(np.var(actual))


def gradient_profiles(weights: ModelWeights, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (input, memory) gradient sizes per step back, each (timesteps,); index 0 is 1 step back.

    Input: the mean over windows of |dL_n/dx_t|. Memory: the mean of |dL_n/dc_t| for an LSTM (the cell
    state) or |dL_n/dh_t| for a plain RNN (its only state), of the first layer. L_n is one window's own
    squared error, so sizes do not shrink with the number of windows; |.| is a vector's length.
    """
    result = gradients(weights, X, y)
    n_windows = len(X)  # the batch mean divided every per-window gradient by n
    layer = result.layers[0]
    memory = layer.dh if layer.dc is None else layer.dc  # (windows, timesteps, units)
    input_size = np.linalg.norm(result.dx * n_windows, axis=2)  # (windows, timesteps)
    memory_size = np.linalg.norm(memory * n_windows, axis=2)  # (windows, timesteps)
    return input_size.mean(axis=0)[::-1], memory_size.mean(axis=0)[::-1]  # each (timesteps,)


@dataclass
class ModelOutcome:
    """One model's result on the task: its name, test MSE, explained share, verdict and gradients."""

    name: str
    test_mse: float
    explained: float
    gradient_trained: np.ndarray  # (timesteps,) |dL/dx_t| per step back, index 0 = 1 step back
    gradient_initial: np.ndarray  # (timesteps,) the same before training
    memory_trained: np.ndarray  # (timesteps,) |dL/dc_t| (LSTM) or |dL/dh_t| (plain RNN) per step back
    memory_initial: np.ndarray  # (timesteps,) the same before training

    def profiles(self, through_memory: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Return (before, after training) gradient sizes per step back: into the input, or through the memory."""
        if through_memory:
            return self.memory_initial, self.memory_trained
        return self.gradient_initial, self.gradient_trained

    @property
    def grade(self) -> str:
        """Return "learned", "partly" or "failed" from the explained share."""
        return "learned" if self.explained >= LEARNED else "failed" if self.explained < FAILED else "partly"


def model_outcome(name: str, weights: ModelWeights, initial: ModelWeights, data: TrainingData) -> ModelOutcome:
    """Return the ModelOutcome of trained weights (and the weights they started from) on the test windows."""
    from lstm_core.glassbox.replay import trace_model

    predicted = trace_model(weights, data.X_test).prediction  # (samples, 1)
    test_mse = mse(data.y_test, predicted)
    input_trained, memory_trained = gradient_profiles(weights, data.X_test, data.y_test)
    input_initial, memory_initial = gradient_profiles(initial, data.X_test, data.y_test)
    return ModelOutcome(name, test_mse, explained_share(predicted, data.y_test), input_trained, input_initial,
                        memory_trained, memory_initial)


def reach(gradient: np.ndarray, k: int) -> float:
    """Return the mean gradient over the steps where the marked value can lie, over the one at 1 step back."""
    marked = gradient[k - 1: k - 1 + MARKER_SPAN]  # steps back k .. k + MARKER_SPAN - 1
    return float(np.mean(marked) / gradient[0]) if gradient[0] > 0 else float("nan")


def memory_verdict(task: MemoryTask, rnn: ModelOutcome, lstm: ModelOutcome) -> str:
    """Return the lesson's conclusion in words, computed from both outcomes."""
    share = f"plain RNN explains {rnn.explained:.0%} of the marked value, the LSTM {lstm.explained:.0%}"
    if rnn.grade == "learned" and lstm.grade == "learned":
        return (f"Both remember {task.k} steps back: the {share}. No difference here; "
                f"move k further to find where the plain RNN gives up.")
    if lstm.grade == "learned" and rnn.grade != "learned":
        how = "fails" if rnn.grade == "failed" else "only partly learns"
        return f"The LSTM remembers {task.k} steps back and the plain RNN {how}: the {share}."
    if rnn.grade == "learned":
        return f"The plain RNN learned this one and the LSTM did not: the {share}. Try more epochs."
    return (f"Neither model learned to remember {task.k} steps back in {task.epochs} epochs: the {share}. "
            f"Try more epochs or units.")


def gradient_statement(task: MemoryTask, rnn: ModelOutcome, lstm: ModelOutcome, through_memory: bool = False) -> str:
    """Return, in words, how much of the gradient at 1 step back reaches the marked steps, for both models."""
    parts = []
    for outcome in (rnn, lstm):
        before, after = outcome.profiles(through_memory)
        parts.append(f"the {outcome.name}'s {format_ratio(reach(before, task.k))} before training and "
                     f"{format_ratio(reach(after, task.k))} after")
    what = "the gradient carried by the memory" if through_memory else "the gradient reaching the input"
    return (f"At the marked steps ({task.k} to {task.k + MARKER_SPAN - 1} back), {what} is, relative to "
            f"its size at 1 step back: " + "; ".join(parts) + ".")


def format_ratio(ratio: float) -> str:
    """Return a ratio as a learner reads it: '×0.52', '×3.1e-05' or '×12'."""
    if not np.isfinite(ratio):
        return "undefined"
    if ratio == 0:
        return "×0"
    return f"×{ratio:.2g}" if 1e-2 <= ratio < 1e3 else f"×{ratio:.1e}"


INDEPENDENT_INPUTS = ("The inputs of this task are independent random values with no clean wave behind them, so each "
                      "past input's R² is how much of that very value the memory kept.")


@dataclass
class LessonOutcome:
    """What the lesson computes once from both finished trainings: each model's outcome and its memory curves."""

    models: dict[str, ModelOutcome]
    readouts: dict[str, MemoryCurves]  # per model: readouts of its last step, with the marked value as a target


def lesson_outcome(results: Mapping[str, TrainingResult], data: TrainingData) -> LessonOutcome:
    """Return the LessonOutcome of the lesson's finished trainings (each with weights) on their shared windows."""
    weights = {name: _trained(name, result) for name, result in results.items()}
    models = {name: model_outcome(name, weights[name], _initial(name, result), data)
              for name, result in results.items()}
    readouts = compare_memories(weights, data.X_train, data.X_test,
                                targets={"the marked value": (data.y_train[:, 0], data.y_test[:, 0])},
                                unknown=INDEPENDENT_INPUTS)
    return LessonOutcome(models, readouts)


def _trained(name: str, result: TrainingResult) -> ModelWeights:
    if result.weights is None:
        raise ValueError(f"{name} has no trained weights: {result.message}")
    return result.weights


def _initial(name: str, result: TrainingResult) -> ModelWeights:
    if result.initial_weights is None:
        raise ValueError(f"{name} has no record of the weights it started from")
    return result.initial_weights
