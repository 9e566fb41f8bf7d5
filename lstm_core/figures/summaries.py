"""Each chart in words: a short summary computed from the arrays the chart is drawn from.

A screen reader reads the summary in place of the picture, and anyone who would rather read the number asks
for it under the chart. The figure builders and these functions take the same inputs, so a summary cannot
drift from its chart; figure_summary reads any figure's own traces, for the charts with no summary of their own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from lstm_core.config import ModelConfig
from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.levers import LeverVerdict, Training, lever_value
from lstm_core.glassbox.replay import ModelTrace
from lstm_core.model.gates import CELL_PART_KEYS, CELL_PARTS

SPLIT_WORDS = {"train": "training", "val": "validation", "test": "test"}
MAX_TRACES_SAID = 4  # past this many lines a summary names the first few and counts the rest


def number(value: float) -> str:
    """Return value with two significant digits, positional where that stays short: 0.11, 0.0081, 1200, 3.4e-05."""
    return f"{float(f'{float(value):.2g}'):g}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _moved(first: float, last: float) -> str:
    """Return "fell", "rose" or "stayed" for a change from first to last (within 1 % counts as staying)."""
    if abs(last - first) <= 0.01 * max(abs(first), abs(last)):
        return "stayed"
    return "fell" if last < first else "rose"


def _curve(name: str, values: Sequence[float]) -> str:
    """Return how one curve moved: "validation loss fell from 0.11 to 0.008"."""
    first, last = float(values[0]), float(values[-1])
    if not np.isfinite(last):  # a loss that overflowed: no direction or ratio means anything
        return f"{name} went from {number(first)} to an infinite or undefined value"
    moved = _moved(first, last)
    return f"{name} stayed at {number(last)}" if moved == "stayed" else \
        f"{name} {moved} from {number(first)} to {number(last)}"


def loss_summary(train_loss: Sequence[float], val_loss: Sequence[float], noise_floor: float | None,
                 batch_loss: Sequence[tuple[float, float]] = ()) -> str:
    """Return the loss chart in words: how each loss moved and where validation ends against the noise floor."""
    if not train_loss:
        if batch_loss:
            return (f"No epoch has finished yet; the running batch loss is {number(batch_loss[-1][1])} "
                    f"at epoch {number(batch_loss[-1][0])}.")
        return "No epoch has finished yet, so the chart has no loss to show."
    parts = [_curve("training loss", train_loss)]
    if val_loss:
        parts.append(_curve("validation loss", val_loss))
    sentence = f"In {_plural(len(train_loss), 'epoch')}, " + " and ".join(parts)
    if val_loss and np.isfinite(val_loss[-1]) and noise_floor is not None and noise_floor > 0:
        sentence += f"; the last validation loss is {float(val_loss[-1]) / noise_floor:.1f}× the noise floor " \
                    f"({number(noise_floor)})"
    if len(val_loss) > 1 and np.isfinite(val_loss).all():
        best = int(np.argmin(val_loss))
        if _moved(float(val_loss[best]), float(val_loss[-1])) == "rose":  # it has risen since its best epoch
            sentence += f". Validation was lowest at epoch {best + 1} ({number(val_loss[best])})"
    return sentence + "."


def series_summary(ds: Dataset) -> str:
    """Return the series chart in words: its length, range, and how it is split into train, validation and test."""
    values = np.asarray(ds.values, dtype=np.float64)  # (points,)
    n = len(values)
    split = (f"the first {ds.train_end} values train the model, the next {ds.val_end - ds.train_end} validate it "
             f"and the last {n - ds.val_end} test it")
    return (f"{n} values of {ds.name}, from {number(values.min())} to {number(values.max())}, starting at "
            f"{number(values[0])} and ending at {number(values[-1])}; {split}.")


def scaled_series_summary(ds: Dataset) -> str:
    """Return the scaled series chart in words: the range each part reaches after scaling on the training part."""
    scaled = np.asarray(ds.scaled, dtype=np.float64)  # (points,)
    parts = {"training": scaled[:ds.train_end], "validation": scaled[ds.train_end:ds.val_end],
             "test": scaled[ds.val_end:]}
    ranges = ", ".join(f"the {name} part from {number(part.min())} to {number(part.max())}"
                       for name, part in parts.items() if len(part))
    return f"Scaled with the training part's minimum and maximum: {ranges}."


def windows_summary(ds: Dataset, stride: int, split: str = "train") -> str:
    """Return the sliding-window chart in words: how many windows, their shape, and the first one's numbers."""
    windows = len(ds.X[split])
    if not windows:
        return f"No {SPLIT_WORDS.get(split, split)} window fits these settings, so the chart has none to show."
    first_inputs = np.asarray(ds.X[split][0, :, 0], dtype=np.float64)  # (seq_length,)
    shown = "every one of them has a frame" if stride == 1 else f"one in {stride} has a frame"
    targets = _plural(ds.horizon, "target")
    return (f"{windows} {SPLIT_WORDS.get(split, split)} windows, each {ds.seq_length} inputs followed by {targets}; "
            f"{shown}. Window 0's inputs run from {number(first_inputs[0])} to "
            f"{number(first_inputs[-1])} (scaled) and its target is {number(float(ds.y[split][0, 0]))}.")


def architecture_summary(cfg: ModelConfig, n_features: int = 1) -> str:
    """Return the architecture diagram in words: inputs, the LSTM stack unrolled over the window, the dense head."""
    stack = (f"{_plural(cfg.layers, 'LSTM layer')} of {_plural(cfg.units, 'unit')}" if cfg.layers else "no LSTM layer")
    head = (f"a Dense layer of {cfg.dense_units} then " if cfg.dense_units else "") + \
        f"a Dense layer of {cfg.horizon} that writes the forecast"
    enter = "enters" if n_features == 1 else "enter"
    return (f"{_plural(n_features, 'feature')} per step {enter} {stack}, one cell reused over "
            f"{_plural(cfg.seq_length, 'step')}; the last step's h feeds {head}.")


def forecast_summary(actual: np.ndarray, predicted: np.ndarray, split: str = "test") -> str:
    """Return the forecast-vs-actual chart in words: its length, the mean absolute error and the largest miss."""
    actual, predicted = np.asarray(actual, dtype=np.float64), np.asarray(predicted, dtype=np.float64)  # (points,)
    if not len(actual):
        return f"The {split} part has no points to forecast."
    miss = np.abs(predicted - actual)  # (points,)
    worst = int(np.argmax(miss))
    return (f"On the {split} part's {len(actual)} points the actual values run from {number(actual.min())} to "
            f"{number(actual.max())}; the forecast misses by {number(miss.mean())} on average, most at point "
            f"{worst + 1} ({number(predicted[worst])} against {number(actual[worst])}).")


def _two_decimals(value: float) -> str:
    """Return value with two decimals, never "-0.00"."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def lever_summary(runs: Sequence[Training], verdicts: Sequence[LeverVerdict], score_basis: str) -> str:
    """Return the class board's picture in words: the trainings, the best score, each lever's values and verdict."""
    scores = np.array([run.score for run in runs], dtype=np.float64)  # (runs,)
    known = scores[np.isfinite(scores)]  # (known,)
    best = f", the best scoring {number(known.min())} (test MSE / {score_basis}, lower is better)" if len(known) else ""
    said = {verdict.lever: ", ".join(lever_value(verdict.lever, v) for v in verdict.values) for verdict in verdicts}
    levers = "; ".join(f"{verdict.name}: {said[verdict.lever] or 'no value'} "
                       f"tried, {verdict.verdict}" for verdict in verdicts)
    return f"{_plural(len(runs), 'distinct training')}{best}. {levers}."


def _gate_words(part: str, value: float) -> str:
    """Return one cell part's value in words, the forget gate with what share of the memory it keeps."""
    words = f"{CELL_PARTS[part].name} {_two_decimals(value)}"
    if part == "f":
        words += f" (keeps {value * 100:.0f} % of its memory)"
    elif part == "i":
        words += f" (lets in {value * 100:.0f} % of the candidate)"
    return words


def step_announcements(model_trace: ModelTrace, layer: int, unit: int, sample: int = 0) -> list[str]:
    """Return, for each step of the window, the step and the unit's gate and state values as one spoken sentence."""
    trace = model_trace.lstm_layer(layer)
    inputs = model_trace.layer_inputs[0][sample, :, 0]  # (timesteps,) the window, in scaled units
    steps = trace.h.shape[1]
    sentences = []
    for step in range(steps):
        values = ", ".join(_gate_words(part, float(getattr(trace, part)[sample, step, unit]))
                           for part in CELL_PART_KEYS)
        sentences.append(f"Step {step + 1} of {steps}: input {_two_decimals(inputs[step])}; unit {unit}: {values}.")
    forecast = model_trace.prediction[sample]  # (horizon,)
    sentences[-1] += f" The forecast is {forecast[0]:.3f}."
    return sentences


def stepper_summary(model_trace: ModelTrace, target: np.ndarray, layer: int, unit: int, step: int) -> str:
    """Return the Inside stepper in words: the step shown, the unit's forget gate over the window, the forecast."""
    trace = model_trace.lstm_layer(layer)
    forget = trace.f[0, :, unit]  # (timesteps,)
    cell = trace.c[0, :, unit]  # (timesteps,)
    steps = len(forget)
    lowest = int(np.argmin(forget))
    return (f"Unit {unit} of layer {layer + 1} over {steps} steps. At step {step + 1} its forget gate is "
            f"{forget[step]:.2f}: it keeps {forget[step] * 100:.0f} % of its memory. Over the window the forget gate "
            f"averages {forget.mean():.2f}, lowest {forget[lowest]:.2f} at step {lowest + 1}; the cell state ends "
            f"at {_two_decimals(cell[-1])}. The forecast is {float(model_trace.prediction[0, 0]):.3f} against the "
            f"target {float(np.asarray(target)[0]):.3f}.")


def _numbers(values) -> np.ndarray | None:
    """Return a trace's values as floats (values,), or None where they are not numbers (categories)."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _trace_words(trace) -> str | None:
    """Return one trace of a figure in words, or None for a trace with nothing to say (no values, hidden)."""
    if trace.visible is False or trace.type not in ("scatter", "bar"):
        return None
    name = trace.name or trace.type
    if trace.type == "bar":
        horizontal = trace.orientation == "h"
        values, labels = (trace.x, trace.y) if horizontal else (trace.y, trace.x)
        if values is None or not len(values):
            return None
        numbers = _numbers(values)  # (bars,)
        if numbers is None or not np.isfinite(numbers).any():
            return None
        top = int(np.nanargmax(numbers))
        # Plotly reads tags in tick labels, so a learner's answer arrives escaped: the words say it as typed.
        said = html.unescape(str(labels[top])) if labels is not None else top + 1
        return f"{name}: {len(numbers)} bars, highest {number(numbers[top])} at {said}"
    values = trace.y
    if values is None or not len(values):
        return None
    numbers = _numbers(values)  # (points,)
    if numbers is None:
        return None
    known = numbers[np.isfinite(numbers)]  # (known,)
    if not len(known):
        return None
    if len(known) == 1 or known.min() == known.max():
        return f"{name}: {number(known[0])}" + ("" if len(known) == 1 else " throughout")
    first, last = known[0], known[-1]
    words = f"{name}: {len(known)} points from {number(first)} to {number(last)}"
    if known.min() < min(first, last) or known.max() > max(first, last):  # the ends alone would hide a dip or peak
        words += f", between {number(known.min())} and {number(known.max())}"
    return words


def _plain(text: str | None) -> str:
    """Return a Plotly text without its tags ("<b>", "<br>"), single-spaced."""
    return " ".join(re.sub(r"<[^>]+>", " ", text or "").split())


def figure_summary(fig: go.Figure) -> str:
    """Return any figure in words from its own traces: its title, then each line's or bar set's numbers."""
    title = _plain(fig.layout.title.text) or "A chart"
    x_title, y_title = _plain(fig.layout.xaxis.title.text), _plain(fig.layout.yaxis.title.text)
    if x_title and y_title:
        title += f" ({y_title} against {x_title})"
    said = [words for words in (_trace_words(trace) for trace in fig.data) if words]
    if not said:
        return f"{title}."
    rest = len(said) - MAX_TRACES_SAID
    listed = "; ".join(said[:MAX_TRACES_SAID]) + (f"; and {_plural(rest, 'more line')}" if rest > 0 else "")
    return f"{title}. {listed}."
