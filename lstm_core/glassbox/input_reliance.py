"""Which input a trained model relies on: each input held at its training mean, and the loss's gradient per step back.

Holding an input at its training mean takes away what it says while keeping its usual level; the test error
that follows, judged against the per-window noise of the difference, says whether the model needed it. The
gradient of the loss with respect to each input at each step says where in the window the model looks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_core.data.dataset import Dataset
from lstm_core.data.inputs import OWN_PAST
from lstm_core.evaluation.metrics import mse_per_window
from lstm_core.evaluation.skill import is_difference, paired_gap
from lstm_core.glassbox.backprop import gradients
from lstm_core.glassbox.replay import trace_model
from lstm_core.model.weights import ModelWeights


@dataclass(frozen=True)
class InputReliance:
    """What one input means to a trained model: the test error without it, and its gradient per step back."""

    name: str
    mse_without: float  # test MSE with this input held at its training mean
    gap: float  # mean per-window MSE without it minus with it
    standard_error: float  # of that mean over the test windows
    gradient_by_steps_back: np.ndarray  # (seq_length,) mean |dLoss/dx| at 1, 2, ... steps before the target

    @property
    def needed(self) -> bool:
        """Return True when taking the input away makes the forecast worse beyond the windows' own noise."""
        return self.gap > 0 and is_difference(self.gap, self.standard_error)

    @property
    def peak_steps_back(self) -> int:
        """Return how many steps before the target the loss is most sensitive to this input."""
        return int(np.argmax(self.gradient_by_steps_back)) + 1


@dataclass(frozen=True)
class RelianceReport:
    """The test MSE of the model as trained, and what each of its inputs means to it."""

    mse: float
    inputs: list[InputReliance]


def input_reliance(weights: ModelWeights, ds: Dataset) -> RelianceReport:
    """Return the model's test MSE and, per input, its MSE with that input at its training mean and its gradients."""
    X, y = ds.X["test"], ds.y["test"]  # (samples, seq_length, features), (samples, horizon)
    errors = mse_per_window(y, trace_model(weights, X).prediction)  # (samples,)
    # |dLoss/dx| averaged over windows, read from the window's end: index 0 is one step before the target.
    sensitivity = np.abs(gradients(weights, X, y).dx).mean(axis=0)[::-1]  # (seq_length, features)
    means = ds.X["train"].mean(axis=(0, 1))  # (features,)
    inputs = []
    for k, name in enumerate(ds.features):
        held = X.copy()  # (samples, seq_length, features)
        held[:, :, k] = means[k]
        without = mse_per_window(y, trace_model(weights, held).prediction)  # (samples,)
        gap, standard_error = paired_gap(without, errors)
        inputs.append(InputReliance(name, float(without.mean()), gap, standard_error, sensitivity[:, k]))
    return RelianceReport(float(errors.mean()), inputs)


def called(name: str) -> str:
    """Return how a sentence names an input: "the series' own past", "the driver"."""
    return "the series' own past" if name == OWN_PAST else f"the {name}"


def reliance_verdict(report: RelianceReport, lead: int | None, window: int) -> str:
    """Return what the model relies on, in words, checked against the driver's known lead where there is one."""
    sentences = []
    for reliance in report.inputs:
        ratio = reliance.mse_without / report.mse if report.mse > 0 else float("inf")
        if reliance.needed:
            where = f"; it looks hardest {reliance.peak_steps_back} step{'s' if reliance.peak_steps_back > 1 else ''}" \
                    " back"
            sentences.append(f"the model uses {called(reliance.name)} (without it the test error is "
                             f"{ratio:.2f}×{where})")
        else:
            sentences.append(f"removing {called(reliance.name)} changes nothing here (test error {ratio:.2f}×, "
                             "within the windows' own spread)")
    verdict = "; ".join(sentences) + "."
    verdict = verdict[0].upper() + verdict[1:]
    driver = next((r for r in report.inputs if r.name == "driver"), None)
    if driver is not None and lead is not None:
        if lead > window:
            verdict += f" The driver acts {lead} steps later, beyond the window of {window}: no model could use it."
        elif driver.needed and driver.peak_steps_back == lead:
            verdict += f" That is the known answer: the driver moves the target {lead} steps later."
        elif driver.needed:
            verdict += (f" The known answer is {lead} steps back: the model leans on the driver, but most "
                        f"{driver.peak_steps_back} steps back.")
        else:
            verdict += f" The known answer says the driver matters {lead} steps back: this model has not learned it."
    return verdict
