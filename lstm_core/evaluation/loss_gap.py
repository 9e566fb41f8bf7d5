"""Why a training loss can stay above the validation loss: dropout, a harder training part, how each is measured.

The two losses are measured differently. Keras reports an epoch's training loss as the mean over its batches,
taken while dropout is on and while the weights still improved; the validation loss is measured once, at the
epoch's end, with dropout off. And the two parts hold different windows: a training part with larger steps or
more noise is harder to forecast than its validation part. Each reason is stated only when it applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lstm_core.data.dataset import Dataset
from lstm_core.evaluation.baselines import last_value_forecast
from lstm_core.evaluation.metrics import mse
from lstm_core.evaluation.noise_floor import drawn_noise

RECENT_EPOCHS = 5  # "stays above": in the last epoch and in most of these last epochs


def stays_above(loss: Sequence[float], val_loss: Sequence[float]) -> bool:
    """Return True when the training loss is above the validation loss in the last epoch and in most recent epochs."""
    recent = list(zip(loss, val_loss))[-RECENT_EPOCHS:]
    if not recent:
        return False
    above = sum(train > val for train, val in recent)
    return recent[-1][0] > recent[-1][1] and 2 * above > len(recent)


@dataclass(frozen=True)
class SplitDifficulty:
    """How hard the training and validation parts are, measured without the model (scaled MSE)."""

    last_value_train: float  # repeating each window's last value, on the training windows
    last_value_val: float
    noise_train: float | None  # mean square of the noise drawn at the targets; None when unknown
    noise_val: float | None

    @property
    def training_harder(self) -> bool:
        """Return True when repeating the last value does worse on the training windows than on the validation ones."""
        return self.last_value_train > self.last_value_val

    def words(self) -> str:
        """Return the measurements as a clause: repeating the last value on both parts, and their noise if known."""
        text = (f"repeating the last value scores MSE {self.last_value_train:.5f} on the training windows against "
                f"{self.last_value_val:.5f} on the validation windows")
        if self.noise_train is not None and self.noise_val is not None:
            text += (f", and the noise drawn in the two parts has mean square {self.noise_train:.5f} against "
                     f"{self.noise_val:.5f}")
        return text


def split_difficulty(ds: Dataset) -> SplitDifficulty:
    """Return the difficulty of ds's training and validation parts, from a forecast that needs no training."""
    last_value = {split: mse(ds.y[split], last_value_forecast(ds.X[split], ds.horizon))  # over (samples, horizon)
                  for split in ("train", "val")}
    return SplitDifficulty(last_value["train"], last_value["val"], drawn_noise(ds, "train"), drawn_noise(ds, "val"))


def loss_gap_note(loss: Sequence[float], val_loss: Sequence[float], dropout: float,
                  difficulty: SplitDifficulty) -> str | None:
    """Return why the training loss stays above the validation loss, or None when it does not stay above."""
    if not stays_above(loss, val_loss):
        return None
    text = (f"The training loss stays above the validation loss (last epoch: {loss[-1]:.5f} against "
            f"{val_loss[-1]:.5f}). ")
    averaged = ("the training loss is also the mean over each epoch's batches, while the weights were still "
                "improving, whereas the validation loss is measured once with the epoch's final weights")
    if dropout > 0:
        text += (f"Dropout: during training it switches off a random {dropout:.0%} of each recurrent layer's "
                 f"outputs at every step, so the training loss is measured on a handicapped network; for the "
                 f"validation loss dropout is off and the whole network forecasts. Besides, {averaged}.")
        if difficulty.training_harder:
            text += f" The training part is harder too: {difficulty.words()}."
        return text
    if difficulty.training_harder:
        return text + (f"Dropout is off, so the network is the same in both; the difference is in the data: the "
                       f"training part is harder. Without any model, {difficulty.words()}. Besides, {averaged}.")
    return text + (f"Dropout is off and the training part is not harder by a forecast without a model "
                   f"({difficulty.words()}), so what remains is how the two are measured: {averaged}.")
